-- id: CASE_OPEN
-- name: Cases open at period end
-- kind: count
-- definition: Persons returned to date whose case is open at P1: case_status open, or closed with case_closed_date after P1; age group at period end.
-- disaggregations: sex, age_group
-- partitions: sex, age_group
-- order: 14
-- time: stock
-- countries: sum
SELECT
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) AS numerator,
    NULL AS denominator
FROM returnees AS r,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', r.sex),
        ('age_group', age_group(year($p1::DATE) - r.birth_year))
    ) AS d (dimension, category)
WHERE r.return_date <= $p1::DATE
  AND (r.case_status = 'open' OR r.case_closed_date > $p1::DATE)
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

-- id: RET_UAM
-- name: Unaccompanied minors returned to date
-- kind: count
-- definition: Persons returned to date who were under 18 at return and are recorded as unaccompanied_minor = true.
-- disaggregations: sex
-- partitions: sex
-- order: 4
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
        ('sex', r.sex)
    ) AS d (dimension, category)
WHERE r.return_date <= $p1::DATE
  AND year(r.return_date) - r.birth_year < 18
  AND r.unaccompanied_minor
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

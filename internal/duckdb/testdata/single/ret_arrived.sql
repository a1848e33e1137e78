-- id: RET_ARRIVED
-- name: Persons arrived in the period
-- kind: count
-- definition: Persons whose return_date is in the period (P0 <= return_date <= P1); age group at return.
-- disaggregations: sex, age_group, return_from
-- partitions: sex, age_group, return_from
-- order: 1
-- time: flow
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
        ('age_group', age_group(year(r.return_date) - r.birth_year)),
        ('return_from', r.return_from)
    ) AS d (dimension, category)
WHERE r.return_date BETWEEN $p0::DATE AND $p1::DATE
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

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
    w.period,
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) AS numerator,
    NULL AS denominator
FROM returnees AS r
JOIN periods AS w ON r.return_date BETWEEN w.p0 AND w.p1,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', r.sex),
        ('age_group', age_group(year(r.return_date) - r.birth_year)),
        ('return_from', r.return_from)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, r.country, d.dimension, d.category), (w.period, d.dimension, d.category));

-- id: RET_CUMULATIVE
-- name: Persons returned to date
-- kind: count
-- definition: Persons whose return_date is on or before the last day of the period (return_date <= P1); age group at return; a missing region is "unknown".
-- disaggregations: sex, age_group, region
-- partitions: sex, age_group, region
-- order: 2
-- time: stock
-- countries: sum
-- increments: RET_ARRIVED
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
        ('region', r.region)
    ) AS d (dimension, category)
WHERE r.return_date <= $p1::DATE
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

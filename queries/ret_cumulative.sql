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
WITH returned AS (
    -- persons counted from the first period of the window that ends on or
    -- after their return (window_index) to the end of the window
    SELECT
        country,
        sex,
        age_group(year(return_date) - birth_year) AS age_group,
        region,
        window_index(return_date) AS since,
        count(*) AS n
    FROM returnees
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(x.country) = 1 THEN 'ALL' ELSE x.country END AS country,
    d.dimension,
    d.category,
    sum(x.n) AS numerator,
    NULL AS denominator
FROM returned AS x
JOIN periods AS w ON w.i >= x.since,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', x.sex),
        ('age_group', x.age_group),
        ('region', x.region)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, x.country, d.dimension, d.category), (w.period, d.dimension, d.category));

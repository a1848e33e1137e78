-- id: RET_CHILD_SHARE
-- name: Children among persons returned to date
-- kind: percentage
-- definition: Of the persons returned to date (denominator), those aged under 18 at return, age = year(return_date) - birth_year (numerator).
-- disaggregations: sex
-- partitions: sex
-- order: 3
-- time: stock
-- countries: sum
WITH returned AS (
    SELECT
        country,
        sex,
        year(return_date) - birth_year < 18 AS child,
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
    coalesce(sum(x.n) FILTER (WHERE x.child), 0) AS numerator,
    sum(x.n) AS denominator
FROM returned AS x
JOIN periods AS w ON w.i >= x.since,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', x.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, x.country, d.dimension, d.category), (w.period, d.dimension, d.category));

-- id: RET_UAM
-- name: Unaccompanied minors returned to date
-- kind: count
-- definition: Persons returned to date who were under 18 at return and are recorded as unaccompanied_minor = true.
-- disaggregations: sex
-- partitions: sex
-- order: 4
-- time: stock
-- countries: sum
WITH returned AS (
    SELECT
        country,
        sex,
        window_index(return_date) AS since,
        count(*) AS n
    FROM returnees
    WHERE year(return_date) - birth_year < 18
      AND unaccompanied_minor
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
        ('sex', x.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, x.country, d.dimension, d.category), (w.period, d.dimension, d.category));

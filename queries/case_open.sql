-- id: CASE_OPEN
-- name: Cases open at period end
-- kind: count
-- definition: Persons returned to date whose case is open at P1: case_status open, or closed with case_closed_date after P1; age group at period end.
-- disaggregations: sex, age_group
-- partitions: sex, age_group
-- order: 14
-- time: stock
-- countries: sum
WITH open_cases AS (
    SELECT
        pk,
        country,
        sex,
        birth_year,
        -- open at the end of every period from the return (since) to the
        -- last one that ends before the case was closed (until, exclusive)
        window_index(return_date) AS since,
        CASE WHEN case_status = 'open' THEN window_length() ELSE window_index(case_closed_date) END AS until
    FROM returnees
),
counted AS (
    SELECT country, sex, birth_year, since, until, count(*) AS n
    FROM open_cases
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(o.country) = 1 THEN 'ALL' ELSE o.country END AS country,
    d.dimension,
    d.category,
    sum(o.n) AS numerator,
    NULL AS denominator
FROM counted AS o
JOIN periods AS w ON w.i >= o.since AND w.i < o.until,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', o.sex),
        ('age_group', age_group(year(w.p1) - o.birth_year))
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, o.country, d.dimension, d.category), (w.period, d.dimension, d.category));

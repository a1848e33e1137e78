-- id: RET_CHILD_SHARE
-- name: Children among persons returned to date
-- kind: percentage
-- definition: Of the persons returned to date (denominator), those aged under 18 at return, age = year(return_date) - birth_year (numerator).
-- disaggregations: sex
-- partitions: sex
-- order: 3
-- time: stock
-- countries: sum
SELECT
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE year(r.return_date) - r.birth_year < 18) AS numerator,
    count(*) AS denominator
FROM returnees AS r,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', r.sex)
    ) AS d (dimension, category)
WHERE r.return_date <= $p1::DATE
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

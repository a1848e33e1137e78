-- id: PSS_30D
-- name: Psychosocial support within 30 days of return
-- kind: percentage
-- definition: Of the persons with return_date <= P1 - 30 days (denominator), those with a delivered psychosocial service dated from return_date to return_date + 30 days (numerator); age group at return.
-- disaggregations: sex, age_group
-- partitions: sex, age_group
-- order: 8
-- time: stock
-- countries: sum
WITH eligible AS (
    SELECT
        r.country,
        r.sex,
        age_group(year(r.return_date) - r.birth_year) AS age_group,
        -- counted from the first period that ends 30 days or more after the return
        window_index(r.return_date + 30) AS since,
        EXISTS (
            SELECT 1
            FROM services AS s
            WHERE s.pk = r.pk
              AND s.service_type = 'psychosocial'
              AND s.status = 'delivered'
              AND s.service_date BETWEEN r.return_date AND r.return_date + 30
        ) AS supported
    FROM returnees AS r
),
counted AS (
    SELECT country, sex, age_group, since, supported, count(*) AS n
    FROM eligible
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(e.country) = 1 THEN 'ALL' ELSE e.country END AS country,
    d.dimension,
    d.category,
    coalesce(sum(e.n) FILTER (WHERE e.supported), 0) AS numerator,
    sum(e.n) AS denominator
FROM counted AS e
JOIN periods AS w ON w.i >= e.since,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', e.sex),
        ('age_group', e.age_group)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, e.country, d.dimension, d.category), (w.period, d.dimension, d.category));

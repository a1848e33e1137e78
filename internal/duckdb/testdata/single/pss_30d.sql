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
        r.*,
        EXISTS (
            SELECT 1
            FROM services AS s
            WHERE s.pk = r.pk
              AND s.service_type = 'psychosocial'
              AND s.status = 'delivered'
              AND s.service_date BETWEEN r.return_date AND r.return_date + 30
        ) AS supported
    FROM returnees AS r
    WHERE r.return_date <= $p1::DATE - 30
)
SELECT
    CASE WHEN grouping(e.country) = 1 THEN 'ALL' ELSE e.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE e.supported) AS numerator,
    count(*) AS denominator
FROM eligible AS e,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', e.sex),
        ('age_group', age_group(year(e.return_date) - e.birth_year))
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((e.country, d.dimension, d.category), (d.dimension, d.category));

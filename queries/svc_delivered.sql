-- id: SVC_DELIVERED
-- name: Services delivered in the period
-- kind: count
-- definition: Services rows with status delivered and service_date in the period.
-- disaggregations: service_type, provider_type
-- partitions: service_type, provider_type
-- order: 6
-- time: flow
-- countries: sum
WITH delivered AS (
    SELECT country, service_type, provider_type, window_index(service_date) AS i, count(*) AS n
    FROM services
    WHERE status = 'delivered'
      AND service_date BETWEEN (SELECT min(p0) FROM periods) AND (SELECT max(p1) FROM periods)
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(s.country) = 1 THEN 'ALL' ELSE s.country END AS country,
    d.dimension,
    d.category,
    sum(s.n) AS numerator,
    NULL AS denominator
FROM delivered AS s
JOIN periods AS w ON w.i = s.i,
    LATERAL (VALUES
        ('total', 'total'),
        ('service_type', s.service_type),
        ('provider_type', s.provider_type)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, s.country, d.dimension, d.category), (w.period, d.dimension, d.category));

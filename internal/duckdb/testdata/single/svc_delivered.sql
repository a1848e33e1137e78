-- id: SVC_DELIVERED
-- name: Services delivered in the period
-- kind: count
-- definition: Services rows with status delivered and service_date in the period.
-- disaggregations: service_type, provider_type
-- partitions: service_type, provider_type
-- order: 6
-- time: flow
-- countries: sum
SELECT
    CASE WHEN grouping(s.country) = 1 THEN 'ALL' ELSE s.country END AS country,
    d.dimension,
    d.category,
    count(*) AS numerator,
    NULL AS denominator
FROM services AS s,
    LATERAL (VALUES
        ('total', 'total'),
        ('service_type', s.service_type),
        ('provider_type', s.provider_type)
    ) AS d (dimension, category)
WHERE s.status = 'delivered'
  AND s.service_date BETWEEN $p0::DATE AND $p1::DATE
GROUP BY GROUPING SETS ((s.country, d.dimension, d.category), (d.dimension, d.category));

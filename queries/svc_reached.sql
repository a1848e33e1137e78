-- id: SVC_REACHED
-- name: Persons reached by a delivered service in the period
-- kind: count
-- definition: Distinct persons with at least one delivered service dated in the period; age group at period end. By service type a person counts once in every type received, so the types do not add up to the total.
-- disaggregations: sex, age_group, service_type
-- partitions: sex, age_group
-- order: 5
-- time: period
-- countries: sum
WITH reached AS (
    -- each person once per service type received in each period
    SELECT window_index(service_date) AS i, pk, country, service_type
    FROM services
    WHERE status = 'delivered'
      AND service_date BETWEEN (SELECT min(p0) FROM periods) AND (SELECT max(p1) FROM periods)
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) AS numerator,
    NULL AS denominator
FROM (SELECT DISTINCT i, pk FROM reached) AS x
JOIN returnees AS r ON r.pk = x.pk
JOIN periods AS w ON w.i = x.i,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', r.sex),
        ('age_group', age_group(year(w.p1) - r.birth_year))
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, r.country, d.dimension, d.category), (w.period, d.dimension, d.category))
UNION ALL
-- by service type a person counts once in every type received
SELECT
    w.period,
    CASE WHEN grouping(x.country) = 1 THEN 'ALL' ELSE x.country END AS country,
    'service_type' AS dimension,
    x.service_type AS category,
    count(*) AS numerator,
    NULL AS denominator
FROM reached AS x
JOIN periods AS w ON w.i = x.i
GROUP BY GROUPING SETS ((w.period, x.country, x.service_type), (w.period, x.service_type));

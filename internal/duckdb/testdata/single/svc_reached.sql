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
    SELECT DISTINCT s.pk, s.service_type
    FROM services AS s
    WHERE s.status = 'delivered'
      AND s.service_date BETWEEN $p0::DATE AND $p1::DATE
)
SELECT
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(DISTINCT r.pk) AS numerator,
    NULL AS denominator
FROM reached AS x
JOIN returnees AS r ON r.pk = x.pk,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', r.sex),
        ('age_group', age_group(year($p1::DATE) - r.birth_year)),
        ('service_type', x.service_type)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

-- id: NEED_MET
-- name: Identified needs met by a delivered service
-- kind: percentage
-- definition: Of the needs identified on or before P1 (denominator), those with a delivered service of the same type for the same person dated from identified_date to P1 (numerator).
-- disaggregations: need_type, sex
-- partitions: need_type, sex
-- order: 7
WITH assessed AS (
    SELECT
        n.pk,
        n.need_type,
        EXISTS (
            SELECT 1
            FROM services AS s
            WHERE s.pk = n.pk
              AND s.service_type = n.need_type
              AND s.status = 'delivered'
              AND s.service_date BETWEEN n.identified_date AND $p1::DATE
        ) AS met
    FROM needs AS n
    WHERE n.identified_date <= $p1::DATE
)
SELECT
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE a.met) AS numerator,
    count(*) AS denominator
FROM assessed AS a
JOIN returnees AS r ON r.pk = a.pk,
    LATERAL (VALUES
        ('total', 'total'),
        ('need_type', a.need_type),
        ('sex', r.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

-- id: NEED_MET
-- name: Identified needs met by a delivered service
-- kind: percentage
-- definition: Of the needs identified on or before P1 (denominator), those with a delivered service of the same type for the same person dated from identified_date to P1 (numerator).
-- disaggregations: need_type, sex
-- partitions: need_type, sex
-- order: 7
-- time: stock
-- countries: sum
WITH last_delivered AS (
    -- a need is met when the latest delivered service of its type for the
    -- person, on or before P1, is on or after the day the need was identified
    SELECT pk, service_type, max(service_date) AS service_date
    FROM services
    WHERE status = 'delivered'
      AND service_date <= $p1::DATE
    GROUP BY pk, service_type
),
assessed AS (
    SELECT
        n.pk,
        n.need_type,
        coalesce(l.service_date >= n.identified_date, false) AS met
    FROM needs AS n
    LEFT JOIN last_delivered AS l
        ON l.pk = n.pk AND l.service_type = n.need_type
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

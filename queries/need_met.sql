-- id: NEED_MET
-- name: Identified needs met by a delivered service
-- kind: percentage
-- definition: Of the needs identified on or before P1 (denominator), those with a delivered service of the same type for the same person dated from identified_date to P1 (numerator).
-- disaggregations: need_type, sex
-- partitions: need_type, sex
-- order: 7
-- time: stock
-- countries: sum
WITH met AS (
    -- a need is met at the end of a period when a delivered service of its
    -- type for the person is dated from the day the need was identified to
    -- the period's last day: from the first such service on
    SELECT n.pk, n.need_type, n.identified_date, min(s.service_date) AS met_date
    FROM needs AS n
    LEFT JOIN services AS s
        ON s.pk = n.pk
       AND s.service_type = n.need_type
       AND s.status = 'delivered'
       AND s.service_date >= n.identified_date
       AND s.service_date <= (SELECT max(p1) FROM periods)
    WHERE n.identified_date <= (SELECT max(p1) FROM periods)
    GROUP BY n.pk, n.need_type, n.identified_date
),
assessed AS (
    SELECT
        r.country,
        r.sex,
        m.need_type,
        window_index(m.identified_date) AS since,
        window_index(m.met_date) AS met_since,
        count(*) AS n
    FROM met AS m
    JOIN returnees AS r ON r.pk = m.pk
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(a.country) = 1 THEN 'ALL' ELSE a.country END AS country,
    d.dimension,
    d.category,
    coalesce(sum(a.n) FILTER (WHERE w.i >= a.met_since), 0) AS numerator,
    sum(a.n) AS denominator
FROM assessed AS a
JOIN periods AS w ON w.i >= a.since,
    LATERAL (VALUES
        ('total', 'total'),
        ('need_type', a.need_type),
        ('sex', a.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, a.country, d.dimension, d.category), (w.period, d.dimension, d.category));

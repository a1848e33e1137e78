-- id: CASE_CLOSED
-- name: Cases closed in the period
-- kind: count
-- definition: Persons whose case_closed_date is in the period.
-- disaggregations: closure_reason, sex
-- partitions: closure_reason, sex
-- order: 15
-- time: flow
-- countries: sum
SELECT
    w.period,
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) AS numerator,
    NULL AS denominator
FROM returnees AS r
JOIN periods AS w ON r.case_closed_date BETWEEN w.p0 AND w.p1,
    LATERAL (VALUES
        ('total', 'total'),
        ('closure_reason', r.closure_reason),
        ('sex', r.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, r.country, d.dimension, d.category), (w.period, d.dimension, d.category));

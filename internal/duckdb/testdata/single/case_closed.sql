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
    CASE WHEN grouping(r.country) = 1 THEN 'ALL' ELSE r.country END AS country,
    d.dimension,
    d.category,
    count(*) AS numerator,
    NULL AS denominator
FROM returnees AS r,
    LATERAL (VALUES
        ('total', 'total'),
        ('closure_reason', r.closure_reason),
        ('sex', r.sex)
    ) AS d (dimension, category)
WHERE r.case_closed_date BETWEEN $p0::DATE AND $p1::DATE
GROUP BY GROUPING SETS ((r.country, d.dimension, d.category), (d.dimension, d.category));

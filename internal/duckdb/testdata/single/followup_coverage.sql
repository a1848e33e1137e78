-- id: FOLLOWUP_COVERAGE
-- name: Open cases followed up in the last 180 days
-- kind: percentage
-- definition: Of the persons open at period end (denominator), those with any follow-up dated from P1 - 179 days to P1 (numerator).
-- disaggregations: sex
-- partitions: sex
-- order: 16
-- time: stock
-- countries: sum
WITH open_cases AS (
    SELECT
        r.*,
        EXISTS (
            SELECT 1
            FROM followups AS f
            WHERE f.pk = r.pk
              AND f.followup_date BETWEEN $p1::DATE - 179 AND $p1::DATE
        ) AS followed
    FROM returnees AS r
    WHERE r.return_date <= $p1::DATE
      AND (r.case_status = 'open' OR r.case_closed_date > $p1::DATE)
)
SELECT
    CASE WHEN grouping(o.country) = 1 THEN 'ALL' ELSE o.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE o.followed) AS numerator,
    count(*) AS denominator
FROM open_cases AS o,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', o.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((o.country, d.dimension, d.category), (d.dimension, d.category));

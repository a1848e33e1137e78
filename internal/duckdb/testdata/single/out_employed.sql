-- id: OUT_EMPLOYED
-- name: Adults aged 18-59 employed
-- kind: percentage
-- definition: Of the persons returned to date aged 18-59 at period end (year(P1) - birth_year) whose latest follow-up on or before P1 is recent (followup_date > P1 - 365 days) and records employed (denominator), those with employed = true (numerator).
-- disaggregations: sex
-- partitions: sex
-- order: 10
-- time: stock
-- countries: sum
WITH latest AS (
    SELECT f.*
    FROM followups AS f
    JOIN (
        SELECT pk, max(followup_date) AS followup_date
        FROM followups
        WHERE followup_date <= $p1::DATE
        GROUP BY pk
    ) AS m USING (pk, followup_date)
),
assessed AS (
    SELECT r.country, r.sex, l.employed
    FROM returnees AS r
    JOIN latest AS l ON l.pk = r.pk
    WHERE r.return_date <= $p1::DATE
      AND year($p1::DATE) - r.birth_year BETWEEN 18 AND 59
      AND l.followup_date > $p1::DATE - 365
      AND l.employed IS NOT NULL
)
SELECT
    CASE WHEN grouping(a.country) = 1 THEN 'ALL' ELSE a.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE a.employed) AS numerator,
    count(*) AS denominator
FROM assessed AS a,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', a.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((a.country, d.dimension, d.category), (d.dimension, d.category));

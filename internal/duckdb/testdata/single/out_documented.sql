-- id: OUT_DOCUMENTED
-- name: Persons holding civil documents
-- kind: percentage
-- definition: Of the persons returned to date whose latest follow-up on or before P1 is recent (followup_date > P1 - 365 days) and records has_civil_documents (denominator), those with has_civil_documents = true (numerator); age group at period end.
-- disaggregations: sex, age_group
-- partitions: sex, age_group
-- order: 11
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
    SELECT r.country, r.sex, r.birth_year, l.has_civil_documents
    FROM returnees AS r
    JOIN latest AS l ON l.pk = r.pk
    WHERE r.return_date <= $p1::DATE
      AND l.followup_date > $p1::DATE - 365
      AND l.has_civil_documents IS NOT NULL
)
SELECT
    CASE WHEN grouping(a.country) = 1 THEN 'ALL' ELSE a.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE a.has_civil_documents) AS numerator,
    count(*) AS denominator
FROM assessed AS a,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', a.sex),
        ('age_group', age_group(year($p1::DATE) - a.birth_year))
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((a.country, d.dimension, d.category), (d.dimension, d.category));

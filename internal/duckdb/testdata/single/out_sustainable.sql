-- id: OUT_SUSTAINABLE
-- name: Persons with a sustainable reintegration score
-- kind: percentage
-- definition: Of the persons in OUT_SCORE (denominator), those whose composite score is at or above the sustainable threshold (default 0.66), compared exactly (numerator).
-- disaggregations: sex
-- partitions: sex
-- order: 13
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
scored AS (
    SELECT
        r.country,
        r.sex,
        $w_economic::DECIMAL(9, 6) * l.economic_score
            + $w_social::DECIMAL(9, 6) * l.social_score
            + $w_psychosocial::DECIMAL(9, 6) * l.psychosocial_score AS composite
    FROM returnees AS r
    JOIN latest AS l ON l.pk = r.pk
    WHERE r.return_date <= $p1::DATE
      AND l.followup_date > $p1::DATE - 365
      AND l.economic_score IS NOT NULL
      AND l.social_score IS NOT NULL
      AND l.psychosocial_score IS NOT NULL
)
SELECT
    CASE WHEN grouping(s.country) = 1 THEN 'ALL' ELSE s.country END AS country,
    d.dimension,
    d.category,
    count(*) FILTER (WHERE s.composite >= $threshold::DECIMAL(9, 6)) AS numerator,
    count(*) AS denominator
FROM scored AS s,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', s.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((s.country, d.dimension, d.category), (d.dimension, d.category));

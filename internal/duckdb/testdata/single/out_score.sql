-- id: OUT_SCORE
-- name: Mean composite reintegration score
-- kind: mean
-- definition: Mean of the composite score (w_economic * economic + w_social * social + w_psychosocial * psychosocial; defaults 0.40, 0.30, 0.30) of the latest follow-up, over the persons returned to date whose latest follow-up on or before P1 is recent (followup_date > P1 - 365 days) and has all three scores; age group at period end. Exact decimal arithmetic.
-- disaggregations: sex, age_group
-- partitions: sex, age_group
-- order: 12
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
        r.birth_year,
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
    sum(s.composite) AS numerator,
    count(*) AS denominator
FROM scored AS s,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', s.sex),
        ('age_group', age_group(year($p1::DATE) - s.birth_year))
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((s.country, d.dimension, d.category), (d.dimension, d.category));

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
    -- a follow-up is the person's latest recent one at the end of every
    -- period from its own date until the next follow-up or until 365 days
    -- later, whichever comes first: periods since <= i < until
    SELECT
        f.*,
        window_index(f.followup_date) AS since,
        window_index(least(
            coalesce(lead(f.followup_date) OVER (PARTITION BY f.pk ORDER BY f.followup_date), f.followup_date + 365),
            f.followup_date + 365)) AS until
    FROM followups AS f
    -- no other follow-up can be the latest recent one at the end of a
    -- period of the window
    WHERE f.followup_date > (SELECT min(p1) FROM periods) - 365
      AND f.followup_date <= (SELECT max(p1) FROM periods)
),
scored AS (
    SELECT
        r.country,
        r.sex,
        r.birth_year,
        greatest(l.since, window_index(r.return_date)) AS since,
        l.until,
        $w_economic::DECIMAL(9, 6) * l.economic_score
            + $w_social::DECIMAL(9, 6) * l.social_score
            + $w_psychosocial::DECIMAL(9, 6) * l.psychosocial_score AS composite
    FROM latest AS l
    JOIN returnees AS r ON r.pk = l.pk
    WHERE l.since < l.until
      AND l.economic_score IS NOT NULL
      AND l.social_score IS NOT NULL
      AND l.psychosocial_score IS NOT NULL
),
summed AS (
    SELECT country, sex, birth_year, since, until, sum(composite) AS total, count(*) AS n
    FROM scored
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(s.country) = 1 THEN 'ALL' ELSE s.country END AS country,
    d.dimension,
    d.category,
    sum(s.total) AS numerator,
    sum(s.n) AS denominator
FROM summed AS s
JOIN periods AS w ON w.i >= s.since AND w.i < s.until,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', s.sex),
        ('age_group', age_group(year(w.p1) - s.birth_year))
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, s.country, d.dimension, d.category), (w.period, d.dimension, d.category));

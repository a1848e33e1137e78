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
assessed AS (
    SELECT
        r.country,
        r.sex,
        r.birth_year,
        l.employed,
        greatest(l.since, window_index(r.return_date)) AS since,
        l.until,
        count(*) AS n
    FROM latest AS l
    JOIN returnees AS r ON r.pk = l.pk
    WHERE l.since < l.until
      AND l.employed IS NOT NULL
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(a.country) = 1 THEN 'ALL' ELSE a.country END AS country,
    d.dimension,
    d.category,
    coalesce(sum(a.n) FILTER (WHERE a.employed), 0) AS numerator,
    sum(a.n) AS denominator
FROM assessed AS a
JOIN periods AS w
    ON w.i >= a.since AND w.i < a.until
   AND year(w.p1) - a.birth_year BETWEEN 18 AND 59,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', a.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, a.country, d.dimension, d.category), (w.period, d.dimension, d.category));

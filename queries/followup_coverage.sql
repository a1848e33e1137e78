-- id: FOLLOWUP_COVERAGE
-- name: Open cases followed up in the last 180 days
-- kind: percentage
-- definition: Of the persons open at period end (denominator), those with any follow-up dated from P1 - 179 days to P1 (numerator).
-- disaggregations: sex
-- partitions: sex
-- order: 16
-- time: stock
-- countries: sum
WITH latest AS (
    -- a follow-up is the person's latest at the end of every period from its
    -- own date until the next follow-up; it covers those of them that end
    -- less than 180 days after it: periods since <= i < until
    SELECT
        pk,
        window_index(followup_date) AS since,
        window_index(least(
            coalesce(lead(followup_date) OVER (PARTITION BY pk ORDER BY followup_date), followup_date + 180),
            followup_date + 180)) AS until
    FROM followups
    WHERE followup_date > (SELECT min(p1) FROM periods) - 180
      AND followup_date <= (SELECT max(p1) FROM periods)
),
open_cases AS (
    SELECT
        pk,
        country,
        sex,
        -- open at the end of every period from the return (since) to the
        -- last one that ends before the case was closed (until, exclusive)
        window_index(return_date) AS since,
        CASE WHEN case_status = 'open' THEN window_length() ELSE window_index(case_closed_date) END AS until
    FROM returnees
),
counted AS (
    -- open cases by the periods they are open in, and the part of those
    -- periods a follow-up covers (the periods a person's follow-ups cover do
    -- not overlap)
    SELECT country, sex, since, until, 0 AS followed, count(*) AS n
    FROM open_cases
    GROUP BY ALL
    UNION ALL
    SELECT o.country, o.sex, greatest(o.since, l.since), least(o.until, l.until), 1 AS followed, count(*) AS n
    FROM open_cases AS o
    JOIN latest AS l ON l.pk = o.pk
    WHERE greatest(o.since, l.since) < least(o.until, l.until)
    GROUP BY ALL
)
SELECT
    w.period,
    CASE WHEN grouping(c.country) = 1 THEN 'ALL' ELSE c.country END AS country,
    d.dimension,
    d.category,
    coalesce(sum(c.n) FILTER (WHERE c.followed = 1), 0) AS numerator,
    coalesce(sum(c.n) FILTER (WHERE c.followed = 0), 0) AS denominator
FROM counted AS c
JOIN periods AS w ON w.i >= c.since AND w.i < c.until,
    LATERAL (VALUES
        ('total', 'total'),
        ('sex', c.sex)
    ) AS d (dimension, category)
GROUP BY GROUPING SETS ((w.period, c.country, d.dimension, d.category), (w.period, d.dimension, d.category));

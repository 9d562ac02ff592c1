-- grain: one row per (member, due rule) among the first 2,000 of a census wave's county-wide
-- duty list, in the list's order (township, branch, rule, most overdue first)
-- The 督办 page shows a county at most 2,000 rows (`SCREEN_ROWS` in pipeline/queries/duty.py);
-- at ten million members sorting the wave's million duty rows for them on every view cost
-- more than the page's budget. Personal fields as stored; the named query masks them.
-- Only the townships that reach into the first 2,000 (counted first, in list order) are
-- ranked: ranking the whole wave's rows cost seconds at ten million members.
create or replace table mart_duty_list_county as
with per_township as (
    select wave, township, count(*) as n
    from mart_duty_list
    group by wave, township
),

reaching as (
    -- a township whose rows start before the 2,000th of its wave
    select wave, township
    from per_township
    qualify sum(n) over (partition by wave order by township) - n < 2000
),

final as (
    select l.*
    from mart_duty_list as l
    semi join reaching as r on r.wave = l.wave and r.township = l.township
    qualify row_number() over (
        partition by l.wave
        order by l.township, l.branch, l.rule_order, l.days_overdue desc nulls first, l.member_row
    ) <= 2000
)

select * from final

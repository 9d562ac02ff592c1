-- grain: one row per member and duty rule among the first 2,000 of a census wave's duties
-- cleared or still open since each township's previous census, county-wide, in the page's
-- order (change, township, branch, rule, member)
-- The 督办 page shows a county at most 2,000 of them (`SCREEN_ROWS` in
-- pipeline/queries/duty.py); taken here once per ingest instead of sorting the wave's change
-- rows on every view. Personal fields as stored; the named query masks them.
-- Only the (change, township) groups that reach into the first 2,000 (counted first, in the
-- page's order) are ranked: ranking the wave's rows cost seconds at ten million members.
create or replace table mart_duty_wave_changes_county as
with moved as (
    select *
    from mart_duty_wave_changes
    where change in ('仍未办结', '已销号')
),

per_township as (
    select wave, change, township, count(*) as n
    from moved
    group by wave, change, township
),

reaching as (
    -- a group whose rows start before the 2,000th of its wave
    select wave, change, township
    from per_township
    qualify sum(n) over (partition by wave order by change, township) - n < 2000
),

final as (
    select m.*
    from moved as m
    semi join reaching as r
        on r.wave = m.wave and r.change = m.change and r.township = m.township
    qualify row_number() over (
        partition by m.wave
        order by m.change, m.township, m.branch, m.rule_order, m.member_key
    ) <= 2000
)

select * from final

-- grain: one row per census wave, township, duty rule and previous wave
-- mart_duty_wave_changes counted per township: still open, cleared (and how) and new since
-- each township's previous census. The 督办 page sums these when no branch is chosen; at ten
-- million members counting the change rows on every view cost more than the page's budget.
create or replace table mart_duty_wave_counts as
with final as (
    select
        wave,
        township,
        rule_name,
        rule_order,
        prev_wave,
        count(*) filter (where change = '仍未办结') as still_open,
        count(*) filter (where change = '已销号') as cleared,
        count(*) filter (where change = '已销号' and cleared_how = '已整改') as cleared_done,
        count(*) filter (where change = '已销号' and cleared_how in ('已返乡', '本次未登记'))
            as cleared_left,
        count(*) filter (where change = '已销号' and cleared_how = '本次未填报')
            as cleared_not_reported,
        count(*) filter (where change = '新增') as new_due
    from mart_duty_wave_changes
    group by wave, township, rule_name, rule_order, prev_wave
)

select * from final
order by wave, township

-- grain: one row per wave, township, branch, transition, previous wave and match method:
-- the members of mart_member_transitions counted (status changes from each township's
-- previous census into the wave).
-- The 失联 page's two transition tables are sums of these counts: at ten million members,
-- counting the member rows on every page view was a third of the page's time.
create or replace table mart_transition_counts as
with final as (
    select
        wave,
        township,
        branch,
        transition,
        prev_wave,
        match_method,
        count(*)::bigint as members
    from mart_member_transitions
    group by all
)

select * from final
order by wave, township, branch

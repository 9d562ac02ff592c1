-- grain: one row per wave, township, transition, previous wave and match method
-- mart_transition_counts summed over each township's branches: what the 失联 page's two
-- transition tables read when no branch is chosen.
create or replace table mart_transition_township as
with final as (
    select
        wave,
        township,
        transition,
        prev_wave,
        match_method,
        sum(members)::bigint as members
    from mart_transition_counts
    group by all
)

select * from final
order by wave, township

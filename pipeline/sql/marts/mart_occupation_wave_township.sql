-- grain: one row per wave, township and occupation (outflow members only)
-- mart_occupation_wave summed over each township's branches: what the 流向 page reads when no
-- branch is chosen.
create or replace table mart_occupation_wave_township as
with final as (
    select
        wave,
        township,
        occupation,
        sum(outflow)::bigint as outflow
    from mart_occupation_wave
    group by all
)

select * from final
order by wave, township

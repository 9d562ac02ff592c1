-- grain: one row per wave, township, enterprise industry, former destination province and
-- scope, and time-since-return bracket (returned members only)
-- mart_returnee_wave summed over each township's branches: what the 返乡创业 page reads when
-- no branch is chosen (at ten million members the branch rows were hundreds of thousands
-- per wave).
create or replace table mart_returnee_wave_township as
with final as (
    select
        wave,
        township,
        industry,
        former_province,
        former_scope,
        since_return,
        sum(returnees)::bigint as returnees,
        sum(enterprises)::bigint as enterprises,
        sum(jobs_created)::bigint as jobs_created
    from mart_returnee_wave
    group by all
)

select * from final
order by wave, township

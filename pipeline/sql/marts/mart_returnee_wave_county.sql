-- grain: one row per wave, enterprise industry, former destination province and scope, and
-- time-since-return bracket (returned members only), county-wide
-- mart_returnee_wave summed over every township: what the 返乡创业 page reads for the whole
-- county (no township chosen, no township scope).
create or replace table mart_returnee_wave_county as
with final as (
    select
        wave,
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
order by wave

-- grain: one row per wave, township, flow scope, destination province and city
-- mart_flow_destination summed over each township's branches: what the 流向 page reads when
-- no branch is chosen (at ten million members the branch rows were millions per wave).
-- A long-term or 失联 count stays NULL where no branch of the township reported it.
create or replace table mart_flow_township as
with final as (
    select
        wave,
        township,
        scope,
        province_code,
        province,
        city,
        sum(outflow)::bigint as outflow,
        sum(long_term)::bigint as long_term,
        sum(lost_contact)::bigint as lost_contact
    from mart_flow_destination
    group by all
)

select * from final
order by wave, township

-- grain: one row per wave, township, branch, flow scope, destination province and city
-- Outflow members only (not returned). Scope is '未知' when the destination is missing or
-- could not be resolved, as in spec §5; province/city are NULL then. Long-term and 失联 are
-- the member tests of int_member_flags, NULL for a branch whose register lacked the field.
create or replace table mart_flow_destination as
with outflow as (
    -- the destination travels with the flags (int_member_flags carries it): joining the
    -- member rows back by row id cost most of this model at ten million members
    select
        wave,
        township,
        branch,
        coalesce(flow_scope, '未知') as scope,
        dest_province_code as province_code,
        dest_province as province,
        dest_city as city,
        is_long_term,
        is_lost
    from int_member_flags
    where is_out
),

final as (
    select
        wave,
        township,
        branch,
        scope,
        province_code,
        province,
        city,
        count(*) as outflow,
        case when count(is_long_term) > 0 then count(*) filter (where is_long_term) end
            as long_term,
        case when count(is_lost) > 0 then count(*) filter (where is_lost) end as lost_contact
    from outflow
    group by all
)

select * from final

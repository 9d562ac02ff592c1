-- grain: one row per wave, township, branch, flow scope, destination province and city
-- Outflow members only (not returned). Scope is '未知' when the destination is missing or
-- could not be resolved, as in spec §5; province/city are NULL then.
create or replace table mart_flow_destination as
with outflow as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        coalesce(flow_scope, '未知') as scope,
        dest_province_code as province_code,
        dest_province as province,
        dest_city as city,
        outflow_date is not null
            and date_diff('day', outflow_date, wave_end) >= 365 as is_long_term,
        contact_status = '失联' as is_lost
    from stg_members
    where not coalesce(is_returned, false)
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
        count(*) filter (where is_long_term) as long_term,
        count(*) filter (where is_lost) as lost_contact
    from outflow
    group by all
)

select * from final

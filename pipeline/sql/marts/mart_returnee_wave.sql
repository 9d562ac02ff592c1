-- grain: one row per wave, township, branch, enterprise industry, former destination
-- province and time-since-return bracket (returned members only)
-- The census form has no founding date, so the time from return to founding is bounded by
-- the time from return to the census month end: an enterprise listed in a census was
-- founded between the member's return and that census.
create or replace table mart_returnee_wave as
with returnees as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        nullif(trim(enterprise), '') is not null as has_enterprise,
        case
            when nullif(trim(enterprise), '') is null then '未创业'
            else coalesce(nullif(trim(enterprise_industry), ''), '未填写行业')
        end as industry,
        coalesce(dest_province, '未知') as former_province,
        coalesce(flow_scope, '未知') as former_scope,
        case
            when return_date is null then '未填返乡时间'
            when date_diff('month', return_date, wave_end) < 6 then '不足6个月'
            when date_diff('month', return_date, wave_end) < 12 then '6–12个月'
            when date_diff('month', return_date, wave_end) < 24 then '1–2年'
            when date_diff('month', return_date, wave_end) < 36 then '2–3年'
            else '3年以上'
        end as since_return,
        coalesce(jobs_created, 0) as jobs_created
    from stg_members
    where coalesce(is_returned, false)
),

final as (
    select
        wave,
        township,
        branch,
        industry,
        former_province,
        former_scope,
        since_return,
        count(*) as returnees,
        count(*) filter (where has_enterprise) as enterprises,
        sum(jobs_created)::bigint as jobs_created
    from returnees
    group by all
)

select * from final

-- grain: one row per wave, township, branch and occupation
-- Outflow members only; an empty occupation is reported as '未填写'.
create or replace table mart_occupation_wave as
with outflow as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        coalesce(nullif(trim(occupation), ''), '未填写') as occupation
    from stg_members
    where not coalesce(is_returned, false)
),

final as (
    select wave, township, branch, occupation, count(*) as outflow
    from outflow
    group by all
)

select * from final

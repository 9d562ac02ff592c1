-- grain: one row per census wave, township and branch with a membership count from either source
-- members_total per branch: the 支部情况 sheet when one was given, else the count of the
-- membership roster (党员名册) for that wave; `members_total_source` says which.
create or replace table mart_check_branch_totals as
with sheet as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        sum(members_total) as members_total
    from branch_totals
    where is_current
    group by all
),

roster as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        count(*) as members_total,
        count(*) filter (where member_category = '预备党员') as probationary
    from register_rows
    where is_current and kind = 'roster'
    group by all
),

final as (
    select
        coalesce(s.wave, r.wave) as wave,
        coalesce(s.township, r.township) as township,
        coalesce(s.branch, r.branch) as branch,
        s.members_total as members_total_sheet,
        r.members_total as members_total_roster,
        r.probationary as probationary_roster,
        coalesce(s.members_total, r.members_total) as members_total,
        case
            when s.members_total is not null then '支部情况表'
            when r.members_total is not null then '党员名册'
        end as members_total_source
    from sheet as s
    full outer join roster as r
        on s.wave = r.wave and s.township = r.township and s.branch = r.branch
)

select * from final

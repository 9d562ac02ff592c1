-- grain: one row per wave, township and branch (current units only)
-- Spark SQL rendition of pipeline/sql/mart_branch_wave.sql: the same counts with Spark's
-- spelling (datediff(end, start) for date_diff('day', start, end), no `group by all`).
create or replace temp view mart_branch_wave as
with members as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        wave_end,
        not coalesce(is_returned, false) as is_out,
        coalesce(is_returned, false) as is_back,
        coalesce(flow_scope, '未知') as flow_scope,
        outflow_date,
        last_contact_date,
        contact_status,
        nullif(trim(inflow_org), '') is not null as has_inflow_org,
        coalesce(has_certificate, false) as has_certificate,
        nullif(trim(enterprise), '') is not null as has_enterprise,
        coalesce(jobs_created, 0) as jobs_created
    from stg_members
),

flagged as (
    select
        *,
        is_out and outflow_date is not null
            and datediff(wave_end, outflow_date) >= 365 as is_long_term,
        is_out and coalesce(contact_status = '失联', false) as is_lost,
        last_contact_date is null
            or datediff(wave_end, last_contact_date) > 180 as is_stale
    from members
),

counts as (
    select
        wave,
        township,
        branch,
        count(*) as registered,
        count(*) filter (where is_out) as outflow,
        count(*) filter (where is_out and flow_scope = '跨省') as scope_cross_province,
        count(*) filter (where is_out and flow_scope = '省内跨市') as scope_cross_city,
        count(*) filter (where is_out and flow_scope = '市内跨县') as scope_cross_county,
        count(*) filter (where is_out and flow_scope = '县内') as scope_within_county,
        count(*) filter (where is_out and flow_scope = '未知') as scope_unknown,
        count(*) filter (where is_long_term) as long_term,
        count(*) filter (where is_lost) as lost_contact,
        count(*) filter (where is_out and is_stale and not is_lost) as at_risk,
        count(*) filter (where is_out and has_inflow_org) as dual_managed,
        count(*) filter (where is_out and not has_inflow_org and is_stale) as two_nots,
        count(*) filter (where is_out and has_certificate) as certified,
        count(*) filter (where is_back) as returnees,
        count(*) filter (where is_back and has_enterprise) as enterprises,
        coalesce(sum(jobs_created) filter (where is_back), 0) as jobs_created
    from flagged
    group by wave, township, branch
),

totals as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        sum(members_total) as members_total
    from branch_totals
    where is_current
    group by wave, township, coalesce(nullif(trim(branch), ''), '未注明支部')
),

final as (
    select
        coalesce(c.wave, t.wave) as wave,
        coalesce(c.township, t.township) as township,
        coalesce(c.branch, t.branch) as branch,
        t.members_total,
        coalesce(c.registered, 0) as registered,
        coalesce(c.outflow, 0) as outflow,
        coalesce(c.scope_cross_province, 0) as scope_cross_province,
        coalesce(c.scope_cross_city, 0) as scope_cross_city,
        coalesce(c.scope_cross_county, 0) as scope_cross_county,
        coalesce(c.scope_within_county, 0) as scope_within_county,
        coalesce(c.scope_unknown, 0) as scope_unknown,
        coalesce(c.long_term, 0) as long_term,
        coalesce(c.lost_contact, 0) as lost_contact,
        coalesce(c.at_risk, 0) as at_risk,
        coalesce(c.dual_managed, 0) as dual_managed,
        coalesce(c.two_nots, 0) as two_nots,
        coalesce(c.certified, 0) as certified,
        coalesce(c.returnees, 0) as returnees,
        coalesce(c.enterprises, 0) as enterprises,
        cast(coalesce(c.jobs_created, 0) as bigint) as jobs_created
    from counts as c
    full outer join totals as t
        on c.wave = t.wave and c.township = t.township and c.branch = t.branch
)

select * from final

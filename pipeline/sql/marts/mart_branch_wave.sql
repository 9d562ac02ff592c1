-- grain: one row per wave, township and branch (current units only)
-- Every spec §5 count for one branch, counted from the member tests of int_member_flags;
-- townships and the county are sums of these rows, so rates are always computed after
-- summing (never averaged). members_total comes from the branch summary sheet and is NULL
-- when none was given; `outflow_counted` (the outflow share's numerator) is the outflow of a
-- branch with a total, so a summary that lists some of a township's branches divides their
-- outflow by their members only (a register naming no branch counts whole when its township
-- gave a summary: its members are in the summary's branches). A count whose field the branch's register did not carry is NULL (not
-- reported), and its `<count>_base` (the outflow the count is out of) is NULL with it, so a
-- rollup's rate covers exactly the branches that reported. `primary_*` is the partition of
-- the follow-up list (each person once, under the first of 失联, 两不管, 超180天未联系).
create or replace table mart_branch_wave as
with flagged as (
    select * from int_member_flags
),

fields as (
    select * from int_field_coverage
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
        count(*) filter (where is_at_risk) as at_risk,
        count(*) filter (where is_dual_managed) as dual_managed,
        count(*) filter (where is_two_nots) as two_nots,
        count(*) filter (where is_certified) as certified,
        count(*) filter (where primary_reason = '失联') as primary_lost,
        count(*) filter (where primary_reason = '两不管') as primary_two_nots,
        count(*) filter (where primary_reason = '超180天未联系') as primary_stale,
        count(*) filter (where is_back) as returnees,
        count(*) filter (where is_back and has_enterprise) as enterprises,
        coalesce(sum(jobs_created) filter (where is_back), 0) as jobs_created
    from flagged
    group by wave, township, branch
),

reported as (
    select
        c.*,
        coalesce(f.has_outflow_date, false) as r_long_term,
        coalesce(f.has_contact_status, false) as r_lost_contact,
        coalesce(f.has_last_contact_date, false) as r_at_risk,
        coalesce(f.has_inflow_org, false) as r_dual_managed,
        coalesce(f.has_inflow_org and f.has_last_contact_date, false) as r_two_nots,
        coalesce(f.has_certificate, false) as r_certified
    from counts as c
    left join fields as f
        on c.wave = f.wave and c.township = f.township and c.branch = f.branch
),

totals as (
    select
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        sum(members_total) as members_total
    from branch_totals
    where is_current
    group by all
),

summarised as (
    select distinct wave, township from totals
),

final as (
    select
        coalesce(c.wave, t.wave) as wave,
        coalesce(c.township, t.township) as township,
        coalesce(c.branch, t.branch) as branch,
        t.members_total,
        coalesce(c.registered, 0) as registered,
        coalesce(c.outflow, 0) as outflow,
        case
            when t.members_total is not null then coalesce(c.outflow, 0)
            when c.branch = '未注明支部' and s.township is not null then c.outflow
        end as outflow_counted,
        coalesce(c.scope_cross_province, 0) as scope_cross_province,
        coalesce(c.scope_cross_city, 0) as scope_cross_city,
        coalesce(c.scope_cross_county, 0) as scope_cross_county,
        coalesce(c.scope_within_county, 0) as scope_within_county,
        coalesce(c.scope_unknown, 0) as scope_unknown,
        case when c.r_long_term then c.long_term end as long_term,
        case when c.r_lost_contact then c.lost_contact end as lost_contact,
        case when c.r_at_risk then c.at_risk end as at_risk,
        case when c.r_dual_managed then c.dual_managed end as dual_managed,
        case when c.r_two_nots then c.two_nots end as two_nots,
        case when c.r_certified then c.certified end as certified,
        case when c.r_lost_contact then c.primary_lost end as primary_lost,
        case when c.r_two_nots then c.primary_two_nots end as primary_two_nots,
        case when c.r_at_risk then c.primary_stale end as primary_stale,
        case when c.r_long_term then c.outflow end as long_term_base,
        case when c.r_lost_contact then c.outflow end as lost_contact_base,
        case when c.r_at_risk then c.outflow end as at_risk_base,
        case when c.r_dual_managed then c.outflow end as dual_managed_base,
        case when c.r_two_nots then c.outflow end as two_nots_base,
        case when c.r_certified then c.outflow end as certified_base,
        coalesce(c.returnees, 0) as returnees,
        coalesce(c.enterprises, 0) as enterprises,
        coalesce(c.jobs_created, 0)::bigint as jobs_created
    from reported as c
    full outer join totals as t
        on c.wave = t.wave and c.township = t.township and c.branch = t.branch
    left join summarised as s
        on c.wave = s.wave and c.township = s.township
)

select * from final
order by wave, township, branch

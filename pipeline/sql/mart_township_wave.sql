-- grain: one row per township and census wave
-- every metric of spec §5; the CLI's `stats --json` and the dashboard both read it.
create or replace table mart_township_wave as
with members as (
    select
        *,
        not is_returned as is_outflow,
        last_contact_date is null or date_diff('day', last_contact_date, wave_end) > 180 as is_uncontacted
    from stg_members
),

totals as (
    select wave, township, sum(members_total) as members_total
    from branch_totals
    where is_current
    group by wave, township
),

counts as (
    select
        township,
        wave,
        count(*) as registered,
        count(*) filter (where is_outflow) as outflow,
        count(*) filter (where is_outflow and flow_scope = '跨省') as scope_cross_province,
        count(*) filter (where is_outflow and flow_scope = '省内跨市') as scope_cross_city,
        count(*) filter (where is_outflow and flow_scope = '市内跨县') as scope_cross_county,
        count(*) filter (where is_outflow and flow_scope = '县内') as scope_within_county,
        count(*) filter (where is_outflow and flow_scope = '未知') as scope_unknown,
        count(*) filter (
            where is_outflow and date_diff('day', outflow_date, wave_end) >= 365
        ) as long_term,
        count(*) filter (where is_outflow and contact_status = '失联') as lost_contact,
        count(*) filter (
            where is_outflow and contact_status is distinct from '失联' and is_uncontacted
        ) as at_risk,
        count(*) filter (where is_outflow and inflow_org is not null) as dual_managed,
        count(*) filter (where is_outflow and inflow_org is null and is_uncontacted) as two_nots,
        count(*) filter (where is_outflow and has_certificate) as certified,
        count(*) filter (where is_returned) as returnees,
        count(*) filter (where is_returned and enterprise is not null) as enterprises,
        coalesce(sum(jobs_created) filter (where is_returned), 0) as jobs_created
    from members
    group by township, wave
),

final as (
    select
        counts.*,
        totals.members_total,
        round(100.0 * outflow / nullif(totals.members_total, 0), 2) as outflow_share_pct,
        round(100.0 * long_term / nullif(outflow, 0), 2) as long_term_pct,
        round(100.0 * lost_contact / nullif(outflow, 0), 2) as lost_contact_rate_pct,
        round(100.0 * dual_managed / nullif(outflow, 0), 2) as dual_managed_pct,
        round(100.0 * certified / nullif(outflow, 0), 2) as certificate_rate_pct
    from counts
    left join totals using (township, wave)
)

select * from final

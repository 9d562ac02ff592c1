-- grain: one row per township and census wave
-- every metric of spec §5, summed from mart_branch_wave (where each count is defined once);
-- rates are computed after summing, never averaged, each over the outflow of the branches
-- that reported its field (`<count>_base`); a count no branch reported stays NULL (未填报),
-- and `<count>_branches` says how many branches it covers. The CLI's `stats --json` reads this.
create or replace table mart_township_wave as
with branches as (
    select * from mart_branch_wave
),

counts as (
    select
        township,
        wave,
        sum(registered)::bigint as registered,
        sum(outflow)::bigint as outflow,
        sum(scope_cross_province)::bigint as scope_cross_province,
        sum(scope_cross_city)::bigint as scope_cross_city,
        sum(scope_cross_county)::bigint as scope_cross_county,
        sum(scope_within_county)::bigint as scope_within_county,
        sum(scope_unknown)::bigint as scope_unknown,
        sum(long_term)::bigint as long_term,
        sum(lost_contact)::bigint as lost_contact,
        sum(at_risk)::bigint as at_risk,
        sum(dual_managed)::bigint as dual_managed,
        sum(two_nots)::bigint as two_nots,
        sum(certified)::bigint as certified,
        sum(primary_lost)::bigint as primary_lost,
        sum(primary_two_nots)::bigint as primary_two_nots,
        sum(primary_stale)::bigint as primary_stale,
        sum(long_term_base)::bigint as long_term_base,
        sum(lost_contact_base)::bigint as lost_contact_base,
        sum(at_risk_base)::bigint as at_risk_base,
        sum(dual_managed_base)::bigint as dual_managed_base,
        sum(two_nots_base)::bigint as two_nots_base,
        sum(certified_base)::bigint as certified_base,
        sum(returnees)::bigint as returnees,
        sum(enterprises)::bigint as enterprises,
        sum(jobs_created)::bigint as jobs_created,
        -- a township's total is known only when its summary sheet listed branches
        sum(members_total)::bigint as members_total,
        count(*) filter (where registered > 0) as branches,
        count(long_term) as long_term_branches,
        count(lost_contact) as lost_contact_branches,
        count(dual_managed) as dual_managed_branches,
        count(two_nots) as two_nots_branches,
        count(certified) as certified_branches
    from branches
    group by township, wave
),

final as (
    select
        *,
        round(100.0 * outflow / nullif(members_total, 0), 2) as outflow_share_pct,
        round(100.0 * long_term / nullif(long_term_base, 0), 2) as long_term_pct,
        round(100.0 * lost_contact / nullif(lost_contact_base, 0), 2) as lost_contact_rate_pct,
        round(100.0 * dual_managed / nullif(dual_managed_base, 0), 2) as dual_managed_pct,
        round(100.0 * certified / nullif(certified_base, 0), 2) as certificate_rate_pct
    from counts
)

select * from final

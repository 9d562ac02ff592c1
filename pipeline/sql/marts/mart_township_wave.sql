-- grain: one row per township and census wave
-- every metric of spec §5, from mart_township_sums (mart_branch_wave summed per township);
-- rates are computed after summing, never averaged, each over the outflow of the branches
-- that reported its field (`<count>_base`; the outflow share over `outflow_counted`, the
-- outflow of the branches with a 党员总数); a count no branch reported stays NULL (未填报),
-- and `<count>_branches` says how many branches it covers. The CLI's `stats --json` reads this.
create or replace table mart_township_wave as
with counts as (
    -- the township sums are defined once, in mart_township_sums
    select
        township,
        wave,
        registered,
        outflow,
        scope_cross_province,
        scope_cross_city,
        scope_cross_county,
        scope_within_county,
        scope_unknown,
        long_term,
        lost_contact,
        at_risk,
        dual_managed,
        two_nots,
        certified,
        primary_lost,
        primary_two_nots,
        primary_stale,
        long_term_base,
        lost_contact_base,
        at_risk_base,
        dual_managed_base,
        two_nots_base,
        certified_base,
        returnees,
        enterprises,
        jobs_created,
        members_total,
        outflow_counted,
        branches,
        members_total_branches,
        long_term_branches,
        lost_contact_branches,
        dual_managed_branches,
        two_nots_branches,
        certified_branches
    from mart_township_sums
),

final as (
    select
        *,
        round(100.0 * outflow_counted / nullif(members_total, 0), 2) as outflow_share_pct,
        round(100.0 * long_term / nullif(long_term_base, 0), 2) as long_term_pct,
        round(100.0 * lost_contact / nullif(lost_contact_base, 0), 2) as lost_contact_rate_pct,
        round(100.0 * dual_managed / nullif(dual_managed_base, 0), 2) as dual_managed_pct,
        round(100.0 * certified / nullif(certified_base, 0), 2) as certificate_rate_pct
    from counts
)

select * from final

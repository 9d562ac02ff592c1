-- grain: one row per census wave and township
-- mart_branch_wave summed per township: the first step of every rollup that does not break a
-- township into branches (pipeline/warehouse/metric_sql.py `rollup_sql`), done once per build
-- instead of over the branch rows on every page view. `<count>_branches` is how many of the
-- township's branches reported the count (NULL counts are not reported, never zero).
create or replace table mart_township_sums as
with branches as (
    select * from mart_branch_wave
),

final as (
    select
        wave,
        township,
        sum(members_total)::bigint as members_total,
        sum(outflow_counted)::bigint as outflow_counted,
        count(*) filter (where registered > 0) as branches,
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
        count(members_total) as members_total_branches,
        count(long_term) as long_term_branches,
        count(lost_contact) as lost_contact_branches,
        count(at_risk) as at_risk_branches,
        count(dual_managed) as dual_managed_branches,
        count(two_nots) as two_nots_branches,
        count(certified) as certified_branches,
        count(primary_lost) as primary_lost_branches,
        count(primary_two_nots) as primary_two_nots_branches,
        count(primary_stale) as primary_stale_branches
    from branches
    group by wave, township
)

select * from final
order by wave, township

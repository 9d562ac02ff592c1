-- grain: one row per census wave and township
-- Spark SQL rendition of pipeline/sql/marts/mart_township_sums.sql: mart_branch_wave summed
-- per township, the first step of every rollup; `<count>_branches` is how many of the
-- township's branches reported the count (NULL counts are not reported, never zero).
create or replace temp view mart_township_sums as
with branches as (
    select * from mart_branch_wave
),

final as (
    select
        wave,
        township,
        cast(sum(members_total) as bigint) as members_total,
        count(*) filter (where registered > 0) as branches,
        cast(sum(registered) as bigint) as registered,
        cast(sum(outflow) as bigint) as outflow,
        cast(sum(scope_cross_province) as bigint) as scope_cross_province,
        cast(sum(scope_cross_city) as bigint) as scope_cross_city,
        cast(sum(scope_cross_county) as bigint) as scope_cross_county,
        cast(sum(scope_within_county) as bigint) as scope_within_county,
        cast(sum(scope_unknown) as bigint) as scope_unknown,
        cast(sum(long_term) as bigint) as long_term,
        cast(sum(lost_contact) as bigint) as lost_contact,
        cast(sum(at_risk) as bigint) as at_risk,
        cast(sum(dual_managed) as bigint) as dual_managed,
        cast(sum(two_nots) as bigint) as two_nots,
        cast(sum(certified) as bigint) as certified,
        cast(sum(primary_lost) as bigint) as primary_lost,
        cast(sum(primary_two_nots) as bigint) as primary_two_nots,
        cast(sum(primary_stale) as bigint) as primary_stale,
        cast(sum(long_term_base) as bigint) as long_term_base,
        cast(sum(lost_contact_base) as bigint) as lost_contact_base,
        cast(sum(at_risk_base) as bigint) as at_risk_base,
        cast(sum(dual_managed_base) as bigint) as dual_managed_base,
        cast(sum(two_nots_base) as bigint) as two_nots_base,
        cast(sum(certified_base) as bigint) as certified_base,
        cast(sum(returnees) as bigint) as returnees,
        cast(sum(enterprises) as bigint) as enterprises,
        cast(sum(jobs_created) as bigint) as jobs_created,
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

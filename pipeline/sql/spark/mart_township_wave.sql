-- grain: one row per township and census wave
-- Spark SQL rendition of pipeline/sql/mart_township_wave.sql: every spec §5 count summed
-- from the branch rows, rates computed after summing.
create or replace temp view mart_township_wave as
with counts as (
    select
        township,
        wave,
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
        cast(sum(returnees) as bigint) as returnees,
        cast(sum(enterprises) as bigint) as enterprises,
        cast(sum(jobs_created) as bigint) as jobs_created,
        cast(sum(members_total) as bigint) as members_total
    from mart_branch_wave
    group by township, wave
),

final as (
    select
        *,
        round(100.0 * outflow / nullif(members_total, 0), 2) as outflow_share_pct,
        round(100.0 * long_term / nullif(outflow, 0), 2) as long_term_pct,
        round(100.0 * lost_contact / nullif(outflow, 0), 2) as lost_contact_rate_pct,
        round(100.0 * dual_managed / nullif(outflow, 0), 2) as dual_managed_pct,
        round(100.0 * certified / nullif(outflow, 0), 2) as certificate_rate_pct
    from counts
)

select * from final

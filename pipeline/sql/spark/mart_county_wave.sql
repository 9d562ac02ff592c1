-- grain: one row per census wave (the county: every township in the export)
-- The county roll-up the dashboard shows (pipeline/warehouse/metric_sql.py `rollup_sql` by
-- wave): counts summed over townships; the outflow share's numerator counts only townships
-- that gave a branch summary (outflow_counted); `<count>_branches` and `<count>_townships`
-- say how many units a count covers (a count none reported stays NULL, 未填报).
create or replace temp view mart_county_wave as
with townships as (
    select * from mart_township_sums
),

final as (
    select
        wave,
        cast(sum(members_total) as bigint) as members_total,
        cast(sum(outflow) filter (where members_total is not null) as bigint) as outflow_counted,
        count(township) as townships,
        cast(sum(branches) as bigint) as branches,
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
        cast(sum(long_term_branches) as bigint) as long_term_branches,
        count(township) filter (where long_term is not null) as long_term_townships,
        cast(sum(lost_contact_branches) as bigint) as lost_contact_branches,
        count(township) filter (where lost_contact is not null) as lost_contact_townships,
        cast(sum(at_risk_branches) as bigint) as at_risk_branches,
        count(township) filter (where at_risk is not null) as at_risk_townships,
        cast(sum(dual_managed_branches) as bigint) as dual_managed_branches,
        count(township) filter (where dual_managed is not null) as dual_managed_townships,
        cast(sum(two_nots_branches) as bigint) as two_nots_branches,
        count(township) filter (where two_nots is not null) as two_nots_townships,
        cast(sum(certified_branches) as bigint) as certified_branches,
        count(township) filter (where certified is not null) as certified_townships,
        cast(sum(primary_lost_branches) as bigint) as primary_lost_branches,
        count(township) filter (where primary_lost is not null) as primary_lost_townships,
        cast(sum(primary_two_nots_branches) as bigint) as primary_two_nots_branches,
        count(township) filter (where primary_two_nots is not null) as primary_two_nots_townships,
        cast(sum(primary_stale_branches) as bigint) as primary_stale_branches,
        count(township) filter (where primary_stale is not null) as primary_stale_townships
    from townships
    group by wave
)

select * from final

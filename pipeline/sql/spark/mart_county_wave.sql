-- grain: one row per census wave (the county: every township in the export)
-- The county roll-up the dashboard shows (dashboard.queries.metrics_by_wave): counts summed
-- over townships; the outflow share's numerator counts only townships that gave a branch
-- summary (outflow_counted), so a township without one does not dilute the share.
create or replace temp view mart_county_wave as
with townships as (
    select * from mart_township_wave
),

final as (
    select
        wave,
        cast(sum(members_total) as bigint) as members_total,
        cast(sum(outflow) filter (where members_total is not null) as bigint) as outflow_counted,
        count(distinct township) as townships,
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
        cast(sum(jobs_created) as bigint) as jobs_created
    from townships
    group by wave
)

select * from final

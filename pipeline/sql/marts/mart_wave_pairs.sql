-- grain: one row per wave, township and branch (every row of mart_branch_wave)
-- Each branch row beside the same branch's row from its own previous wave (`prev_*`, NULL for
-- its first wave) and the wave it appears in next (`next_wave`, `next_registered`): the
-- wave-over-wave comparison (pipeline/warehouse/metric_sql.py `comparison_sql`) pairs a
-- selection's wave with the selection's previous wave, and a branch present in both has no
-- row in between, so its pair is always its own previous row. Built once per ingest, so a
-- comparison reads the chosen wave's rows instead of joining two waves' branch rows on every
-- page view (at ten million members that join was the overview's slowest query).
create or replace table mart_wave_pairs as
with branches as (
    select * from mart_branch_wave
),

final as (
    select
        *,
        lag(wave) over history as prev_wave,
        lag(members_total) over history as prev_members_total,
        lag(outflow_counted) over history as prev_outflow_counted,
        lag(registered) over history as prev_registered,
        lag(outflow) over history as prev_outflow,
        lag(scope_cross_province) over history as prev_scope_cross_province,
        lag(scope_cross_city) over history as prev_scope_cross_city,
        lag(scope_cross_county) over history as prev_scope_cross_county,
        lag(scope_within_county) over history as prev_scope_within_county,
        lag(scope_unknown) over history as prev_scope_unknown,
        lag(long_term) over history as prev_long_term,
        lag(lost_contact) over history as prev_lost_contact,
        lag(at_risk) over history as prev_at_risk,
        lag(dual_managed) over history as prev_dual_managed,
        lag(two_nots) over history as prev_two_nots,
        lag(certified) over history as prev_certified,
        lag(primary_lost) over history as prev_primary_lost,
        lag(primary_two_nots) over history as prev_primary_two_nots,
        lag(primary_stale) over history as prev_primary_stale,
        lag(long_term_base) over history as prev_long_term_base,
        lag(lost_contact_base) over history as prev_lost_contact_base,
        lag(at_risk_base) over history as prev_at_risk_base,
        lag(dual_managed_base) over history as prev_dual_managed_base,
        lag(two_nots_base) over history as prev_two_nots_base,
        lag(certified_base) over history as prev_certified_base,
        lag(returnees) over history as prev_returnees,
        lag(enterprises) over history as prev_enterprises,
        lag(jobs_created) over history as prev_jobs_created,
        lead(wave) over history as next_wave,
        lead(registered) over history as next_registered
    from branches
    window history as (partition by township, branch order by wave)
)

select * from final
order by wave, township, branch

-- grain: one row per township and census wave
-- Spark SQL rendition of pipeline/sql/marts/mart_township_wave.sql: every metric of spec §5
-- from mart_township_sums; rates computed after summing, each over the outflow of the
-- branches that reported its field (`<count>_base`); a count no branch reported stays NULL.
create or replace temp view mart_township_wave as
with counts as (
    select * from mart_township_sums
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

-- grain: one row per member per census wave (current unit versions only)
-- Spark SQL rendition of pipeline/sql/stg_members.sql, reading the Parquet export: only the
-- columns the county metrics need; wave_end is the last day of the census month.
create or replace temp view stg_members as
with source as (
    select * from members where is_current
),

final as (
    select
        wave,
        township,
        branch,
        coalesce(flow_scope, '未知') as flow_scope,
        outflow_date,
        last_contact_date,
        contact_status,
        inflow_org,
        coalesce(has_certificate, false) as has_certificate,
        is_returned,
        enterprise,
        coalesce(jobs_created, 0) as jobs_created,
        last_day(to_date(concat(wave, '-01'))) as wave_end
    from source
)

select * from final

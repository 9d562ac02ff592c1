-- grain: one row per member per census wave (current unit versions only)
-- Spark's counterpart of pipeline/sql/staging/stg_members.sql, reading the Parquet export:
-- the columns int_member_flags (translated from the warehouse's model) reads, with the same
-- renames and casts; wave_end is the last day of the census month. member_row stands in for
-- DuckDB's rowid: a row's identity within this build, nothing more.
create or replace temp view stg_members as
with source as (
    select * from members where is_current
),

final as (
    select
        monotonically_increasing_id() as member_row,
        wave,
        township,
        branch,
        dest_province,
        dest_province_code,
        dest_city,
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

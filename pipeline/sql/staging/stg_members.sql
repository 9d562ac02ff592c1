-- grain: one row per member per census wave (current unit versions only)
-- renames and casts only; metrics live in the marts.
create or replace view stg_members as
with source as (
    select rowid as member_row, * from members where is_current
),

final as (
    select
        member_row,
        member_key,
        wave,
        township,
        branch,
        name,
        gender,
        birth_date,
        id_hash,
        id_masked,
        outflow_date,
        destination_text,
        dest_province,
        dest_province_code,
        dest_city,
        dest_city_code,
        dest_county,
        dest_county_code,
        coalesce(flow_scope, '未知') as flow_scope,
        occupation,
        phone,
        inflow_org,
        coalesce(has_certificate, false) as has_certificate,
        last_contact_date,
        contact_status,
        dues_paid_through,
        is_returned,
        return_date,
        enterprise,
        enterprise_industry,
        coalesce(jobs_created, 0) as jobs_created,
        last_day(cast(wave || '-01' as date)) as wave_end,
        file_hash,
        source_file,
        sheet,
        excel_row
    from source
)

select * from final

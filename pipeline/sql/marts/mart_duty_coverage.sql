-- grain: one row per source sheet (file_hash, sheet) holding current members
-- Which duty-relevant fields the sheet's register carries at all. A field a register does
-- not carry means the duty that needs it is not assessed there (未填报), never "nobody owes
-- it". The header map recorded at ingest decides, with the file's values: a column blank in
-- every row of the file was not filled in (as int_field_coverage has it for the §5 figures:
-- an all-blank 最近联系时间 must not put every member under 超过180天未联系), except
-- 流入地党组织, where a blank is an answer. A file without a map (bulk loads, older
-- warehouses) counts a field as carried when any of the sheet's rows holds a value for it.
create or replace table mart_duty_coverage as
with sheets as (
    select
        file_hash,
        sheet,
        count(contact_status) > 0 as any_contact_status,
        count(dues_paid_through) > 0 as any_dues,
        count(last_contact_date) > 0 as any_last_contact,
        count(nullif(trim(inflow_org), '')) > 0 as any_inflow_org,
        count(has_certificate) > 0 as any_certificate
    from members
    where is_current
    group by file_hash, sheet
),

files as (
    select
        file_hash,
        bool_or(any_contact_status) as any_contact_status,
        bool_or(any_dues) as any_dues,
        bool_or(any_last_contact) as any_last_contact,
        bool_or(any_certificate) as any_certificate
    from sheets
    group by file_hash
),

maps as (
    select
        file_hash,
        unnest(
            from_json(header_map, '[{"sheet": "varchar", "column": "varchar", "field": "varchar"}]')
        ) as col
    from source_files
    where coalesce(json_array_length(header_map), 0) > 0
),

mapped as (
    select
        file_hash,
        col.sheet as sheet,
        bool_or(col.field in ('contact_status', 'lost_flag', 'reachable')) as map_contact_status,
        bool_or(col.field = 'dues_paid_through') as map_dues,
        bool_or(col.field = 'last_contact_date') as map_last_contact,
        bool_or(col.field = 'inflow_org') as map_inflow_org,
        bool_or(col.field = 'has_certificate') as map_certificate
    from maps
    group by file_hash, col.sheet
),

-- a sheet the header map does not name (it should always) takes the file's columns
mapped_file as (
    select
        file_hash,
        bool_or(map_contact_status) as map_contact_status,
        bool_or(map_dues) as map_dues,
        bool_or(map_last_contact) as map_last_contact,
        bool_or(map_inflow_org) as map_inflow_org,
        bool_or(map_certificate) as map_certificate
    from mapped
    group by file_hash
),

final as (
    select
        s.file_hash,
        s.sheet,
        f.file_hash is not null as from_header_map,
        coalesce(m.map_contact_status, f.map_contact_status, s.any_contact_status)
            and v.any_contact_status as carries_contact_status,
        coalesce(m.map_dues, f.map_dues, s.any_dues) and v.any_dues as carries_dues,
        coalesce(m.map_last_contact, f.map_last_contact, s.any_last_contact)
            and v.any_last_contact as carries_last_contact,
        coalesce(m.map_inflow_org, f.map_inflow_org, s.any_inflow_org) as carries_inflow_org,
        coalesce(m.map_certificate, f.map_certificate, s.any_certificate)
            and v.any_certificate as carries_certificate
    from sheets as s
    inner join files as v on v.file_hash = s.file_hash
    left join mapped_file as f on f.file_hash = s.file_hash
    left join mapped as m on m.file_hash = s.file_hash and m.sheet is not distinct from s.sheet
)

select * from final

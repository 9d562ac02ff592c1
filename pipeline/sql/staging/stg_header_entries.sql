-- grain: one row per accepted file, sheet and mapped register column
-- The header map each file was read with (source_files.header_map, JSON), one entry per row:
-- which field a sheet's column was taken as. int_field_coverage reads it to know which
-- optional fields a unit's register carried. Only the JSON parse is DuckDB's own here.
create or replace view stg_header_entries as
with source as (
    select file_hash, header_map
    from source_files
    where coalesce(header_map, '[]') not in ('', '[]', 'null')
),

entries as (
    select
        file_hash,
        unnest(
            from_json(
                header_map, '[{"sheet": "VARCHAR", "column": "VARCHAR", "field": "VARCHAR"}]'
            )
        ) as entry
    from source
),

final as (
    select
        file_hash,
        entry.sheet as sheet,
        entry.field as field
    from entries
)

select * from final

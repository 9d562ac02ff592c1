-- grain: one row per accepted file, sheet and mapped register column
-- Spark's counterpart of pipeline/sql/staging/stg_header_entries.sql: the header maps in the
-- export's source_files (JSON), one entry per row. Only the JSON parse is Spark's own here.
create or replace temp view stg_header_entries as
with source as (
    select file_hash, header_map
    from source_files
    where coalesce(header_map, '[]') not in ('', '[]', 'null')
),

entries as (
    select
        file_hash,
        explode(
            from_json(header_map, 'array<struct<sheet:string,column:string,field:string>>')
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

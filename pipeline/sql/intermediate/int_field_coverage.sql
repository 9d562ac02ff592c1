-- grain: one row per wave, township and branch (current units only)
-- Which optional register fields each unit's submission carried. A figure that needs a field
-- its unit did not carry is not reported for that unit (NULL, shown as 未填报), never zero.
-- Evidence is the header map of the file that loaded the unit (the sheets its members came
-- from) and the file's values: a field is carried when the map names its column and some member
-- row of the file has a value in it (a blank column in one branch of a file that has the column
-- elsewhere is a column left blank, not a missing column; a column blank in the whole file was
-- not filled in, so 失联 0 or 持证率 0.00% would be made up). 流入地党组织 is the exception: a
-- blank there is an answer (no inflow organisation), so its column alone is evidence. A file
-- loaded without a header map (bulk loads, older warehouses) goes by its values alone.
-- Plain joins only: Spark builds this same file (pipeline/warehouse/spark.py, via sqlglot).
create or replace table int_field_coverage as
with units_now as (
    select distinct
        wave,
        township,
        branch as raw_branch,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        file_hash
    from units
    where is_current
),

unit_sheets as (
    select distinct
        wave,
        township,
        branch as raw_branch,
        file_hash,
        sheet
    from members
    where is_current
),

header_entries as (
    select * from stg_header_entries
),

-- the map's entries for the sheets a unit's members came from
own_sheet_fields as (
    select distinct
        u.wave,
        u.township,
        u.branch,
        u.raw_branch,
        u.file_hash,
        e.field
    from units_now as u
    inner join unit_sheets as s
        on s.file_hash = u.file_hash
        and s.wave = u.wave
        and s.township = u.township
        and s.raw_branch is not distinct from u.raw_branch
    inner join header_entries as e
        on e.file_hash = s.file_hash and e.sheet = s.sheet
),

matched_units as (
    select distinct wave, township, raw_branch, file_hash from own_sheet_fields
),

-- a unit none of whose sheets the map names (renamed sheets) takes its whole file's entries
unit_header as (
    select wave, township, branch, field from own_sheet_fields
    union all
    select u.wave, u.township, u.branch, h.field
    from units_now as u
    inner join header_entries as h on u.file_hash = h.file_hash
    left join matched_units as m
        on m.file_hash = u.file_hash
        and m.wave = u.wave
        and m.township = u.township
        and m.raw_branch is not distinct from u.raw_branch
    where m.file_hash is null
),

from_headers as (
    select
        wave,
        township,
        branch,
        bool_or(field = 'outflow_date') as has_outflow_date,
        bool_or(field in ('contact_status', 'lost_flag', 'reachable')) as has_contact_status,
        bool_or(field = 'last_contact_date') as has_last_contact_date,
        bool_or(field = 'inflow_org') as has_inflow_org,
        bool_or(field = 'has_certificate') as has_certificate
    from unit_header
    group by wave, township, branch
),

from_values as (
    select
        file_hash,
        bool_or(outflow_date is not null) as has_outflow_date,
        bool_or(contact_status is not null) as has_contact_status,
        bool_or(last_contact_date is not null) as has_last_contact_date,
        bool_or(nullif(trim(inflow_org), '') is not null) as has_inflow_org,
        bool_or(has_certificate is not null) as has_certificate
    from members
    where is_current
    group by file_hash
),

mapped_files as (
    select distinct file_hash from header_entries
),

units_mapped as (
    select
        u.*,
        m.file_hash is not null as is_mapped
    from units_now as u
    left join mapped_files as m on u.file_hash = m.file_hash
),

final as (
    select
        u.wave,
        u.township,
        u.branch,
        bool_or(coalesce(h.has_outflow_date or not u.is_mapped, false)
            and coalesce(v.has_outflow_date, false)) as has_outflow_date,
        bool_or(coalesce(h.has_contact_status or not u.is_mapped, false)
            and coalesce(v.has_contact_status, false)) as has_contact_status,
        bool_or(coalesce(h.has_last_contact_date or not u.is_mapped, false)
            and coalesce(v.has_last_contact_date, false)) as has_last_contact_date,
        bool_or(case when u.is_mapped then coalesce(h.has_inflow_org, false)
            else coalesce(v.has_inflow_org, false) end) as has_inflow_org,
        bool_or(coalesce(h.has_certificate or not u.is_mapped, false)
            and coalesce(v.has_certificate, false)) as has_certificate
    from units_mapped as u
    left join from_headers as h
        on u.wave = h.wave and u.township = h.township and u.branch = h.branch and u.is_mapped
    left join from_values as v
        on u.file_hash = v.file_hash
    group by u.wave, u.township, u.branch
)

select * from final

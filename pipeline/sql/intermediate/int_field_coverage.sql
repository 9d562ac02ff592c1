-- grain: one row per wave, township and branch (current units only)
-- Which optional register fields each unit's submission carried. A figure that needs a field
-- its unit did not carry is not reported for that unit (NULL, shown as 未填报), never zero.
-- Evidence is the header map of the file that loaded the unit (the sheets its members came
-- from); a file loaded without a header map (bulk loads, older warehouses) counts a field as
-- carried when any member row of the file has a value in it (a blank column in one branch
-- of a file that has the column elsewhere is a column left blank, not a missing column).
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
    select
        file_hash,
        entry.sheet as sheet,
        entry.field as field
    from (
        select
            file_hash,
            unnest(
                from_json(
                    header_map, '[{"sheet": "VARCHAR", "column": "VARCHAR", "field": "VARCHAR"}]'
                )
            ) as entry
        from source_files
        where coalesce(header_map, '[]') not in ('', '[]', 'null')
    )
),

-- a unit's fields: those of its own sheets, else (sheet names not matched) of its whole file
unit_header as (
    select u.wave, u.township, u.branch, h.field
    from units_now as u
    inner join header_entries as h on u.file_hash = h.file_hash
    where exists (
        select 1 from unit_sheets as s
        where s.file_hash = u.file_hash and s.wave = u.wave and s.township = u.township
            and s.raw_branch is not distinct from u.raw_branch and s.sheet = h.sheet
    )
    or not exists (
        select 1 from unit_sheets as s
        inner join header_entries as e on s.file_hash = e.file_hash and s.sheet = e.sheet
        where s.file_hash = u.file_hash and s.wave = u.wave and s.township = u.township
            and s.raw_branch is not distinct from u.raw_branch
    )
),

from_headers as (
    select
        wave,
        township,
        branch,
        bool_or(field = 'outflow_date') as has_outflow_date,
        bool_or(field in ('contact_status', 'lost_flag')) as has_contact_status,
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
    group by all
),

mapped_files as (
    select distinct file_hash from header_entries
),

final as (
    select
        u.wave,
        u.township,
        u.branch,
        bool_or(coalesce(h.has_outflow_date, v.has_outflow_date, false)) as has_outflow_date,
        bool_or(coalesce(h.has_contact_status, v.has_contact_status, false)) as has_contact_status,
        bool_or(coalesce(h.has_last_contact_date, v.has_last_contact_date, false))
            as has_last_contact_date,
        bool_or(coalesce(h.has_inflow_org, v.has_inflow_org, false)) as has_inflow_org,
        bool_or(coalesce(h.has_certificate, v.has_certificate, false)) as has_certificate
    from units_now as u
    left join from_headers as h
        on u.wave = h.wave and u.township = h.township and u.branch = h.branch
        and u.file_hash in (select file_hash from mapped_files)
    left join from_values as v
        on u.file_hash = v.file_hash
        and u.file_hash not in (select file_hash from mapped_files)
    group by u.wave, u.township, u.branch
)

select * from final

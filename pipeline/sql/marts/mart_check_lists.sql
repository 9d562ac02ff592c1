-- grain: one row per person per reconciliation list per census wave
-- The registers checked against each other (核对):
--   不在册        census rows the township's roster (same wave) does not hold (wrong ID or not registered)
--   双重管理确认  outflow members a host register lists
--   找回          outflow members the census calls 失联 whom a host register lists (with its contact)
--   流入地未列名  outflow members the census says are managed at a host whose register does not list them
--   漏报          host-listed members absent from the home census of that wave
--   名册身份证号不符  census rows matched to the roster only by name + birth month (weaker: one
--                 of the two ID numbers is wrong)
-- A list needs its register: no roster for a township-wave, no 不在册 there; no register from
-- the named host, no 流入地未列名.
create or replace table mart_check_lists as
with census as (
    select
        m.rowid as member_row,
        m.wave,
        m.township,
        coalesce(nullif(trim(m.branch), ''), '未注明支部') as branch,
        m.name,
        m.gender,
        m.id_masked,
        m.phone,
        nullif(trim(m.inflow_org), '') as inflow_org,
        not coalesce(m.is_returned, false) as is_out,
        coalesce(m.contact_status = '失联', false) as is_lost,
        m.source_file,
        m.excel_row
    from members as m
    where m.is_current
),

hosts as (
    select rowid as host_row, * from register_rows where is_current and kind = 'host'
),

matched as (
    select
        c.*,
        x.host_row,
        x.host_match,
        coalesce(x.roster_given, false) as roster_given,
        x.roster_row,
        x.roster_match
    from census as c
    left join mart_check_host as x on x.member_row = c.member_row
),

-- hosts that sent a register for the wave, by every name they go by
host_names as (
    select distinct wave, unit as host_name from hosts
    union
    select distinct wave, host_org from hosts where host_org is not null
),

with_host as (
    select
        m.*,
        h.host_org,
        h.phone as host_phone,
        h.reported_date,
        m.inflow_org is not null and m.host_row is null and exists (
            select 1 from host_names as n
            where n.wave = m.wave
                and (n.host_name = m.inflow_org
                    or contains(n.host_name, m.inflow_org)
                    or contains(m.inflow_org, n.host_name))
        ) as host_submitted
    from matched as m
    left join hosts as h on h.host_row = m.host_row
),

lists as (
    select '不在册' as list, 1 as list_order, null as match_method, *
    from with_host where roster_given and roster_row is null
    union all by name
    select '名册身份证号不符' as list, 6 as list_order, roster_match as match_method, *
    from with_host where roster_match = '姓名+出生年月（较弱）'
    union all by name
    select '双重管理确认' as list, 2 as list_order, host_match as match_method, * from with_host where is_out and host_row is not null
    union all by name
    select '找回' as list, 3 as list_order, host_match as match_method, *
    from with_host where is_out and is_lost and host_row is not null
    union all by name
    select '流入地未列名' as list, 4 as list_order, null as match_method, *
    from with_host
    where is_out and inflow_org is not null and host_row is null and host_submitted
),

missing_at_home as (
    -- host rows nobody in the home census matched
    select
        '漏报' as list,
        5 as list_order,
        null as match_method,
        h.wave,
        h.township,
        null as branch,
        h.name,
        h.gender,
        h.id_masked,
        null as phone,
        null as inflow_org,
        h.host_org,
        h.phone as host_phone,
        h.reported_date,
        h.source_file,
        h.excel_row
    from hosts as h
    where h.host_row not in (select host_row from mart_check_host where host_row is not null)
),

final as (
    select
        list, list_order, match_method, wave, township, branch, name, gender, id_masked, phone,
        inflow_org, host_org, host_phone, reported_date, source_file, excel_row
    from lists
    union all by name
    select * from missing_at_home
)

select * from final

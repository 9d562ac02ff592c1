-- grain: one row per member per census wave (current unit versions only)
-- Every §5 test on one member, defined once; the marts count these flags and the follow-up
-- list reads them. A flag whose field the member's unit did not carry (int_field_coverage) is
-- NULL: unknown, never false. A member can meet several tests (a 失联 member with no inflow
-- org and no contact for 180 days is also a 两不管); `primary_reason` is the one partition
-- (each person under one reason: 失联, then 两不管, then 超180天未联系) and has its own name.
create or replace view int_member_flags as
with members as (
    select
        m.member_row,
        m.wave,
        m.township,
        coalesce(nullif(trim(m.branch), ''), '未注明支部') as branch,
        m.wave_end,
        not coalesce(m.is_returned, false) as is_out,
        coalesce(m.is_returned, false) as is_back,
        m.flow_scope,
        m.dest_province_code,
        m.dest_province,
        m.dest_city,
        m.outflow_date,
        m.last_contact_date,
        m.contact_status,
        nullif(trim(m.inflow_org), '') is not null as has_inflow_org,
        coalesce(m.has_certificate, false) as holds_certificate,
        nullif(trim(m.enterprise), '') is not null as has_enterprise,
        m.jobs_created,
        coalesce(u.has_outflow_date, false) as reports_outflow_date,
        coalesce(u.has_contact_status, false) as reports_contact_status,
        coalesce(u.has_last_contact_date, false) as reports_last_contact_date,
        coalesce(u.has_inflow_org, false) as reports_inflow_org,
        coalesce(u.has_certificate, false) as reports_certificate
    from stg_members as m
    left join int_field_coverage as u
        on m.wave = u.wave
        and m.township = u.township
        and coalesce(nullif(trim(m.branch), ''), '未注明支部') = u.branch
),

tested as (
    select
        *,
        case when reports_outflow_date then
            is_out and outflow_date is not null
            and date_diff('day', outflow_date, wave_end) >= 365
        end as is_long_term,
        case when reports_contact_status then
            is_out and coalesce(contact_status = '失联', false)
        end as is_lost,
        -- no recorded contact in a register that has the column counts as not contacted
        case when reports_last_contact_date then
            is_out and (last_contact_date is null
                or date_diff('day', last_contact_date, wave_end) > 180)
        end as is_stale,
        case when reports_inflow_org then is_out and has_inflow_org end as is_dual_managed,
        case when reports_certificate then is_out and holds_certificate end as is_certified
    from members
),

final as (
    select
        *,
        -- not contacted for 180 days and not (known to be) 失联
        is_stale and not coalesce(is_lost, false) as is_at_risk,
        is_stale and not is_dual_managed as is_two_nots,
        case
            when is_lost then '失联'
            when is_stale and not is_dual_managed then '两不管'
            when is_stale then '超180天未联系'
        end as primary_reason
    from tested
)

select * from final

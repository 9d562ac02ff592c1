-- grain: one row per member per census wave (current unit versions only)
-- Spark SQL rendition of pipeline/sql/intermediate/int_member_flags.sql: every §5 test on one
-- member; a flag whose field the member's unit did not carry (int_field_coverage) is NULL:
-- unknown, never false. `primary_reason` is the follow-up list's partition (失联, then 两不管,
-- then 超180天未联系).
create or replace temp view int_member_flags as
with members as (
    select
        m.wave,
        m.township,
        coalesce(nullif(trim(m.branch), ''), '未注明支部') as branch,
        m.wave_end,
        not coalesce(m.is_returned, false) as is_out,
        coalesce(m.is_returned, false) as is_back,
        m.flow_scope,
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
            and datediff(wave_end, outflow_date) >= 365
        end as is_long_term,
        case when reports_contact_status then
            is_out and coalesce(contact_status = '失联', false)
        end as is_lost,
        -- no recorded contact in a register that has the column counts as not contacted
        case when reports_last_contact_date then
            is_out and (last_contact_date is null
                or datediff(wave_end, last_contact_date) > 180)
        end as is_stale,
        case when reports_inflow_org then is_out and has_inflow_org end as is_dual_managed,
        case when reports_certificate then is_out and holds_certificate end as is_certified
    from members
),

final as (
    select
        *,
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

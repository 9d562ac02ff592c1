-- grain: one row per outflow member (current, not returned) per duty rule, per census wave
-- Every rule of pipeline/duty_rules.py (thresholds read from duty_rules) checked for every
-- outflow member: whether the rule could be assessed (the register carries the field and the
-- member's cell is filled), whether the duty is due, and the date it became due. Dates count
-- to the end of the census month. A view: the list and the counts each read it once.
-- Reads `members`, not stg_members: staging turns a blank certificate into "no", and a
-- blank is "not stated" here (未填报), not a duty.
create or replace view mart_duty_due as
with rules as (
    select
        max(threshold) filter (where code = 'lost_contact') as lost_months,
        max(threshold) filter (where code = 'dues_unpaid') as dues_months,
        max(threshold) filter (where code = 'no_contact') as contact_days,
        max(threshold) filter (where code = 'two_nots') as two_nots_days
    from duty_rules
),

outflow as (
    select
        m.rowid as member_row,
        m.member_key,
        m.wave,
        m.township,
        coalesce(nullif(trim(m.branch), ''), '未注明支部') as branch,
        last_day(cast(m.wave || '-01' as date)) as wave_end,
        m.outflow_date,
        m.contact_status,
        m.last_contact_date,
        m.dues_paid_through,
        nullif(trim(m.inflow_org), '') as inflow_org,
        h.host_row is not null as host_confirmed,
        m.has_certificate,
        c.carries_contact_status,
        c.carries_dues,
        c.carries_last_contact,
        c.carries_inflow_org,
        c.carries_certificate
    from members as m
    inner join mart_duty_coverage as c
        on c.file_hash = m.file_hash and c.sheet is not distinct from m.sheet
    left join mart_check_host as h on h.member_row = m.rowid
    where m.is_current and not coalesce(m.is_returned, false)
),

checks as (
    select
        o.*,
        r.*,
        o.contact_status = '失联' as is_lost,
        date_diff('month', date_trunc('month', o.dues_paid_through), date_trunc('month', o.wave_end))
            as dues_months_unpaid,
        o.last_contact_date is null
            or date_diff('day', o.last_contact_date, o.wave_end) > r.contact_days as is_stale
    from outflow as o
    cross join rules as r
),

lost_contact as (
    select
        *,
        'lost_contact' as rule,
        carries_contact_status and contact_status is not null as assessed,
        coalesce(is_lost and (
            last_contact_date is null
            or date_add(last_contact_date, to_months(lost_months)) <= wave_end
        ), false) as is_due,
        cast(date_add(last_contact_date, to_months(lost_months)) as date) as due_date
    from checks
),

dues_unpaid as (
    select
        *,
        'dues_unpaid' as rule,
        carries_dues and dues_paid_through is not null as assessed,
        coalesce(dues_months_unpaid >= dues_months, false) as is_due,
        -- due at the end of the last month of the run of unpaid months
        last_day(date_add(date_trunc('month', dues_paid_through), to_months(dues_months)))
            as due_date
    from checks
),

no_contact as (
    select
        *,
        'no_contact' as rule,
        carries_last_contact as assessed,
        -- 失联 members have their own duty (查找); never contacted counts as not contacted
        is_stale and not coalesce(is_lost, false) as is_due,
        cast(last_contact_date + to_days(contact_days + 1) as date) as due_date
    from checks
),

two_nots as (
    select
        *,
        'two_nots' as rule,
        carries_inflow_org and carries_last_contact as assessed,
        -- no host: none named in the register and no host register lists the member
        inflow_org is null and not host_confirmed
            and (last_contact_date is null
                or date_diff('day', last_contact_date, wave_end) > two_nots_days) as is_due,
        cast(last_contact_date + to_days(two_nots_days + 1) as date) as due_date
    from checks
),

no_certificate as (
    select
        *,
        'no_certificate' as rule,
        carries_certificate and has_certificate is not null as assessed,
        coalesce(not has_certificate, false) as is_due,
        -- due from the day the member went out: the certificate goes with them
        outflow_date as due_date
    from checks
),

unioned as (
    select * from lost_contact
    union all by name
    select * from dues_unpaid
    union all by name
    select * from no_contact
    union all by name
    select * from two_nots
    union all by name
    select * from no_certificate
),

final as (
    select
        member_row,
        member_key,
        wave,
        township,
        branch,
        wave_end,
        rule,
        assessed,
        assessed and is_due as is_due,
        case when assessed and is_due then due_date end as due_date,
        case when assessed and is_due then date_diff('day', due_date, wave_end) end
            as days_overdue
    from unioned
)

select * from final

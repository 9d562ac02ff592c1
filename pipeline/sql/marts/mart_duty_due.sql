-- grain: one row per outflow member (current, not returned) per census wave
-- Every rule of pipeline/duty_rules.py (thresholds read from duty_rules) checked for every
-- outflow member, one column set per rule: whether it could be assessed (the register carries
-- the field and, for dues and the certificate, the member's cell is filled), whether the duty
-- is due, and the date it became due. Dates count to the end of the census month.
-- Wide on purpose (one row per member, not per member and rule), and a view: the list
-- materialises only the members owing something, the counts aggregate it in one pass; at
-- 1.2M members a stored table cost more to write than the three reads.
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
        coalesce(m.contact_status = '失联', false) as is_lost,
        m.contact_status,
        m.last_contact_date,
        m.dues_paid_through,
        nullif(trim(m.inflow_org), '') is not null or h.host_row is not null as has_host,
        m.has_certificate,
        c.carries_contact_status,
        c.carries_dues,
        c.carries_last_contact,
        c.carries_inflow_org,
        c.carries_certificate
    from members as m
    inner join mart_duty_coverage as c
        on c.file_hash = m.file_hash and coalesce(c.sheet, '') = coalesce(m.sheet, '')
    -- a host register listing the member confirms a host the census may not name
    left join mart_check_host as h on h.member_row = m.rowid
    where m.is_current and not coalesce(m.is_returned, false)
),

checked as (
    select
        o.*,
        date_diff('month', date_trunc('month', o.dues_paid_through), date_trunc('month', o.wave_end))
            as dues_months_unpaid,
        o.last_contact_date is null
            or date_diff('day', o.last_contact_date, o.wave_end) > r.contact_days as stale_contact,
        o.last_contact_date is null
            or date_diff('day', o.last_contact_date, o.wave_end) > r.two_nots_days as stale_two_nots,
        cast(date_add(o.last_contact_date, to_months(r.lost_months)) as date) as lost_from,
        last_day(date_add(date_trunc('month', o.dues_paid_through), to_months(r.dues_months)))
            as dues_from,
        cast(o.last_contact_date + to_days(r.contact_days + 1) as date) as contact_from,
        cast(o.last_contact_date + to_days(r.two_nots_days + 1) as date) as two_nots_from,
        r.dues_months
    from outflow as o
    cross join rules as r
),

flagged as (
    select
        *,
        carries_contact_status and contact_status is not null as assessed_lost_contact,
        is_lost and (lost_from is null or lost_from <= wave_end) as hit_lost_contact,
        carries_dues and dues_paid_through is not null as assessed_dues_unpaid,
        coalesce(dues_months_unpaid >= dues_months, false) as hit_dues_unpaid,
        carries_last_contact as assessed_no_contact,
        -- 失联 members have their own duty (查找); never contacted counts as not contacted
        stale_contact and not is_lost as hit_no_contact,
        carries_inflow_org and carries_last_contact as assessed_two_nots,
        not has_host and stale_two_nots as hit_two_nots,
        carries_certificate and has_certificate is not null as assessed_no_certificate,
        coalesce(not has_certificate, false) as hit_no_certificate
    from checked
),

final as (
    select
        member_row,
        member_key,
        wave,
        township,
        branch,
        wave_end,
        assessed_lost_contact,
        assessed_lost_contact and hit_lost_contact as due_lost_contact,
        lost_from as from_lost_contact,
        assessed_dues_unpaid,
        assessed_dues_unpaid and hit_dues_unpaid as due_dues_unpaid,
        dues_from as from_dues_unpaid,
        assessed_no_contact,
        assessed_no_contact and hit_no_contact as due_no_contact,
        contact_from as from_no_contact,
        assessed_two_nots,
        assessed_two_nots and hit_two_nots as due_two_nots,
        two_nots_from as from_two_nots,
        assessed_no_certificate,
        assessed_no_certificate and hit_no_certificate as due_no_certificate,
        -- due from the day the member went out: the certificate goes with them
        outflow_date as from_no_certificate
    from flagged
)

select * from final

-- grain: one row per member and duty rule due in a township's census wave or in its previous
-- census (previous wave → wave), matched by member_key (ID hash, else name + birth month +
-- branch as the register wrote them)
-- change: 仍未办结 (due in both), 已销号 (due last time, not now) or 新增 (due now only);
-- a cleared duty says why: done, the member returned or left the register, or the register
-- no longer carries the field (then it is not known to be done: 本次未填报).
create or replace table mart_duty_wave_changes as
with wave_pairs as (
    select
        township,
        wave,
        lag(wave) over (partition by township order by wave) as prev_wave
    from (select distinct township, wave from members where is_current)
),

cur as (
    select l.*, p.prev_wave
    from mart_duty_list as l
    inner join wave_pairs as p on p.township = l.township and p.wave = l.wave
    where p.prev_wave is not null
),

prev as (
    select l.*, p.wave as next_wave
    from mart_duty_list as l
    inner join wave_pairs as p on p.township = l.township and p.prev_wave = l.wave
),

matched as materialized (
    select
        coalesce(c.township, p.township) as township,
        coalesce(c.wave, p.next_wave) as wave,
        coalesce(c.prev_wave, p.wave) as prev_wave,
        coalesce(c.branch, p.branch) as branch,
        coalesce(c.member_key, p.member_key) as member_key,
        coalesce(c.rule, p.rule) as rule,
        coalesce(c.rule_name, p.rule_name) as rule_name,
        coalesce(c.rule_order, p.rule_order) as rule_order,
        p.due_date as prev_due_date,
        c.due_date,
        c.days_overdue,
        coalesce(c.name, p.name) as name,
        coalesce(c.gender, p.gender) as gender,
        coalesce(c.id_masked, p.id_masked) as id_masked,
        coalesce(c.phone, p.phone) as phone,
        c.member_key is not null as due_now,
        p.member_key is not null as due_before
    from cur as c
    full outer join prev as p
        on c.township = p.township
        and c.prev_wave = p.wave
        and c.member_key = p.member_key
        and c.rule = p.rule
),

-- members whose duty went away, in the wave it went away in: only they need looking up
gone as (
    select distinct township, wave, member_key
    from matched
    where not due_now
),

-- where each of them stands in the later wave
later as (
    select
        m.township,
        m.wave,
        m.member_key,
        bool_or(coalesce(m.is_returned, false)) as is_returned
    from members as m
    semi join gone as g
        on g.township = m.township and g.wave = m.wave and g.member_key = m.member_key
    where m.is_current
    group by m.township, m.wave, m.member_key
),

-- whether the later wave could assess the rule at all
later_assessed as (
    select
        d.township,
        d.wave,
        d.member_key,
        bool_or(d.assessed_lost_contact) as lost_contact,
        bool_or(d.assessed_dues_unpaid) as dues_unpaid,
        bool_or(d.assessed_no_contact) as no_contact,
        bool_or(d.assessed_two_nots) as two_nots,
        bool_or(d.assessed_no_certificate) as no_certificate
    from mart_duty_due as d
    semi join gone as g
        on g.township = d.township and g.wave = d.wave and g.member_key = d.member_key
    group by d.township, d.wave, d.member_key
),

final as (
    select
        m.township,
        m.wave,
        m.prev_wave,
        m.branch,
        m.member_key,
        m.rule,
        m.rule_name,
        m.rule_order,
        case
            when m.due_now and m.due_before then '仍未办结'
            when m.due_now then '新增'
            else '已销号'
        end as change,
        case
            when m.due_now then null
            when l.member_key is null then '本次未登记'
            when l.is_returned then '已返乡'
            when not coalesce(
                case m.rule
                    when 'lost_contact' then a.lost_contact
                    when 'dues_unpaid' then a.dues_unpaid
                    when 'no_contact' then a.no_contact
                    when 'two_nots' then a.two_nots
                    else a.no_certificate
                end,
                false
            ) then '本次未填报'
            else '已整改'
        end as cleared_how,
        m.prev_due_date,
        m.due_date,
        m.days_overdue,
        m.name,
        m.gender,
        m.id_masked,
        m.phone
    from matched as m
    left join later as l
        on l.township = m.township and l.wave = m.wave and l.member_key = m.member_key
    left join later_assessed as a
        on a.township = m.township and a.wave = m.wave and a.member_key = m.member_key
)

select * from final

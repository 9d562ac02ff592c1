-- grain: one row per outflow member per due duty rule, per census wave (current units only)
-- The duty list (督办清单): who needs which action by which rule, since when, how overdue.
-- Personal fields are carried as stored; the named queries mask them for the role.
create or replace table mart_duty_list as
with owing as materialized (
    -- mart_duty_due is a view: evaluated once here, for the members owing anything
    select *
    from mart_duty_due
    where due_lost_contact or due_dues_unpaid or due_no_contact or due_two_nots
        or due_no_certificate
),

due as materialized (
    select member_row, wave, township, branch, member_key, wave_end,
        'lost_contact' as rule, from_lost_contact as due_date
    from owing where due_lost_contact
    union all
    select member_row, wave, township, branch, member_key, wave_end,
        'dues_unpaid', from_dues_unpaid
    from owing where due_dues_unpaid
    union all
    select member_row, wave, township, branch, member_key, wave_end,
        'no_contact', from_no_contact
    from owing where due_no_contact
    union all
    select member_row, wave, township, branch, member_key, wave_end,
        'two_nots', from_two_nots
    from owing where due_two_nots
    union all
    select member_row, wave, township, branch, member_key, wave_end,
        'no_certificate', from_no_certificate
    from owing where due_no_certificate
),

people as (
    -- only the members someone owes a duty for fetch their wide fields
    select
        rowid as member_row,
        name,
        gender,
        id_masked,
        phone,
        coalesce(
            nullif(case when dest_city is null or dest_city = dest_province then dest_province
                else dest_province || dest_city end, ''),
            destination_text
        ) as destination,
        outflow_date,
        contact_status,
        last_contact_date,
        dues_paid_through,
        inflow_org,
        sheet,
        excel_row,
        source_file
    from members
    semi join owing as d on d.member_row = members.rowid
),

final as (
    select
        d.wave,
        d.township,
        d.branch,
        d.member_row,
        d.member_key,
        d.rule,
        r.name as rule_name,
        r.action,
        r.source as rule_source,
        r.sort_order as rule_order,
        d.due_date,
        date_diff('day', d.due_date, d.wave_end) as days_overdue,
        p.* exclude (member_row)
    from due as d
    inner join duty_rules as r on r.code = d.rule
    inner join people as p on p.member_row = d.member_row
)

select * from final

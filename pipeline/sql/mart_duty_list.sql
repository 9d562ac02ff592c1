-- grain: one row per outflow member per due duty rule, per census wave (current units only)
-- The duty list (督办清单): who needs which action by which rule, since when, how overdue.
-- Personal fields are carried as stored; the named queries mask them for the role.
create or replace table mart_duty_list as
with due as (
    select * from mart_duty_due where is_due
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
        d.days_overdue,
        m.name,
        m.gender,
        m.id_masked,
        m.phone,
        coalesce(
            nullif(case when m.dest_city is null or m.dest_city = m.dest_province then m.dest_province
                else m.dest_province || m.dest_city end, ''),
            m.destination_text
        ) as destination,
        m.outflow_date,
        m.contact_status,
        m.last_contact_date,
        m.dues_paid_through,
        m.inflow_org,
        m.sheet,
        m.excel_row,
        m.source_file
    from due as d
    inner join duty_rules as r on r.code = d.rule
    inner join members as m on m.rowid = d.member_row
)

select * from final

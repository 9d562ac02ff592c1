-- grain: one row per census wave, township, branch and duty rule (current units only)
-- Additive counts: townships and the county are sums of these rows. `assessed` is how many
-- outflow members the rule could be checked for; a branch with none reports 未填报 for the
-- rule (its registers lack the field), which is not zero.
create or replace table mart_duty_per_branch as
with counts as (
    select
        wave,
        township,
        branch,
        count(*) as outflow,
        count(*) filter (where assessed_lost_contact) as assessed_lost_contact,
        count(*) filter (where due_lost_contact) as due_lost_contact,
        count(*) filter (where assessed_dues_unpaid) as assessed_dues_unpaid,
        count(*) filter (where due_dues_unpaid) as due_dues_unpaid,
        count(*) filter (where assessed_no_contact) as assessed_no_contact,
        count(*) filter (where due_no_contact) as due_no_contact,
        count(*) filter (where assessed_two_nots) as assessed_two_nots,
        count(*) filter (where due_two_nots) as due_two_nots,
        count(*) filter (where assessed_no_certificate) as assessed_no_certificate,
        count(*) filter (where due_no_certificate) as due_no_certificate
    from mart_duty_due
    group by wave, township, branch
),

per_rule as (
    select wave, township, branch, outflow, 'lost_contact' as rule,
        assessed_lost_contact as assessed, due_lost_contact as due
    from counts
    union all
    select wave, township, branch, outflow, 'dues_unpaid', assessed_dues_unpaid, due_dues_unpaid
    from counts
    union all
    select wave, township, branch, outflow, 'no_contact', assessed_no_contact, due_no_contact
    from counts
    union all
    select wave, township, branch, outflow, 'two_nots', assessed_two_nots, due_two_nots
    from counts
    union all
    select wave, township, branch, outflow, 'no_certificate', assessed_no_certificate,
        due_no_certificate
    from counts
),

final as (
    select
        p.wave,
        p.township,
        p.branch,
        p.rule,
        r.name as rule_name,
        r.sort_order as rule_order,
        p.outflow,
        p.assessed,
        p.outflow - p.assessed as not_assessed,
        p.due
    from per_rule as p
    inner join duty_rules as r on r.code = p.rule
)

select * from final

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
        rule,
        count(*) as outflow,
        count(*) filter (where assessed) as assessed,
        count(*) filter (where is_due) as due
    from mart_duty_due
    group by wave, township, branch, rule
),

final as (
    select
        c.wave,
        c.township,
        c.branch,
        c.rule,
        r.name as rule_name,
        r.sort_order as rule_order,
        c.outflow,
        c.assessed,
        c.outflow - c.assessed as not_assessed,
        c.due
    from counts as c
    inner join duty_rules as r on r.code = c.rule
)

select * from final

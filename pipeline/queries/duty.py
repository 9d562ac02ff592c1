"""Named queries of the duty list (督办清单, issue #17): counts per unit and rule, the member
list, the per-branch sheet and the changes since the last census.

Each takes a connection and a `Filters`, binds every value, and reads the `mart_duty_*`
tables. Member-level queries are marked (`member_level`) and mask names and phones in SQL
unless `f.show_personal_data` (granted only to roles that may see them).
"""

from __future__ import annotations

import pandas as pd

from pipeline.duties.rules import DUTY_RULES
from pipeline.queries.base import (
    Filters,
    free_text_sql,
    mask_name_sql,
    mask_phone_sql,
    member_level,
    where,
)

__all__ = ["Filters"]

# A county sees up to this many member rows on screen; a branch's download has no cap.
SCREEN_ROWS = 2000


def _df(con, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def duty_rules(con, f: Filters) -> pd.DataFrame:
    """The rules (name, threshold, action, source document), in display order."""
    del f  # the same for everyone
    return _df(
        con,
        "select code, name, threshold, unit, action, source, needs from duty_rules "
        "order by sort_order",
        [],
    )


def duty_table(con, f: Filters) -> pd.DataFrame:
    """Per township and branch: outflow, and per rule (`due_<code>`, in display order) the
    members due, missing where the branch could not be assessed for the rule (未填报).

    The page's sortable table, one row per branch as it is shown: a county of 48,000
    branches reads 48,000 rows here, not a row per branch and rule."""
    w, p = where(f)
    first = DUTY_RULES[0].code  # every branch has a row for every rule: count outflow once
    per_rule = ", ".join(
        f"sum(due) filter (where rule = ? and assessed > 0)::bigint as due_{r.code}"
        for r in DUTY_RULES
    )
    sql = f"""
        select township, branch,
               sum(outflow) filter (where rule = ?)::bigint as outflow, {per_rule}
        from mart_duty_per_branch {w}
        group by township, branch
        order by township, branch
    """
    return _df(con, sql, [first, *(r.code for r in DUTY_RULES), *p])


def duty_totals(con, f: Filters) -> pd.DataFrame:
    """Per rule over the selection, with how many branches could not be assessed."""
    w, p = where(f)
    sql = f"""
        select rule, rule_name, rule_order,
               sum(outflow)::bigint as outflow, sum(assessed)::bigint as assessed,
               sum(not_assessed)::bigint as not_assessed, sum(due)::bigint as due,
               count(*) filter (where assessed = 0 and outflow > 0) as branches_not_assessed,
               count(*) filter (where outflow > 0) as branches
        from mart_duty_per_branch {w}
        group by rule, rule_name, rule_order
        order by rule_order
    """
    return _df(con, sql, p)


def _member_columns(f: Filters) -> str:
    name = "name" if f.show_personal_data else mask_name_sql("name")
    phone = "phone" if f.show_personal_data else mask_phone_sql("phone")
    return f"{name} as name, gender, id_masked, {phone} as phone"


def _county_wide(f: Filters) -> bool:
    """The whole county's view of one wave, whose first screenful is kept apart at ingest."""
    return bool(f.wave) and not f.township and not f.branch and f.allowed_townships is None


def _list_sql(f: Filters, limit: bool) -> tuple[str, list]:
    # the county's screenful of a wave is kept apart at ingest (mart_duty_list_county)
    table = "mart_duty_list_county" if limit and _county_wide(f) else "mart_duty_list"
    w, p = where(f)
    sql = f"""
        select township, branch, rule_name, {_member_columns(f)},
               {free_text_sql("destination", f)} as destination,
               strftime(outflow_date, '%Y-%m') as outflow_date, contact_status,
               strftime(last_contact_date, '%Y-%m-%d') as last_contact_date,
               strftime(dues_paid_through, '%Y-%m') as dues_paid_through,
               {free_text_sql("inflow_org", f)} as inflow_org,
               strftime(due_date, '%Y-%m-%d') as due_date, days_overdue, action, rule_source
        from {table} {w}
        order by township, branch, rule_order, days_overdue desc nulls first, member_row
        {"limit " + str(SCREEN_ROWS) if limit else ""}
    """
    return sql, p


@member_level
def duty_members(con, f: Filters) -> pd.DataFrame:
    """Every due (member, rule) in the selection, most overdue first (capped on screen)."""
    return _df(con, *_list_sql(f, limit=True))


@member_level
def duty_branch_sheet(con, f: Filters) -> pd.DataFrame:
    """The whole duty list of the selection, uncapped: the page selects one branch, for its
    secretary's download."""
    return _df(con, *_list_sql(f, limit=False))


def duty_changes_summary(con, f: Filters) -> pd.DataFrame:
    """Per rule: still open, cleared (and how) and new since the township's last census."""
    w, p = where(f)
    if not f.branch:
        # the same counts, made per township once per ingest (mart_duty_wave_counts)
        sql = f"""
            select rule_name, rule_order, prev_wave,
                   sum(still_open)::bigint as still_open, sum(cleared)::bigint as cleared,
                   sum(cleared_done)::bigint as cleared_done,
                   sum(cleared_left)::bigint as cleared_left,
                   sum(cleared_not_reported)::bigint as cleared_not_reported,
                   sum(new_due)::bigint as new_due
            from mart_duty_wave_counts {w}
            group by rule_name, rule_order, prev_wave
            order by rule_order, prev_wave
        """
        return _df(con, sql, p)
    sql = f"""
        select rule_name, rule_order, prev_wave,
               count(*) filter (where change = '仍未办结') as still_open,
               count(*) filter (where change = '已销号') as cleared,
               count(*) filter (where change = '已销号' and cleared_how = '已整改') as cleared_done,
               count(*) filter (where change = '已销号' and cleared_how in ('已返乡', '本次未登记'))
                   as cleared_left,
               count(*) filter (where change = '已销号' and cleared_how = '本次未填报')
                   as cleared_not_reported,
               count(*) filter (where change = '新增') as new_due
        from mart_duty_wave_changes {w}
        group by rule_name, rule_order, prev_wave
        order by rule_order, prev_wave
    """
    return _df(con, sql, p)


@member_level
def duty_changes(con, f: Filters) -> pd.DataFrame:
    """The members behind the summary: duties cleared or still open (new ones are the list)."""
    # the county's screenful of a wave is kept apart at ingest (mart_duty_wave_changes_county)
    table = "mart_duty_wave_changes_county" if _county_wide(f) else "mart_duty_wave_changes"
    w, p = where(f, extra="change in ('仍未办结', '已销号')")
    sql = f"""
        select township, branch, rule_name, change, cleared_how, {_member_columns(f)},
               strftime(prev_due_date, '%Y-%m-%d') as prev_due_date, days_overdue
        from {table} {w}
        order by change, township, branch, rule_order, member_key
        limit {SCREEN_ROWS}
    """
    return _df(con, sql, p)

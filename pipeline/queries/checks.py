"""Named queries of the 核对 page (issue #17): the registers checked against each other.

Reads `mart_check_lists` and `mart_check_branch_totals`; every value bound, the township
scope applied by `where()`. The member-level list masks names and phones in SQL unless
`f.show_personal_data`.
"""

from __future__ import annotations

import pandas as pd

from pipeline.queries.base import (
    Filters,
    free_text_sql,
    mask_name_sql,
    mask_phone_sql,
    member_level,
    where,
)

__all__ = ["Filters"]

LISTS = ["不在册", "名册身份证号不符", "双重管理确认", "找回", "流入地未列名", "漏报"]
SCREEN_ROWS = 2000
_BRANCH = "coalesce(branch, '（未注明）')"


def _df(con, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def registers_given(con, f: Filters) -> pd.DataFrame:
    """Registers loaded for the wave: kind, unit and how many of its persons are in scope
    (a host register lists several townships; a township counts only its own)."""
    w, p = where(f, branch=False, extra="is_current")
    sql = f"""
        select case kind when 'roster' then '党员名册' else '流入地党组织报到名单' end as kind,
               unit, count(*) as persons, max(source_file) as source_file
        from register_rows {w}
        group by kind, unit
        order by kind, unit
    """
    return _df(con, sql, p)


def check_counts(con, f: Filters) -> pd.DataFrame:
    """Persons per township and list (漏报 rows without a home township: 原籍未填)."""
    w, p = where(f, branch_expr=_BRANCH)
    sql = f"""
        select coalesce(township, '原籍未填') as township, list, list_order, count(*) as persons
        from mart_check_lists {w}
        group by all
        order by township, list_order
    """
    return _df(con, sql, p)


def roster_totals(con, f: Filters) -> pd.DataFrame:
    """Members per branch from the 支部情况 sheet or, without one, the roster; says which."""
    w, p = where(f)
    sql = f"""
        select township, branch, members_total_sheet, members_total_roster,
               probationary_roster, members_total, members_total_source
        from mart_check_branch_totals {w}
        order by township, branch
    """
    return _df(con, sql, p)


@member_level
def check_members(con, f: Filters) -> pd.DataFrame:
    """The persons on every list, masked as the role requires (capped on screen)."""
    name = "name" if f.show_personal_data else mask_name_sql("name")
    phone = "phone" if f.show_personal_data else mask_phone_sql("phone")
    host_phone = "host_phone" if f.show_personal_data else mask_phone_sql("host_phone")
    w, p = where(f, branch_expr=_BRANCH)
    sql = f"""
        select list, township, branch, {name} as name, gender, id_masked, {phone} as phone,
               {free_text_sql("inflow_org", f)} as inflow_org,
               {free_text_sql("host_org", f)} as host_org, {host_phone} as host_phone,
               strftime(reported_date, '%Y-%m') as reported_date, match_method,
               source_file, excel_row
        from mart_check_lists {w}
        order by list_order, township, branch, excel_row
        limit {SCREEN_ROWS}
    """
    return _df(con, sql, p)

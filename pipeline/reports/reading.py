"""Every figure of the leaders' report, read from the warehouse through the dashboard's named
metric queries (`pipeline.queries.analysis`) in the signed-in user's scope: one `ReportData`
that the writing (`word`), the charts and the drafted sections take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.access.scope import Scope as AccessScope
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters, scoped
from pipeline.reports.text import (
    Scope,
    Totals,
    from_row,
)
from pipeline.warehouse import metric_sql
from pipeline.warehouse.store import connect_readonly


class ReportError(Exception):
    """No report can be made (e.g. no data for the wave); the message is for the analyst."""


@dataclass
class ReportData:
    scope: Scope
    current: Totals
    previous: Totals | None
    previous_wave: str | None
    units: list[tuple[str, Totals]]  # one per township (county) or per branch (township)
    unit_label: str
    previous_units: dict[str, Totals]
    branches: list[tuple[str, Totals]]  # every branch of the selection, named with its township
    provinces: list[tuple[str, int]]
    cities: list[tuple[str, int]]
    history_waves: int
    filters: Filters
    current_compared: Totals | None = None  # this wave over the branches also in the previous
    compared_units: dict[str, Totals] = field(default_factory=dict)  # same, per unit


def county_name(full: str = config.HOME_COUNTY_NAME) -> str:
    """'浙江省温州市苍南县' → '苍南县', the name a county report is titled with."""
    name = re.sub(r"^.*?(?:省|自治区)", "", full)
    return re.sub(r"^.*?市(?=.+(?:县|区|市|旗)$)", "", name) or full


def home_province(full: str = config.HOME_COUNTY_NAME) -> str:
    """'浙江省温州市苍南县' → '浙江省': destinations in it count as staying in the province."""
    found = re.match(r"^(.*?(?:省|自治区|市))", full)
    return found.group(1) if found else ""


def natural_key(name: str) -> list:
    """'第2党支部' before '第10党支部', as a reader counts."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", name or "")
        if part
    ]


# ------------------------------------------------------------------------------ reading


def _rows(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _unit_totals(frame: pd.DataFrame, name_of, word: str) -> list[tuple[str, Totals]]:
    out = []
    for row in _rows(frame):
        has_total = row.get("members_total") is not None
        out.append((name_of(row), from_row(row, (row["township"],), int(has_total), word)))
    return out


def load_report_data(
    db_path: Path | str,
    wave: str,
    township: str | None = None,
    access: AccessScope | None = None,
) -> ReportData:
    """Every figure of the report through the metric queries. `access`: the signed-in
    user's scope; a township account gets its own township or nothing."""
    if access is not None and not access.allows(township):
        raise ReportError(f"{access.role_label}账号只能生成{access.label}的报告")
    con = connect_readonly(db_path)
    try:
        return _load(con, wave, township, access)
    finally:
        con.close()


def _load(con, wave: str, township: str | None, access: AccessScope | None) -> ReportData:
    f = Filters(wave=wave, township=township)
    if access is not None:
        f = scoped(f, access)
    history = queries.metrics_by_wave(con, f)
    current = history[history["wave"] == wave]
    if current.empty:
        who = township or "全县"
        known = "、".join(sorted(history["wave"].astype(str))) or "无"
        raise ReportError(f"{who}没有 {wave} 的普查数据（已有批次：{known}）")
    is_county = township is None
    by_unit = queries.metrics_by_township if is_county else queries.metrics_by_branch
    unit_frame = by_unit(con, f)
    unit_name = (lambda r: r["township"]) if is_county else (lambda r: r["branch"])
    word = "乡镇" if is_county else "支部"
    units = _unit_totals(unit_frame, unit_name, word)
    towns = sorted({r["township"] for r in _rows(unit_frame)}) or [township]
    with_total = sum(1 for _n, t in units if t.members_total is not None)
    cur = from_row(_rows(current)[0], towns, with_total if is_county else int(with_total > 0), word)
    # The previous wave compared over the branches present in both waves (each count only
    # where both reported it): the same comparison the dashboard makes (metric_sql).
    compared = queries.wave_comparison(con, f)
    prev = prev_wave = cur_common = None
    previous_units: dict[str, Totals] = {}
    compared_units: dict[str, Totals] = {}
    if len(compared) and compared["prev_wave"].notna().all() and compared["branches"].iloc[0]:
        row = _rows(compared)[0]
        prev_wave = str(row["prev_wave"])
        now_side, prev_side = metric_sql.split_comparison(row)
        prev = from_row(prev_side, (), 0, word)
        cur_common = from_row(now_side, (), 0, word)
        # 附件2 compares each unit the same way, over its branches present in both waves.
        for name, part in _unit_filters(f, unit_frame, is_county):
            pair = _compare(con, part, word)
            if pair is not None:
                compared_units[name], previous_units[name] = pair
    branch_frame = queries.metrics_by_branch(con, f)
    branches = _unit_totals(
        branch_frame,
        (lambda r: f"{r['township']}{r['branch']}") if is_county else unit_name,
        "支部",
    )
    provinces = [
        (str(r["province"]), int(r["outflow"])) for r in _rows(queries.province_counts(con, f))
    ]
    cities = [
        (
            r["city"] if r["city"] == r["province"] else f"{r['province']}{r['city']}",
            int(r["outflow"]),
        )
        for r in _rows(queries.top_cities(con, f))
    ]
    scope = Scope(
        name=township or county_name(),
        wave=wave,
        is_county=is_county,
        branches=_census_branches(con, wave, township),
        files=_scalar(
            con,
            f"select count(distinct file_hash) from units where is_current and wave = ?{_town(township)}",
            [wave, *_extra(township)],
        ),
        rejected_rows=_scalar(
            con,
            f"""
            select count(*) from (
                select distinct file_hash, sheet, excel_row from quarantine
                where file_hash in (
                    select file_hash from units where is_current and wave = ?{_town(township)})
            )""",
            [wave, *_extra(township)],
        ),
        as_of=_as_of(con, wave),
        absent=tuple(
            t for t in queries.townships(con, f)["township"] if is_county and t not in towns
        ),
    )
    return ReportData(
        scope=scope,
        current=cur,
        previous=prev,
        previous_wave=prev_wave,
        units=units,
        unit_label="乡镇" if is_county else "党支部",
        previous_units=previous_units,
        branches=branches,
        provinces=provinces,
        cities=cities,
        history_waves=int((history["wave"] <= wave).sum()),
        filters=f,
        current_compared=cur_common,
        compared_units=compared_units,
    )


def _unit_filters(f: Filters, unit_frame: pd.DataFrame, is_county: bool):
    """(unit name, the selection narrowed to that unit) for every unit of the tables."""
    for row in _rows(unit_frame):
        if is_county:
            yield row["township"], f.with_(township=row["township"])
        else:
            yield row["branch"], f.with_(township=row["township"], branch=row["branch"])


def _compare(con, f: Filters, word: str) -> tuple[Totals, Totals] | None:
    """(this wave, previous wave) of one unit over its branches present in both waves."""
    compared = queries.wave_comparison(con, f)
    if compared.empty or compared["prev_wave"].isna().all() or not compared["branches"].iloc[0]:
        return None
    now_side, prev_side = metric_sql.split_comparison(_rows(compared)[0])
    return from_row(now_side, (), 0, word), from_row(prev_side, (), 0, word)


def _town(township: str | None) -> str:
    return " and township = ?" if township else ""


def _extra(township: str | None) -> list:
    return [township] if township else []


def _census_branches(con, wave: str, township: str | None) -> int:
    # Branches with members registered and branches listed only in the summary sheet
    # (none of their members is away) are all part of the census.
    town = _town(township)
    return _scalar(
        con,
        f"""
        select count(*) from (
            select township, branch from units where is_current and wave = ?{town}
            union
            select township, branch from branch_totals where is_current and wave = ?{town}
        )""",
        [wave, *_extra(township), wave, *_extra(township)],
    )


def _scalar(con, sql: str, params: list) -> int:
    return int(con.execute(sql, params).fetchone()[0] or 0)


def _as_of(con, wave: str) -> str | None:
    """When this wave's data last changed: a footnote under the 统计时点 (the census wave)."""
    (when,) = con.execute(
        "select max(ingested_at) from ingest_log where status in ('loaded', 'replaced')"
        " and (wave = ? or wave is null)",
        [wave],
    ).fetchone()
    return when.strftime("%Y年%m月%d日 %H:%M") if when else None

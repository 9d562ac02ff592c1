"""The report for leaders: a Word document (python-docx) for one census wave, county-wide or
for one township, in the form of official documents (GB/T 9704, see `report_docx`).

Every figure comes from the dashboard's named metric queries (`pipeline.queries.analysis`), the same
functions the pages call, so a change to a metric's definition reaches the report too; the
wording is `report_text`, the charts the dashboard's own (`pipeline.charts.package`, made
ready for print by `report_charts`), the Word primitives and fonts `report_docx`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.access.scope import Scope as AccessScope
from pipeline.charts.base import ChartContext, wave_label
from pipeline.charts.package import analysis_charts
from pipeline.duties.text import duty_paragraph
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters, scoped
from pipeline.reports.document import (
    add_body,
    add_heading,
    add_picture,
    add_signature,
    add_table,
    add_table_title,
    add_title,
    landscape_section,
    new_document,
)
from pipeline.reports.figures import REPORT_KEYS, render_png
from pipeline.reports.text import (
    COMPARED,
    COMPARISON_HEADERS,
    NOTES,
    TABLE_COLUMNS,
    Scope,
    Section,
    Totals,
    change_headers,
    change_rows,
    comparison_rows,
    extra_section,
    from_row,
    lead,
    numbered,
    order_units,
    sections,
    table_rows,
    title,
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


# ------------------------------------------------------------------------------ charts


def report_charts(db_path: Path | str, data: ReportData) -> list:
    """The dashboard's charts of the selection that the report carries, in reading order.
    A map only with an approved base map (审图号) configured; the trend only with two waves;
    per-unit charts only with more than one unit."""
    con = connect_readonly(db_path)
    try:
        items = analysis_charts(
            lambda fn, f: fn(con, f),
            data.filters,
            ChartContext(scope=data.scope.name, wave=data.scope.wave, as_of=data.scope.as_of),
            county=county_name(),
            home_county=config.HOME_COUNTY_CODE,
            with_map=config.base_map() is not None,
        )
    finally:
        con.close()
    by_key = {k: item for item in items for k in item.keys}
    skip = set()
    if data.history_waves < 2:
        skip.add("overview_trend")
    if not data.current["returnees"]:
        skip.add("ret_units")
    if len(data.units) < 2:
        skip |= {"overview_units", "flows_long_term", "lost_rate", "lost_risk", "ret_units"}
    if not data.provinces:
        skip |= {"flows_map", "flows_provinces", "flows_cities"}
    return [by_key[k] for k in REPORT_KEYS if k in by_key and k not in skip]


# ------------------------------------------------------------------------------ writing

_TOPIC_SECTION = {
    "outflow": "outflow",
    "destination": "destination",
    "contact": "contact",
    "returnee": "returnee",
}


def duty_section(db_path: Path | str, wave: str, township: str | None) -> Section:
    """督办事项: each duty rule's count for the report's scope (one township, or the county)."""
    con = connect_readonly(db_path)
    try:
        text = duty_paragraph(con, wave, [township] if township else None)
    finally:
        con.close()
    return extra_section("督办事项", [text])


def build_report(
    db_path: Path | str,
    wave: str,
    township: str | None = None,
    *,
    access: AccessScope | None = None,
    extra: Sequence[Section] = (),
    issued: date | None = None,
) -> bytes:
    """The report as .docx bytes. Raises ReportError when the wave (or township) has no data
    or the account may not report on it. `extra`: sections other features add; the duty
    paragraph (督办事项, issue #17) is always one of them."""
    data = load_report_data(db_path, wave, township, access)
    extra = (duty_section(db_path, wave, township), *extra)
    scope = data.scope
    doc = new_document()
    add_title(doc, title(scope))
    for text in lead(scope):
        add_body(doc, text)
    charts = report_charts(db_path, data)
    placement: dict[str, list] = {}
    for item in charts:
        placement.setdefault(_TOPIC_SECTION[item.topic], []).append(item)
    ordered, order_note = order_units(data.units, config.township_order(), data.unit_label)
    figure = table = 0
    all_sections = sections(
        scope,
        data.current,
        data.previous,
        data.previous_wave,
        data.current_compared,
        provinces=data.provinces,
        cities=data.cities,
        home_province=home_province(),
        units=data.units,
        unit_label=data.unit_label,
        branches=data.branches,
        extra=extra,
    )
    for level, heading, section in numbered(all_sections):
        add_heading(doc, heading, level)
        for i, text in enumerate(section.paragraphs):
            add_body(doc, text, draft_note=section.draft and i == 0)
        if section.key == "compare" and data.previous is not None:
            table += 1
            add_table_title(
                doc,
                f"表{table}　与{wave_label(data.previous_wave)}普查主要指标对比（{COMPARED}）",
            )
            add_table(
                doc,
                COMPARISON_HEADERS,
                comparison_rows(data.current_compared or data.current, data.previous),
                first_mm=48,
            )
        for item in placement.get(section.key, []):
            figure += 1
            add_picture(doc, render_png(item.figure), f"图{figure}　{item.caption}")
    add_body(doc, NOTES, size=14)
    attachments = [f"各{data.unit_label}流动党员情况统计表"]
    if data.previous is not None:
        attachments.append(f"各{data.unit_label}流动党员与上次普查对比表")
    add_body(
        doc,
        "附件：" + "　".join(f"{i}．{a}" for i, a in enumerate(attachments, 1)),
    )
    when = issued or date.today()
    add_signature(
        doc,
        config.report_issuer(scope.name, scope.is_county),
        f"{when.year}年{when.month}月{when.day}日",
    )
    _attachments(doc, data, ordered, order_note, attachments)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _attachments(doc, data: ReportData, ordered, order_note: str, names: list[str]) -> None:
    landscape_section(doc)
    scope = data.scope
    label = data.unit_label
    total_name = f"{scope.name}合计"
    add_heading(doc, "附件1", 1, indent=False)
    add_table_title(doc, f"{scope.name}{names[0]}（{wave_label(scope.wave)}普查）")
    add_body(doc, order_note, size=12)
    headers = [label, *(h for h, _fn in TABLE_COLUMNS)]
    # The total row is the selection's own figures, not a re-sum of the unit rows.
    rows = table_rows(ordered, None) + table_rows([(total_name, data.current)], None)
    wide = [i for i, h in enumerate(headers) if h.endswith("率") or h.startswith("占")]
    add_table(doc, headers, rows, width_mm=237, first_mm=30, wide=wide)
    if data.previous is None:
        return
    add_heading(doc, "附件2", 1, indent=False)
    add_table_title(
        doc,
        f"{scope.name}{names[1]}（{wave_label(data.previous_wave)}—{wave_label(scope.wave)}）",
    )
    add_body(
        doc,
        order_note + f"上期为上次普查，增减为本期减上期，均{COMPARED}；"
        "上次普查未报送的单位上期记为“—”。",
        size=12,
    )
    total = (total_name, data.current_compared or data.current, data.previous)
    add_table(
        doc,
        change_headers(label),
        change_rows(ordered, data.previous_units, total, data.compared_units),
        width_mm=237,
        first_mm=30,
        wide=range(10, 13),
    )


def write_report(db_path: Path | str, wave: str, township: str | None, out: Path) -> Path:
    """CLI edge: build and write atomically, so a failed run never leaves half a document."""
    data = build_report(db_path, wave, township)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

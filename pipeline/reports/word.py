"""The report for leaders: a Word document (python-docx) for one census wave, county-wide or
for one township, in the form of official documents (GB/T 9704, see `report_docx`).

Every figure comes from the dashboard's named metric queries (`pipeline.queries.analysis`), the same
functions the pages call, so a change to a metric's definition reaches the report too; the
wording is `report_text`, the charts the dashboard's own (`pipeline.charts.package`, made
ready for print by `report_charts`), the Word primitives and fonts `report_docx`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipeline import config
from pipeline.access.scope import Scope as AccessScope
from pipeline.charts.base import ChartContext, wave_label
from pipeline.charts.package import analysis_charts
from pipeline.duties.text import duty_paragraph
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
from pipeline.reports.reading import (  # noqa: F401  (the report's names, as callers know them)
    ReportData,
    ReportError,
    county_name,
    home_province,
    load_report_data,
    natural_key,
)
from pipeline.reports.text import (
    COMPARED,
    COMPARISON_HEADERS,
    NOTES,
    TABLE_COLUMNS,
    Section,
    change_headers,
    change_rows,
    comparison_rows,
    extra_section,
    lead,
    numbered,
    order_units,
    sections,
    table_rows,
    title,
)
from pipeline.warehouse.store import connect_readonly

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

"""The report for leaders: a Word document (python-docx) for one census wave, county-wide or
for one township.

Numbers come from `mart_township_wave` (and `mart_branch_wave` for a township's branch table),
the tables the dashboard reads; the wording is `report_text`, the charts `report_charts`, the
Word primitives and Chinese fonts `report_docx`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from dashboard.chart_base import ChartContext
from pipeline import config, metric_sql
from pipeline.report_charts import render_png, report_figures
from pipeline.report_docx import (
    add_body,
    add_picture,
    add_table,
    add_title,
    landscape_section,
    new_document,
)
from pipeline.report_text import (
    TABLE_COLUMNS,
    Scope,
    Totals,
    comparison_totals,
    sections,
    table_rows,
    title,
    totals,
)
from pipeline.warehouse import connect_readonly


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
    townships: list[tuple[str, Totals]]
    history: list[tuple[str, Totals]]  # one per wave up to the report's
    current_compared: Totals | None = None  # this wave over the branches also in the previous


def county_name(full: str = config.HOME_COUNTY_NAME) -> str:
    """'浙江省温州市苍南县' → '苍南县', the name a county report is titled with."""
    name = re.sub(r"^.*?(?:省|自治区)", "", full)
    return re.sub(r"^.*?市(?=.+(?:县|区|市|旗)$)", "", name) or full


# ------------------------------------------------------------------------------ reading


def _records(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def natural_key(name: str) -> list:
    """'第2党支部' before '第10党支部', as a reader counts."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", name or "")
        if part
    ]


def _by(rows: list[dict], key: str) -> list[tuple[str, Totals]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return [(k, totals(groups[k])) for k in sorted(groups, key=natural_key)]


def load_report_data(db_path: Path | str, wave: str, township: str | None = None) -> ReportData:
    con = connect_readonly(db_path)
    try:
        return _load(con, wave, township)
    finally:
        con.close()


def _load(con, wave: str, township: str | None) -> ReportData:
    town = " and township = ?" if township else ""
    extra = [township] if township else []
    rows = _records(
        con,
        f"select * from mart_township_wave where wave = ?{town} order by township",
        [wave, *extra],
    )
    if not rows:
        waves = [
            w
            for (w,) in con.execute(
                f"select distinct wave from mart_township_wave where true{town} order by wave",
                extra,
            ).fetchall()
        ]
        who = township or "全县"
        known = "、".join(waves) if waves else "无"
        raise ReportError(f"{who}没有 {wave} 的普查数据（已有批次：{known}）")
    # The previous wave compared over the branches present in both waves (each count only
    # where both reported it): the same comparison the dashboard makes.
    compared = _records(
        con,
        metric_sql.comparison_sql("where township = ?" if township else ""),
        [*extra, wave, wave],
    )
    prev_wave = compared[0]["prev_wave"] if compared and compared[0]["branches"] else None
    cur_common, prev_side = metric_sql.split_comparison(compared[0]) if prev_wave else (None, None)
    history_rows = _records(
        con, f"select * from mart_township_wave where wave <= ?{town}", [wave, *extra]
    )
    scope = Scope(
        name=township or county_name(),
        wave=wave,
        is_county=township is None,
        # Branches with members registered and branches listed only in the summary sheet
        # (none of their members is away) are all part of the census.
        branches=_scalar(
            con,
            f"""
            select count(*) from (
                select township, branch from units where is_current and wave = ?{town}
                union
                select township, branch from branch_totals where is_current and wave = ?{town}
            )""",
            [wave, *extra, wave, *extra],
        ),
        files=_scalar(
            con,
            f"select count(distinct file_hash) from units where is_current and wave = ?{town}",
            [wave, *extra],
        ),
        rejected_rows=_scalar(
            con,
            f"""
            select count(*) from (
                select distinct file_hash, sheet, excel_row from quarantine
                where file_hash in (select file_hash from units where is_current and wave = ?{town})
            )""",
            [wave, *extra],
        ),
        as_of=_as_of(con, wave),
    )
    townships = _by(rows, "township")
    units, unit_label = townships, "乡镇"
    if township:
        branch_rows = _records(
            con,
            "select * from mart_branch_wave where wave = ? and township = ? order by branch",
            [wave, township],
        )
        units, unit_label = _by(branch_rows, "branch"), "支部"
    return ReportData(
        scope,
        totals(rows),
        comparison_totals(prev_side) if prev_side else None,
        prev_wave,
        units,
        unit_label,
        townships,
        _by(history_rows, "wave"),
        comparison_totals(cur_common) if cur_common else None,
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


# ------------------------------------------------------------------------------ writing


def build_report(db_path: Path | str, wave: str, township: str | None = None) -> bytes:
    """The report as .docx bytes. Raises ReportError when the wave (or township) has no data."""
    data = load_report_data(db_path, wave, township)
    doc = new_document()
    add_title(doc, title(data.scope))
    ctx = ChartContext(scope=data.scope.name, wave=wave, as_of=data.scope.as_of)
    figures = report_figures(ctx, data.current, data.units, data.unit_label, data.history)
    # Each chart follows the section that discusses it.
    placement: dict[str, list] = {}
    for fig in figures:
        placement.setdefault(fig.section, []).append(fig)
    number = 0
    for section in sections(
        data.scope, data.current, data.previous, data.previous_wave, data.current_compared
    ):
        doc.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            add_body(doc, text)
        for fig in placement.get(section.heading[0], []):
            number += 1
            add_picture(doc, render_png(fig.figure), f"图{number}　{fig.caption}")
    add_body(
        doc,
        "说明：流出党员指登记在册且尚未返乡的党员；流出党员占比＝流出党员÷党员总数（支部情况表）；"
        "流动范围各项占比以流出党员总数为分母；长期在外指截至普查月末外出满365天；"
        "失联率＝联系状态为失联的流出党员÷流出党员；“未填报”指报送的表格中没有该项所需的列，"
        "不计为0，也不计入比例和变化；百分比保留两位小数（四舍五入）。",
        size=10.5,
    )
    _appendix(doc, data)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _appendix(doc, data: ReportData) -> None:
    landscape_section(doc)
    headers = [h for h, _fn in TABLE_COLUMNS]
    doc.add_heading(f"附表1　各乡镇流动党员情况（{data.scope.name}）", level=1)
    add_table(doc, ["乡镇", *headers], table_rows(data.townships, f"{data.scope.name}合计"))
    if data.scope.is_county:
        return
    doc.add_heading(f"附表2　{data.scope.name}各支部流动党员情况", level=1)
    # The total row is the township's own figures, not a re-sum of the branch rows.
    rows = table_rows(data.units, None) + table_rows(
        [(f"{data.scope.name}合计", data.current)], None
    )
    add_table(doc, ["党支部", *headers], rows)


def write_report(db_path: Path | str, wave: str, township: str | None, out: Path) -> Path:
    """CLI edge: build and write atomically, so a failed run never leaves half a document."""
    data = build_report(db_path, wave, township)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

"""The written analysis of the leaders' report: metric rows in, Chinese paragraphs out. Pure.

Rows are dicts with the columns of `mart_township_wave`. Percentages go through the
dashboard's `pct` (Decimal, half-up, 2 decimals: 195/957 → 20.38%), so the report and the
dashboard can never disagree by a rounding.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboard.chart_base import fmt_pct, wave_label
from pipeline import metrics, models
from pipeline.metrics import NOT_REPORTED, pct

COUNT_COLUMNS = models.COUNT_COLUMNS
NULLABLE_COUNTS = metrics.NULLABLE
SCOPES = (
    ("scope_cross_province", "跨省"),
    ("scope_cross_city", "省内跨市"),
    ("scope_cross_county", "市内跨县"),
    ("scope_within_county", "县内"),
)


@dataclass(frozen=True)
class Totals:
    """Metric counts summed over townships. members_total only over townships that gave one,
    and outflow_counted is the outflow of exactly those townships: the share's numerator.
    A count no township reported (its register field missing) is None, never 0; `covered`
    says how many of `units` (乡镇, or 支部 for one township) each such count covers."""

    counts: dict[str, int | None]
    members_total: int | None
    outflow_counted: int
    townships: tuple[str, ...]
    townships_with_total: int
    covered: dict[str, int] = field(default_factory=dict)
    units: int = 0
    unit_word: str = "乡镇"

    def __getitem__(self, key: str) -> int | None:
        value = self.counts.get(key, 0)
        return value

    @property
    def outflow_share(self) -> float | None:
        return pct(self.outflow_counted, self.members_total)

    def rate(self, key: str) -> float | None:
        """A count's share of the outflow of the units that reported it (the catalogue's base)."""
        base = metrics.METRICS[key].base if key in metrics.METRICS else None
        den = self[base] if base else None
        # rows written before bases existed carry the count with outflow as its base
        return pct(self[key], self["outflow"] if den is None else den)

    def coverage(self, key: str) -> str:
        """'（5个乡镇填报）' when the count covers fewer units than the total holds."""
        if key not in self.covered or self[key] is None or self.covered[key] >= self.units:
            return ""
        return f"（{self.covered[key]}个{self.unit_word}填报）"


def _int(value) -> int | None:
    return None if value is None or value != value else int(value)  # NaN != NaN


def _sum(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def totals(rows: Iterable[dict]) -> Totals:
    rows = list(rows)
    counts = {
        c: _sum([_int(r.get(c)) for r in rows])
        if c in NULLABLE_COUNTS or c.endswith("_base")
        else sum(_int(r.get(c)) or 0 for r in rows)
        for c in COUNT_COLUMNS
    }
    with_total = [r for r in rows if _int(r.get("members_total")) is not None]
    if len(rows) == 1 and "branches" in rows[0]:
        # one township: coverage is counted in its branches
        row = rows[0]
        covered = {c: _int(row.get(f"{c}_branches")) or 0 for c in NULLABLE_COUNTS}
        units, word = _int(row.get("branches")) or 0, "支部"
    else:
        covered = {c: sum(_int(r.get(c)) is not None for r in rows) for c in NULLABLE_COUNTS}
        units, word = len(rows), "乡镇"
    return Totals(
        counts=counts,
        members_total=sum(_int(r["members_total"]) for r in with_total) if with_total else None,
        outflow_counted=sum(_int(r.get("outflow")) or 0 for r in with_total),
        townships=tuple(sorted({r["township"] for r in rows if r.get("township")})),
        townships_with_total=len(with_total),
        covered=covered,
        units=units,
        unit_word=word,
    )


def comparison_totals(row: dict) -> Totals:
    """One side of `metric_sql.comparison_sql` (the compared branches) as Totals."""
    counts = {c: _int(row.get(c)) for c in COUNT_COLUMNS}
    total = _int(row.get("members_total"))
    return Totals(
        counts=counts,
        members_total=total,
        outflow_counted=_int(row.get("outflow_counted")) or 0,
        townships=(),
        townships_with_total=0,
    )


@dataclass(frozen=True)
class Scope:
    """What the report covers, as read from the warehouse."""

    name: str  # 苍南县 or xx镇
    wave: str
    is_county: bool
    branches: int
    files: int
    rejected_rows: int
    as_of: str | None = None


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)


def _month_end(wave: str) -> str:
    year, month = (int(x) for x in wave.split("-")[:2])
    return f"{year}年{month}月{calendar.monthrange(year, month)[1]}日"


def title(scope: Scope) -> str:
    return f"{scope.name}流动党员普查分析报告（{wave_label(scope.wave)}）"


def _share_of(n: int, total: int) -> str:
    return fmt_pct(pct(n, total))


def scope_section(scope: Scope, cur: Totals) -> Section:
    where = f"{scope.name}{len(cur.townships)}个乡镇（街道）" if scope.is_county else scope.name
    back = f"（其中已返乡{cur['returnees']}名）" if cur["returnees"] else ""
    text = (
        f"本报告依据{wave_label(scope.wave)}流动党员普查数据，范围为{where}的{scope.branches}个党支部，"
        f"共{scope.files}份普查表，登记流动党员{cur['registered']}名{back}。"
    )
    if scope.is_county and len(cur.townships) <= 12:
        text += f"报送乡镇：{'、'.join(cur.townships)}。"
    n = len(cur.townships)
    if cur.members_total is None:
        text += "各单位均未报送支部党员总数，暂不计算流出党员占党员总数的比例。"
    elif cur.townships_with_total < n:
        text += (
            f"其中{cur.townships_with_total}个乡镇报送了支部党员总数（合计{cur.members_total}名），"
            "流出党员占比按这些乡镇计算。"
        )
    else:
        text += f"各支部报送党员总数合计{cur.members_total}名。"
    if scope.rejected_rows:
        text += (
            f"另有{scope.rejected_rows}行登记数据因信息有误未能入库，已生成问题清单退回更正，"
            "不计入本报告统计。"
        )
    paragraphs = [text]
    stat = f"统计时点：{wave_label(scope.wave)}普查（截至{_month_end(scope.wave)}）"
    paragraphs.append(stat + (f"；数据更新于{scope.as_of}。" if scope.as_of else "。"))
    return Section("一、普查范围", paragraphs)


def outflow_section(
    scope: Scope,
    cur: Totals,
    prev: Totals | None,
    prev_wave: str | None,
    cur_common: Totals | None = None,
) -> Section:
    outflow = cur["outflow"]
    text = f"{scope.name}现有流出党员{outflow}名"
    share = cur.outflow_share
    if share is None:
        text += "（未报送党员总数，暂不计算占比）"
    else:
        text += f"，占党员总数的{fmt_pct(share)}"
        if cur.townships_with_total < len(cur.townships):
            text += f"（按报送了党员总数的{cur.townships_with_total}个乡镇计）"
    if outflow == 0:
        return Section("二、流出党员基本情况", [text + "。"])
    bits = []
    for i, (key, label) in enumerate(SCOPES):
        n = cur[key]
        if i == 0:
            bits.append(f"其中{label}流动党员{n}名，占流动党员总数的{_share_of(n, outflow)}")
        else:
            bits.append(f"{label}流动党员{n}名，占{_share_of(n, outflow)}")
    if cur["scope_unknown"]:
        bits.append(
            f"另有{cur['scope_unknown']}名流入地不详或无法识别，"
            f"占{_share_of(cur['scope_unknown'], outflow)}"
        )
    text += "，" + "；".join(bits) + "。"
    long_term = cur["long_term"]
    if long_term is None:
        second = f"从外出时间看，长期在外（外出满一年）党员{NOT_REPORTED}（各单位未填报流出时间）。"
    else:
        second = (
            f"从外出时间看，长期在外（外出满一年）党员{long_term}名{cur.coverage('long_term')}，"
            f"占流出党员的{fmt_pct(cur.rate('long_term'))}。"
        )
    if prev is not None and prev_wave:
        common = cur_common if cur_common is not None else cur
        diff = (common["outflow"] or 0) - (prev["outflow"] or 0)
        move = f"增加{diff}名" if diff > 0 else f"减少{-diff}名" if diff < 0 else "持平"
        second += f"与{wave_label(prev_wave)}普查相比（按两次均报送的支部计），流出党员{move}。"
    return Section("二、流出党员基本情况", [text, second])


def _points(now: float | None, before: float | None) -> str:
    d = round(now - before, 2)
    if d == 0:
        return "持平"
    return f"{'上升' if d > 0 else '下降'}{abs(d):.2f}个百分点"


def contact_section(
    cur: Totals, prev: Totals | None, prev_wave: str | None, cur_common: Totals | None = None
) -> Section:
    outflow = cur["outflow"]
    lost = cur["lost_contact"]
    common = cur_common if cur_common is not None else cur
    if lost is None:
        text = f"失联党员{NOT_REPORTED}（各单位未填报联系状态）"
    else:
        text = (
            f"失联党员{lost}名{cur.coverage('lost_contact')}，"
            f"失联率{fmt_pct(cur.rate('lost_contact'))}"
        )
        before = prev.rate("lost_contact") if prev is not None else None
        now = common.rate("lost_contact")
        if before is not None and now is not None:
            text += (
                f"，较{wave_label(prev_wave)}普查（按两次均报送的支部计，{fmt_pct(before)}）"
                f"{_points(now, before)}"
            )
        elif outflow:
            text += "（此前无可比普查数据，暂不比较变化）"
    text += "。"
    if outflow:
        risk, two = cur["at_risk"], cur["two_nots"]
        if risk is None:
            text += f"失联风险党员{NOT_REPORTED}（未填报最近联系时间）"
        else:
            text += f"超过180天未联系、尚未列为失联的党员{risk}名{cur.coverage('at_risk')}" + (
                "，存在失联风险，需尽快联系核实" if risk else ""
            )
        if two is None:
            text += f"；“两不管”党员{NOT_REPORTED}（未填报流入地党组织）。"
        else:
            text += (
                f"；既未纳入流入地党组织管理、又超过180天未联系的“两不管”党员{two}名"
                f"{cur.coverage('two_nots')}（与失联、失联风险党员有重叠）。"
            )
    manage = ""
    if outflow:
        bits = []
        for key, words, rate_word in (
            ("dual_managed", "已纳入流入地党组织双重管理", "占流出党员的"),
            ("certified", "持《流动党员活动证》", "持证率"),
        ):
            if cur[key] is None:
                bits.append(f"{words}{NOT_REPORTED}")
            else:
                bits.append(
                    f"{words}{cur[key]}名{cur.coverage(key)}，{rate_word}{fmt_pct(cur.rate(key))}"
                )
        manage = "；".join(bits) + "。"
    return Section("三、联系与管理", [p for p in (text, manage) if p])


def returnee_section(cur: Totals) -> Section:
    returnees = cur["returnees"]
    if not returnees:
        return Section("四、返乡创业", ["本次普查登记的党员中暂无返乡党员。"])
    text = (
        f"已返乡党员{returnees}名，其中返乡创办企业（创业项目）{cur['enterprises']}个，"
        f"带动就业{cur['jobs_created']}人。"
    )
    return Section("四、返乡创业", [text])


def sections(
    scope: Scope,
    cur: Totals,
    prev: Totals | None = None,
    prev_wave: str | None = None,
    cur_common: Totals | None = None,
) -> list[Section]:
    """Every analysis section in reading order. Changes compare `cur_common` (this wave over
    the branches present in both waves) with `prev`."""
    return [
        scope_section(scope, cur),
        outflow_section(scope, cur, prev, prev_wave, cur_common),
        contact_section(cur, prev, prev_wave, cur_common),
        returnee_section(cur),
    ]


def _shown(value: int | None) -> str:
    return NOT_REPORTED if value is None else str(value)


def _shown_rate(t: Totals, key: str) -> str:
    """A rate cell: 未填报, or the rate and, for a partly reported total, its coverage."""
    return NOT_REPORTED if t[key] is None else fmt_pct(t.rate(key)) + t.coverage(key)


# Appendix table: (header, value of a row's Totals) in column order.
TABLE_COLUMNS: tuple[tuple[str, object], ...] = (
    ("党员总数", lambda t: "—" if t.members_total is None else str(t.members_total)),
    ("流出党员", lambda t: str(t["outflow"])),
    ("占党员总数", lambda t: fmt_pct(t.outflow_share)),
    ("跨省", lambda t: str(t["scope_cross_province"])),
    ("省内跨市", lambda t: str(t["scope_cross_city"])),
    ("市内跨县", lambda t: str(t["scope_cross_county"])),
    ("县内", lambda t: str(t["scope_within_county"])),
    ("流入地不详", lambda t: str(t["scope_unknown"])),
    ("长期在外", lambda t: _shown(t["long_term"])),
    ("失联", lambda t: _shown(t["lost_contact"])),
    ("失联率", lambda t: _shown_rate(t, "lost_contact")),
    ("持证率", lambda t: _shown_rate(t, "certified")),
    ("返乡", lambda t: str(t["returnees"])),
    ("创业", lambda t: str(t["enterprises"])),
    ("带动就业", lambda t: str(t["jobs_created"])),
)


def table_rows(units: list[tuple[str, Totals]], total_label: str | None) -> list[list[str]]:
    """One row per unit, plus a total row when there is more than one unit."""
    rows = [[name, *(fn(t) for _h, fn in TABLE_COLUMNS)] for name, t in units]
    if total_label and len(units) > 1:
        merged = totals_of([t for _n, t in units])
        rows.append([total_label, *(fn(merged) for _h, fn in TABLE_COLUMNS)])
    return rows


def totals_of(parts: list[Totals]) -> Totals:
    with_total = [t for t in parts if t.members_total is not None]
    return Totals(
        counts={
            c: _sum([t[c] for t in parts])
            if c in NULLABLE_COUNTS or c.endswith("_base")
            else sum(t[c] or 0 for t in parts)
            for c in COUNT_COLUMNS
        },
        members_total=sum(t.members_total for t in with_total) if with_total else None,
        outflow_counted=sum(t.outflow_counted for t in parts),
        townships=tuple(sorted({n for t in parts for n in t.townships})),
        townships_with_total=sum(t.townships_with_total for t in parts),
        covered={c: sum(t[c] is not None for t in parts) for c in NULLABLE_COUNTS},
        units=len(parts),
        unit_word=parts[0].unit_word if len(parts) == 1 else "乡镇",
    )

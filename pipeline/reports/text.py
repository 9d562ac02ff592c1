"""The written analysis of the leaders' report: metric rows in, Chinese paragraphs out. Pure.

Rows are dicts with the columns of the dashboard's metric queries (`metrics_by_wave`,
`metrics_by_township`, `metrics_by_branch`). Percentages go through the dashboard's `pct`
(Decimal, half-up, 2 decimals: 195/957 → 20.38%), so the report and the dashboard can never
disagree by a rounding. The data model is `report_model`, the drafted 存在问题 / 下步建议
`report_draft`, the tables `report_tables` (re-exported here: one import for the report).

Sections are returned unnumbered; `numbered()` numbers them in reading order (一、 / （一）),
so extra sections handed in by other features (e.g. a 督办 paragraph, `extra_section`) take
their place without renumbering anything by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.charts.base import fmt_pct, wave_label
from pipeline.reports.draft import problems_section, suggestions_section, worst_units  # noqa: F401
from pipeline.reports.model import (  # noqa: F401  (re-exported)
    COUNT_COLUMNS,
    DRAFT_NOTE,
    NOT_REPORTED,
    SCOPES,
    Scope,
    Section,
    Totals,
    census_point,
    count_cover,
    count_text,
    extra_section,
    from_row,
    numbered,
    rate_cover,
    rate_text,
    share_of,
    stat_point,
    totals,
)
from pipeline.reports.tables import (  # noqa: F401  (re-exported)
    COMPARISON_HEADERS,
    TABLE_COLUMNS,
    change_headers,
    change_rows,
    comparison_rows,
    order_units,
    table_rows,
    totals_of,
)

# Every change against the previous census is over the branches present in both waves
# (metric_sql.comparison_sql), and says so.
COMPARED = "按两次均报送的支部计"

# ------------------------------------------------------------------------------ wording


def title(scope: Scope) -> str:
    return f"关于{scope.name}{wave_label(scope.wave)}流动党员普查情况的报告"


def lead(scope: Scope) -> list[str]:
    who = "全县各乡镇（街道）" if scope.is_county else scope.name
    return [
        f"根据流动党员管理工作安排，{wave_label(scope.wave)}对{who}流动党员开展了集中普查。"
        "现将普查情况报告如下。",
        stat_point(scope.wave, scope.as_of),
    ]


def scope_section(scope: Scope, cur: Totals) -> Section:
    where = f"{scope.name}{len(cur.townships)}个乡镇（街道）" if scope.is_county else scope.name
    back = f"（其中已返乡{cur['returnees']}名）" if cur["returnees"] else ""
    text = (
        f"本次普查范围为{where}的{scope.branches}个党支部，共收到普查表{scope.files}份，"
        f"登记流动党员{cur['registered']}名{back}。"
    )
    if scope.is_county and len(cur.townships) <= 12:
        text += f"报送乡镇：{'、'.join(cur.townships)}。"
    if scope.absent:
        # as the overview says it: the county's figures hold only the townships that reported
        seen = len(cur.townships) + len(scope.absent)
        text += (
            f"尚未收到{'、'.join(scope.absent[:12])}{'等' if len(scope.absent) > 12 else ''}"
            f"的报送（历次共出现{seen}个乡镇），全县数字只含已报送乡镇。"
        )
    n = len(cur.townships)
    if cur.members_total is None:
        text += "各单位均未报送支部党员总数，暂不计算流出党员占党员总数的比例。"
    elif scope.is_county and cur.townships_with_total < n:
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
    return Section("普查范围", [text], key="scope")


def outflow_section(
    scope: Scope,
    cur: Totals,
    prev: Totals | None,
    prev_wave: str | None,
    cur_common: Totals | None = None,
) -> Section:
    outflow = cur.n("outflow")
    text = f"{scope.name}现有流出党员{outflow}名"
    share = cur.outflow_share
    if share is None:
        text += "（未报送党员总数，暂不计算占比）"
    else:
        text += f"，占党员总数的{fmt_pct(share)}"
        if scope.is_county and cur.townships_with_total < len(cur.townships):
            text += f"（按报送了党员总数的{cur.townships_with_total}个乡镇计）"
        elif not scope.is_county and "members_total" in cur.covered:
            text += cur.coverage("members_total")  # （1个支部填报）: branches that gave one
    if outflow == 0:
        return Section("流出党员总体情况", [text + "。"], key="outflow")
    bits = []
    for i, (key, label) in enumerate(SCOPES):
        n = cur.n(key)
        if i == 0:
            bits.append(f"其中{label}流动党员{n}名，占流动党员总数的{share_of(n, outflow)}")
        else:
            bits.append(f"{label}流动党员{n}名，占{share_of(n, outflow)}")
    if cur["scope_unknown"]:
        bits.append(
            f"另有{cur['scope_unknown']}名流入地不详或无法识别，"
            f"占{share_of(cur['scope_unknown'], outflow)}"
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
        before, now = prev.n("outflow"), common.n("outflow")
        diff = now - before
        move = f"增加{diff}名" if diff > 0 else f"减少{-diff}名" if diff < 0 else "持平"
        second += (
            f"与{wave_label(prev_wave)}普查相比（{COMPARED}），流出党员{move}"
            f"（{before}名→{now}名）。"
        )
    return Section("流出党员总体情况", [text, second], key="outflow")


def _points(now: float | None, before: float | None) -> str:
    d = round(now - before, 2)
    if d == 0:
        return "持平"
    return f"{'上升' if d > 0 else '下降'}{abs(d):.2f}个百分点"


def comparison_section(
    cur: Totals, prev: Totals | None, prev_wave: str | None, cur_common: Totals | None = None
) -> Section:
    """The changes against the previous census, over the branches present in both waves
    (`cur_common`); a count either wave did not report is left out, not read as 0."""
    if prev is None or not prev_wave:
        return Section(
            "与上次普查对比",
            ["此前没有可比的普查数据，本次普查作为今后比较的基数。"],
            key="compare",
        )
    common = cur_common if cur_common is not None else cur
    moves = []
    for key, label in (
        ("outflow", "流出党员"),
        ("long_term", "长期在外党员"),
        ("lost_contact", "失联党员"),
    ):
        if common[key] is None or prev[key] is None:
            continue
        d = common[key] - prev[key]
        moves.append(
            f"{label}{'增加' if d > 0 else '减少' if d < 0 else '持平'}"
            + (f"{abs(d)}名" if d else "")
        )
    rates = []
    for key, label in (("lost_contact", "失联率"), ("certified", "持证率")):
        now, before = common.rate(key), prev.rate(key)
        if common[key] is not None and prev[key] is not None and None not in (now, before):
            rates.append(f"{label}由{fmt_pct(before)}变为{fmt_pct(now)}，{_points(now, before)}")
    text = (
        f"与{wave_label(prev_wave)}普查相比（{COMPARED}），"
        + "，".join(moves + rates)
        + "（详见表1）。"
    )
    return Section("与上次普查对比", [text], key="compare")


def destination_section(
    scope: Scope,
    cur: Totals,
    provinces: Sequence[tuple[str, int]],
    cities: Sequence[tuple[str, int]],
    home_province: str,
) -> Section:
    """Where members went: provinces (home province apart), then the leading cities.
    provinces/cities: (name, outflow), largest first, as the destination queries return them."""
    outflow = cur.n("outflow")
    if not outflow or not provinces:
        return Section("流向分布", ["所选范围内暂无可定位流入地的流出党员。"], key="destination")
    located = sum(n for _p, n in provinces)
    home = sum(n for p, n in provinces if p == home_province)
    away = [(p, n) for p, n in provinces if p != home_province]
    text = f"从流入省份看，{scope.name}流出党员分布在{len(provinces)}个省（区、市）。"
    if home:
        text += f"留在{home_province}的{home}名，占流出党员的{share_of(home, outflow)}；"
    if away:
        out_n = located - home
        lead_ = "、".join(f"{p}（{n}名，占{share_of(n, outflow)}）" for p, n in away[:3])
        text += f"流入省外的{out_n}名，占{share_of(out_n, outflow)}，主要流入{lead_}。"
    else:
        text = text.rstrip("；") + "，无流入省外的党员。"
    unknown = outflow - located
    if unknown > 0:
        text += f"另有{unknown}名流入地不详或未能识别到省份。"
    paragraphs = [text]
    if cities:
        top = list(cities[:5])
        top_n = sum(n for _c, n in top)
        listing = "、".join(f"{c}（{n}名，占{share_of(n, outflow)}）" for c, n in top)
        paragraphs.append(
            f"从流入城市看，流出党员最多的{len(top)}个城市依次为{listing}，"
            f"合计{top_n}名，占流出党员的{share_of(top_n, outflow)}。"
        )
    return Section("流向分布", paragraphs, key="destination")


def contact_section(
    cur: Totals, prev: Totals | None, prev_wave: str | None, cur_common: Totals | None = None
) -> Section:
    outflow = cur.n("outflow")
    lost = cur["lost_contact"]
    common = cur_common if cur_common is not None else cur
    if lost is None:
        text = f"失联党员{NOT_REPORTED}（各单位未填报联系状态）"
    else:
        text = f"失联党员{count_cover(cur, 'lost_contact')}，失联率{rate_text(cur, 'lost_contact')}"
        before = prev.rate("lost_contact") if prev is not None else None
        now = common.rate("lost_contact")
        if before is not None and now is not None:
            text += (
                f"，较{wave_label(prev_wave)}普查（{COMPARED}，{fmt_pct(before)}）"
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
            text += f"超过180天未联系、尚未列为失联的党员{count_cover(cur, 'at_risk')}" + (
                "，存在失联风险，需尽快联系核实" if risk else ""
            )
        if two is None:
            text += f"；“两不管”党员{NOT_REPORTED}（未填报流入地党组织）。"
        else:
            text += (
                "；既未纳入流入地党组织管理、又超过180天未联系的“两不管”党员"
                f"{count_cover(cur, 'two_nots')}（与失联、失联风险党员有重叠）。"
            )
    manage = ""
    if outflow:
        bits = []
        for key, words, rate_word in (
            ("dual_managed", "已纳入流入地党组织双重管理", "占流出党员的"),
            ("certified", "持《流动党员活动证》", "持证率"),
        ):
            if cur[key] is None:
                # the rate is named too: a reader looks for 持证率 and finds 未填报, not 0.00%
                rate = f"，{rate_word}{NOT_REPORTED}" if rate_word == "持证率" else ""
                bits.append(f"{words}{NOT_REPORTED}{rate}")
            else:
                bits.append(f"{words}{count_cover(cur, key)}，{rate_word}{rate_text(cur, key)}")
        manage = "；".join(bits) + "。"
    return Section("联系与管理", [p for p in (text, manage) if p], key="contact")


def returnee_section(cur: Totals) -> Section:
    returnees = cur["returnees"]
    if not returnees:
        return Section("返乡创业", ["本次普查登记的党员中暂无返乡党员。"], key="returnee")
    text = (
        f"已返乡党员{returnees}名，其中返乡创办企业（创业项目）{count_text(cur['enterprises'], '个')}，"
        f"带动就业{count_text(cur['jobs_created'], '人')}。"
    )
    return Section("返乡创业", [text], key="returnee")


def sections(
    scope: Scope,
    cur: Totals,
    prev: Totals | None = None,
    prev_wave: str | None = None,
    cur_common: Totals | None = None,
    *,
    provinces: Sequence[tuple[str, int]] = (),
    cities: Sequence[tuple[str, int]] = (),
    home_province: str = "",
    units: Sequence[tuple[str, Totals]] = (),
    unit_label: str = "乡镇",
    branches: Sequence[tuple[str, Totals]] = (),
    extra: Sequence[Section] = (),
) -> list[Section]:
    """Every section in reading order. Changes compare `cur_common` (this wave over the
    branches present in both waves) with `prev`. `extra`: sections other features add (e.g. a
    short 督办 paragraph from `extra_section`), placed after 返乡创业 and before 存在问题."""
    basics = Section(
        "基本情况",
        children=[
            scope_section(scope, cur),
            outflow_section(scope, cur, prev, prev_wave, cur_common),
            comparison_section(cur, prev, prev_wave, cur_common),
        ],
    )
    return [
        basics,
        destination_section(scope, cur, provinces, cities, home_province),
        contact_section(cur, prev, prev_wave, cur_common),
        returnee_section(cur),
        *extra,
        problems_section(scope, cur, units, unit_label, branches or units),
        suggestions_section(scope, cur, units, unit_label, branches or units),
    ]


NOTES = (
    "说明：流出党员指登记在册且尚未返乡的党员；流出党员占比＝流出党员÷党员总数（支部情况表，只计报送了党员总数的支部）；"
    "流动范围各项占比以流出党员总数为分母；长期在外指截至普查月末外出满365天；"
    "失联率＝联系状态为失联的流出党员÷填报联系状态的单位的流出党员；"
    "“两不管”指未纳入流入地党组织管理且超过180天未联系；"
    "“未填报”指报送的表格中没有该项所需的列或该列全部空白，不计为0，也不计入比例和变化；"
    "与上次普查比较均按两次均报送的支部计；百分比保留两位小数（四舍五入）。"
)

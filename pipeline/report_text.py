"""The written analysis of the leaders' report: metric rows in, Chinese paragraphs out. Pure.

Rows are dicts with the columns of the dashboard's metric queries (`metrics_by_wave`,
`metrics_by_township`, `metrics_by_branch`). Percentages go through the dashboard's `pct`
(Decimal, half-up, 2 decimals: 195/957 → 20.38%), so the report and the dashboard can never
disagree by a rounding. A count the registers did not carry arrives as None and is written
未填报, never 0.

Sections are returned unnumbered; `numbered()` numbers them in reading order (一、 / （一）),
so extra sections handed in by other features (e.g. a 督办 paragraph) take their place
without renumbering anything by hand.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dashboard.chart_base import fmt_pct, pct, wave_label
from pipeline import models

COUNT_COLUMNS = models.COUNT_COLUMNS
SCOPES = (
    ("scope_cross_province", "跨省"),
    ("scope_cross_city", "省内跨市"),
    ("scope_cross_county", "市内跨县"),
    ("scope_within_county", "县内"),
)
NOT_REPORTED = "未填报"
DRAFT_NOTE = "（初稿：本部分由系统根据普查数据自动起草，请分析人员核实、修改后删除本提示。）"
CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Totals:
    """Metric counts of one unit (county, township or branch). members_total only over
    townships that gave one, and outflow_counted is the outflow of exactly those townships:
    the share's numerator. A count is None when no register of the unit carried it."""

    counts: dict[str, int | None]
    members_total: int | None
    outflow_counted: int
    townships: tuple[str, ...]
    townships_with_total: int

    def __getitem__(self, key: str) -> int | None:
        value = self.counts.get(key, 0)
        return value

    def n(self, key: str) -> int:
        """The count, 0 where not reported: for sums and comparisons only, never for text."""
        return self.counts.get(key) or 0

    @property
    def outflow_share(self) -> float | None:
        return pct(self.outflow_counted, self.members_total)

    def rate(self, key: str) -> float | None:
        return pct(self[key], self.n("outflow"))


def _int(value) -> int | None:
    return None if value is None or value != value else int(value)  # NaN != NaN


def totals(rows: Iterable[dict]) -> Totals:
    """Sum mart rows (one per township or branch) into one unit's totals."""
    rows = list(rows)
    counts = {}
    for c in COUNT_COLUMNS:
        values = [_int(r.get(c)) for r in rows if c in r]
        given = [v for v in values if v is not None]
        counts[c] = sum(given) if given or not values else None
    with_total = [r for r in rows if _int(r.get("members_total")) is not None]
    return Totals(
        counts=counts,
        members_total=sum(_int(r["members_total"]) for r in with_total) if with_total else None,
        outflow_counted=sum(_int(r.get("outflow")) or 0 for r in with_total),
        townships=tuple(sorted({r["township"] for r in rows})),
        townships_with_total=len(with_total),
    )


def from_row(row: dict, townships: Sequence[str], with_total: int) -> Totals:
    """One row of a metric query (already summed in SQL) as Totals."""
    counted = _int(row.get("outflow_counted"))
    members = _int(row.get("members_total"))
    if counted is None:
        counted = _int(row.get("outflow")) or 0 if members is not None else 0
    return Totals(
        counts={c: _int(row.get(c)) for c in COUNT_COLUMNS},
        members_total=members,
        outflow_counted=counted,
        townships=tuple(townships),
        townships_with_total=with_total,
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
    heading: str  # without its number: numbered() adds 一、 or （一）
    paragraphs: list[str] = field(default_factory=list)
    key: str = ""  # where the report places this section's charts and tables
    draft: bool = False  # drafted from the data for the analyst to edit
    children: list[Section] = field(default_factory=list)


def extra_section(heading: str, paragraphs: Sequence[str], *, draft: bool = False) -> Section:
    """A section another feature adds to the report (e.g. 督办事项), numbered in place."""
    return Section(heading, list(paragraphs), key="extra", draft=draft)


def numbered(sections: Sequence[Section]) -> list[tuple[int, str, Section]]:
    """(level, numbered heading, section) in reading order: 一、… and （一）… under it."""
    out = []
    for i, section in enumerate(sections):
        out.append((1, f"{_cn(i + 1)}、{section.heading}", section))
        for j, child in enumerate(section.children):
            out.append((2, f"（{_cn(j + 1)}）{child.heading}", child))
    return out


def _cn(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMBERS[n - 1]
    return f"十{CHINESE_NUMBERS[n - 11]}" if n < 20 else str(n)


# ------------------------------------------------------------------------------ wording


def census_point(wave: str) -> str:
    """'2022-04' → '2022年4月普查（截至2022年4月30日）': the census wave, end of its month."""
    label = wave_label(wave)
    try:
        year, month = (int(p) for p in wave.split("-")[:2])
        day = calendar.monthrange(year, month)[1]
        return f"{label}普查（截至{year}年{month}月{day}日）"
    except ValueError:
        return f"{label}普查"


def title(scope: Scope) -> str:
    return f"关于{scope.name}{wave_label(scope.wave)}流动党员普查情况的报告"


def lead(scope: Scope) -> list[str]:
    who = "全县各乡镇（街道）" if scope.is_county else scope.name
    return [
        f"根据流动党员管理工作安排，{wave_label(scope.wave)}对{who}流动党员开展了集中普查。"
        "现将普查情况报告如下。",
        f"统计时点：{census_point(scope.wave)}。",
    ]


def _n(value: int | None, unit: str = "名") -> str:
    return NOT_REPORTED if value is None else f"{value}{unit}"


def _share_of(n: int | None, total: int | None) -> str:
    return fmt_pct(pct(n, total))


def scope_section(scope: Scope, cur: Totals) -> Section:
    where = f"{scope.name}{len(cur.townships)}个乡镇（街道）" if scope.is_county else scope.name
    back = f"（其中已返乡{cur['returnees']}名）" if cur["returnees"] else ""
    text = (
        f"本次普查范围为{where}的{scope.branches}个党支部，共收到普查表{scope.files}份，"
        f"登记流动党员{cur['registered']}名{back}。"
    )
    if scope.is_county and len(cur.townships) <= 12:
        text += f"报送乡镇：{'、'.join(cur.townships)}。"
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
    scope: Scope, cur: Totals, prev: Totals | None, prev_wave: str | None
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
    if outflow == 0:
        return Section("流出党员总体情况", [text + "。"], key="outflow")
    bits = []
    for i, (key, label) in enumerate(SCOPES):
        n = cur.n(key)
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
    second = (
        f"从外出时间看，长期在外（外出满一年）党员{_n(long_term)}，"
        f"占流出党员的{_share_of(long_term, outflow)}。"
    )
    if prev is not None and prev_wave:
        diff = outflow - prev.n("outflow")
        move = f"增加{diff}名" if diff > 0 else f"减少{-diff}名" if diff < 0 else "持平"
        basis = "（按两次均报送的乡镇计）" if scope.is_county else ""
        second += (
            f"与{wave_label(prev_wave)}普查相比{basis}，流出党员{move}"
            f"（{prev.n('outflow')}名→{outflow}名）。"
        )
    return Section("流出党员总体情况", [text, second], key="outflow")


def _points(now: float | None, before: float | None) -> str:
    d = round(now - before, 2)
    if d == 0:
        return "持平"
    return f"{'上升' if d > 0 else '下降'}{abs(d):.2f}个百分点"


def comparison_section(cur: Totals, prev: Totals | None, prev_wave: str | None) -> Section:
    if prev is None or not prev_wave:
        return Section(
            "与上次普查对比",
            ["此前没有可比的普查数据，本次普查作为今后比较的基数。"],
            key="compare",
        )
    moves = []
    for key, label in (
        ("outflow", "流出党员"),
        ("long_term", "长期在外党员"),
        ("lost_contact", "失联党员"),
    ):
        if cur[key] is None or prev[key] is None:
            continue
        d = cur[key] - prev[key]
        moves.append(
            f"{label}{'增加' if d > 0 else '减少' if d < 0 else '持平'}"
            + (f"{abs(d)}名" if d else "")
        )
    rates = []
    for key, label in (("lost_contact", "失联率"), ("certified", "持证率")):
        now, before = cur.rate(key), prev.rate(key)
        if now is not None and before is not None:
            rates.append(f"{label}由{fmt_pct(before)}变为{fmt_pct(now)}，{_points(now, before)}")
    text = f"与{wave_label(prev_wave)}普查相比，" + "，".join(moves + rates) + "（详见表1）。"
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
        text += f"留在{home_province}的{home}名，占流出党员的{_share_of(home, outflow)}；"
    if away:
        out_n = located - home
        lead_ = "、".join(f"{p}（{n}名，占{_share_of(n, outflow)}）" for p, n in away[:3])
        text += f"流入省外的{out_n}名，占{_share_of(out_n, outflow)}，主要流入{lead_}。"
    else:
        text = text.rstrip("；") + "，无流入省外的党员。"
    unknown = outflow - located
    if unknown > 0:
        text += f"另有{unknown}名流入地不详或未能识别到省份。"
    paragraphs = [text]
    if cities:
        top = list(cities[:5])
        top_n = sum(n for _c, n in top)
        listing = "、".join(f"{c}（{n}名，占{_share_of(n, outflow)}）" for c, n in top)
        paragraphs.append(
            f"从流入城市看，流出党员最多的{len(top)}个城市依次为{listing}，"
            f"合计{top_n}名，占流出党员的{_share_of(top_n, outflow)}。"
        )
    return Section("流向分布", paragraphs, key="destination")


def contact_section(cur: Totals, prev: Totals | None, prev_wave: str | None) -> Section:
    outflow = cur.n("outflow")
    lost = cur["lost_contact"]
    text = f"失联党员{_n(lost)}，失联率{fmt_pct(cur.rate('lost_contact'))}"
    before = prev.rate("lost_contact") if prev is not None else None
    if before is not None and cur.rate("lost_contact") is not None:
        text += f"，较{wave_label(prev_wave)}普查（{fmt_pct(before)}）{_points(cur.rate('lost_contact'), before)}"
    elif outflow:
        text += "（此前无可比普查数据，暂不比较变化）"
    text += "。"
    if outflow:
        risk = cur["at_risk"]
        text += (
            f"超过180天未联系、尚未列为失联的党员{_n(risk)}"
            + ("，存在失联风险，需尽快联系核实" if risk else "")
            + f"；既未纳入流入地党组织管理、又超过180天未联系的“两不管”党员{_n(cur['two_nots'])}。"
        )
    manage = ""
    if outflow:
        manage = (
            f"已纳入流入地党组织双重管理{_n(cur['dual_managed'])}，"
            f"占流出党员的{_rate_text(cur, 'dual_managed')}；"
            f"持《流动党员活动证》{_n(cur['certified'])}，持证率{_rate_text(cur, 'certified')}。"
        )
    return Section("联系与管理", [p for p in (text, manage) if p], key="contact")


def _rate_text(cur: Totals, key: str) -> str:
    return NOT_REPORTED if cur[key] is None else fmt_pct(cur.rate(key))


def returnee_section(cur: Totals) -> Section:
    returnees = cur["returnees"]
    if not returnees:
        return Section("返乡创业", ["本次普查登记的党员中暂无返乡党员。"], key="returnee")
    text = (
        f"已返乡党员{returnees}名，其中返乡创办企业（创业项目）{_n(cur['enterprises'], '个')}，"
        f"带动就业{_n(cur['jobs_created'], '人')}。"
    )
    return Section("返乡创业", [text], key="returnee")


# ------------------------------------------------------------------------------ the draft


@dataclass(frozen=True)
class Worst:
    """The units that stand out on one measure, each named with its numbers."""

    what: str  # 失联 / “两不管” / 持证率
    items: tuple[str, ...]  # 'xx镇第一党支部（失联3名，失联率10.00%）'
    names: tuple[str, ...]
    not_reported: int = 0  # units whose registers do not carry the field


def worst_units(units: Sequence[tuple[str, Totals]], *, top: int = 3) -> list[Worst]:
    """The three worst units on lost contact (rate, then count), two-nots (count) and
    certificates (lowest rate). Units without outflow are skipped; a unit whose registers do
    not carry a field is counted apart, never ranked as 0."""
    out = []
    lost = [(n, t) for n, t in units if t.n("outflow") and t["lost_contact"]]
    lost.sort(key=lambda u: (-u[1].n("lost_contact"), -(u[1].rate("lost_contact") or 0), u[0]))
    out.append(
        Worst(
            "失联",
            tuple(
                f"{n}（失联{t['lost_contact']}名，失联率{fmt_pct(t.rate('lost_contact'))}）"
                for n, t in lost[:top]
            ),
            tuple(n for n, _t in lost[:top]),
        )
    )
    two = [(n, t) for n, t in units if t["two_nots"]]
    two.sort(key=lambda u: (-u[1].n("two_nots"), -(u[1].rate("two_nots") or 0), u[0]))
    out.append(
        Worst(
            "“两不管”",
            tuple(
                f"{n}（“两不管”{t['two_nots']}名，占流出党员{fmt_pct(t.rate('two_nots'))}）"
                for n, t in two[:top]
            ),
            tuple(n for n, _t in two[:top]),
            sum(1 for _n, t in units if t.n("outflow") and t["two_nots"] is None),
        )
    )
    cert = [(n, t) for n, t in units if t.n("outflow") and t["certified"] is not None]
    cert = [(n, t) for n, t in cert if (t.rate("certified") or 0) < 100]
    cert.sort(key=lambda u: (u[1].rate("certified") or 0, -u[1].n("outflow"), u[0]))
    out.append(
        Worst(
            "持证率",
            tuple(
                f"{n}（持证{t['certified']}名/流出{t['outflow']}名，持证率{fmt_pct(t.rate('certified'))}）"
                for n, t in cert[:top]
            ),
            tuple(n for n, _t in cert[:top]),
            sum(1 for _n, t in units if t.n("outflow") and t["certified"] is None),
        )
    )
    return out


def problems_section(
    scope: Scope,
    cur: Totals,
    units: Sequence[tuple[str, Totals]],
    unit_label: str,
    branches: Sequence[tuple[str, Totals]],
) -> Section:
    """存在问题, drafted from the data: the units and branches with the worst figures."""
    by_unit = {w.what: w for w in worst_units(units)}
    by_branch = {w.what: w for w in worst_units(branches)} if branches is not units else by_unit
    paragraphs = [DRAFT_NOTE]
    lost, two, cert = by_unit["失联"], by_unit["“两不管”"], by_unit["持证率"]
    if lost.items or by_branch["失联"].items:
        text = f"一是失联问题仍然存在。{scope.name}失联党员{_n(cur['lost_contact'])}，失联率{fmt_pct(cur.rate('lost_contact'))}。"
        if lost.items and unit_label != "党支部":
            text += f"失联人数较多的{unit_label}有{'、'.join(lost.items)}。"
        if by_branch["失联"].items:
            text += f"失联人数较多的党支部有{'、'.join(by_branch['失联'].items)}。"
        paragraphs.append(text)
    else:
        paragraphs.append(f"一是本次普查{scope.name}未登记失联党员，联系工作总体较好。")
    if two.items or by_branch["“两不管”"].items:
        text = f"二是“两不管”党员需要落实管理责任。{scope.name}“两不管”党员{_n(cur['two_nots'])}"
        text += "，"
        if two.items and unit_label != "党支部":
            text += f"较多的{unit_label}为{'、'.join(two.items)}；"
        if by_branch["“两不管”"].items:
            text += f"较多的党支部为{'、'.join(by_branch['“两不管”'].items)}；"
        paragraphs.append(text.rstrip("；，") + "。")
    elif cur["two_nots"] is None:
        paragraphs.append("二是普查表未填报流入地党组织和联系情况，“两不管”党员底数不清。")
    if cert.items or by_branch["持证率"].items:
        text = (
            f"三是《流动党员活动证》发放不到位。{scope.name}持证率{_rate_text(cur, 'certified')}，"
        )
        if cert.items and unit_label != "党支部":
            text += f"持证率较低的{unit_label}为{'、'.join(cert.items)}；"
        if by_branch["持证率"].items:
            text += f"持证率较低的党支部为{'、'.join(by_branch['持证率'].items)}；"
        paragraphs.append(text.rstrip("；，") + "。")
    missing = max(cert.not_reported, by_branch["持证率"].not_reported)
    if cur["certified"] is None or missing:
        where = f"有{missing}个单位" if missing else "各单位"
        paragraphs.append(f"此外，{where}的普查表未填报持证情况，持证率暂按已填报单位计算。")
    if scope.rejected_rows:
        paragraphs.append(
            f"四是普查数据质量有待提高。有{scope.rejected_rows}行登记数据因信息有误未能入库，需退回更正。"
        )
    return Section("存在问题", paragraphs, key="problems", draft=True)


def suggestions_section(
    scope: Scope,
    cur: Totals,
    units: Sequence[tuple[str, Totals]],
    unit_label: str,
    branches: Sequence[tuple[str, Totals]],
) -> Section:
    """下步建议, drafted from the same findings as 存在问题, naming the same units."""
    by_unit = {w.what: w for w in worst_units(units)}
    by_branch = {w.what: w for w in worst_units(branches)}

    def names(what: str) -> str:
        found = list(by_unit[what].names if unit_label != "党支部" else ())
        found += list(by_branch[what].names)
        return "、".join(dict.fromkeys(found))

    paragraphs = [DRAFT_NOTE]
    lost = names("失联")
    paragraphs.append(
        "（一）集中开展失联党员查找。"
        + (f"重点对{lost}等单位，" if lost else "")
        + "逐人核实联系方式和流入地，通过亲属、务工单位、流入地党组织等渠道查找，"
        "对确实无法取得联系的，按规定妥善处置。"
    )
    two = names("“两不管”")
    paragraphs.append(
        "（二）推动“两不管”党员纳入组织管理。"
        + (f"督促{two}等单位" if two else "督促各单位")
        + "主动与流入地党组织对接，落实双重管理，做到每名流动党员都有组织管、有人联系。"
    )
    cert = names("持证率")
    paragraphs.append(
        "（三）规范《流动党员活动证》发放管理。"
        + (f"对{cert}等持证率较低的单位，" if cert else "")
        + "限期补发活动证，同步完善流动党员信息台账。"
    )
    risk = f"{cur['at_risk']}名" if cur["at_risk"] else ""
    paragraphs.append(
        f"（四）建立常态化跟踪机制。对超过180天未联系的{risk}党员逐月跟进，"
        "定期开展普查，及时更新流向和联系情况。"
    )
    return Section("下步建议", paragraphs, key="suggestions", draft=True)


def sections(
    scope: Scope,
    cur: Totals,
    prev: Totals | None = None,
    prev_wave: str | None = None,
    *,
    provinces: Sequence[tuple[str, int]] = (),
    cities: Sequence[tuple[str, int]] = (),
    home_province: str = "",
    units: Sequence[tuple[str, Totals]] = (),
    unit_label: str = "乡镇",
    branches: Sequence[tuple[str, Totals]] = (),
    extra: Sequence[Section] = (),
) -> list[Section]:
    """Every section in reading order. `extra`: sections other features add (e.g. a short
    督办 paragraph from `extra_section`), placed after 返乡创业 and before 存在问题."""
    basics = Section(
        "基本情况",
        children=[
            scope_section(scope, cur),
            outflow_section(scope, cur, prev, prev_wave),
            comparison_section(cur, prev, prev_wave),
        ],
    )
    return [
        basics,
        destination_section(scope, cur, provinces, cities, home_province),
        contact_section(cur, prev, prev_wave),
        returnee_section(cur),
        *extra,
        problems_section(scope, cur, units, unit_label, branches or units),
        suggestions_section(scope, cur, units, unit_label, branches or units),
    ]


NOTES = (
    "说明：流出党员指登记在册且尚未返乡的党员；流出党员占比＝流出党员÷党员总数（支部情况表）；"
    "流动范围各项占比以流出党员总数为分母；长期在外指截至普查月末外出满365天；"
    "失联率＝联系状态为失联的流出党员÷流出党员；“两不管”指未纳入流入地党组织管理且超过180天未联系；"
    "未填报指普查表没有该项，不计为0；百分比保留两位小数（四舍五入）。"
)


# ------------------------------------------------------------------------------ tables


def _diff(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return "—"
    d = now - before
    return f"+{d}" if d > 0 else str(d)


def _pdiff(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "—"
    d = round(now - before, 2)
    return f"{d:+.2f}个百分点" if d else "0.00个百分点"


def _count(value: int | None) -> str:
    return NOT_REPORTED if value is None else str(value)


COMPARISON_HEADERS = ["指标", "上期", "本期", "增减"]


def comparison_rows(cur: Totals, prev: Totals | None) -> list[list[str]]:
    """指标 | 上期 | 本期 | 增减: counts as numbers, rates in percentage points."""
    rows = []
    counts = [
        ("流出党员（名）", "outflow"),
        *((f"{label}（名）", key) for key, label in SCOPES),
        ("长期在外（名）", "long_term"),
        ("失联党员（名）", "lost_contact"),
        ("失联风险（名）", "at_risk"),
        ("“两不管”党员（名）", "two_nots"),
        ("持证党员（名）", "certified"),
        ("返乡党员（名）", "returnees"),
        ("创办企业（个）", "enterprises"),
        ("带动就业（人）", "jobs_created"),
    ]
    for label, key in counts:
        before = prev[key] if prev is not None else None
        rows.append(
            [
                label,
                "—" if prev is None else _count(before),
                _count(cur[key]),
                _diff(cur[key], before),
            ]
        )
    share_prev = prev.outflow_share if prev is not None else None
    rows.insert(
        1,
        [
            "流出党员占党员总数",
            fmt_pct(share_prev),
            fmt_pct(cur.outflow_share),
            _pdiff(cur.outflow_share, share_prev),
        ],
    )
    for label, key in (("失联率", "lost_contact"), ("持证率", "certified")):
        before = prev.rate(key) if prev is not None else None
        rows.append([label, fmt_pct(before), fmt_pct(cur.rate(key)), _pdiff(cur.rate(key), before)])
    return rows


# Attachment 1: (header, value of a row's Totals) in column order.
TABLE_COLUMNS: tuple[tuple[str, object], ...] = (
    ("党员总数", lambda t: "—" if t.members_total is None else str(t.members_total)),
    ("流出党员", lambda t: _count(t["outflow"])),
    ("占党员总数", lambda t: fmt_pct(t.outflow_share)),
    ("跨省", lambda t: _count(t["scope_cross_province"])),
    ("省内跨市", lambda t: _count(t["scope_cross_city"])),
    ("市内跨县", lambda t: _count(t["scope_cross_county"])),
    ("县内", lambda t: _count(t["scope_within_county"])),
    ("流入地不详", lambda t: _count(t["scope_unknown"])),
    ("长期在外", lambda t: _count(t["long_term"])),
    ("失联", lambda t: _count(t["lost_contact"])),
    ("失联率", lambda t: fmt_pct(t.rate("lost_contact"))),
    ("两不管", lambda t: _count(t["two_nots"])),
    ("持证率", lambda t: NOT_REPORTED if t["certified"] is None else fmt_pct(t.rate("certified"))),
    ("返乡", lambda t: _count(t["returnees"])),
    ("创业", lambda t: _count(t["enterprises"])),
    ("带动就业", lambda t: _count(t["jobs_created"])),
)


def table_rows(units: list[tuple[str, Totals]], total_label: str | None) -> list[list[str]]:
    """One row per unit, plus a total row when there is more than one unit."""
    rows = [[name, *(fn(t) for _h, fn in TABLE_COLUMNS)] for name, t in units]
    if total_label and len(units) > 1:
        merged = totals_of([t for _n, t in units])
        rows.append([total_label, *(fn(merged) for _h, fn in TABLE_COLUMNS)])
    return rows


# Attachment 2: the same units against the previous census.
CHANGE_MEASURES = (
    ("流出党员", "outflow", False),
    ("长期在外", "long_term", False),
    ("失联党员", "lost_contact", False),
    ("失联率", "lost_contact", True),
)


def change_headers(unit_label: str) -> list[list[str]]:
    top = [unit_label]
    bottom = [""]
    for label, _key, _rate in CHANGE_MEASURES:
        top += [label] * 3
        bottom += ["上期", "本期", "增减"]
    return [top, bottom]


def change_rows(
    units: list[tuple[str, Totals]],
    previous: dict[str, Totals],
    total: tuple[str, Totals, Totals | None] | None,
) -> list[list[str]]:
    """Per unit: 上期 / 本期 / 增减 for outflow, long-term, lost contact and its rate; a unit
    absent from the previous census shows — for 上期 and 增减."""

    def row(name: str, now: Totals, before: Totals | None) -> list[str]:
        cells = [name]
        for _label, key, is_rate in CHANGE_MEASURES:
            if is_rate:
                a = before.rate(key) if before else None
                b = now.rate(key)
                cells += [fmt_pct(a), fmt_pct(b), _pdiff(b, a).replace("个百分点", "")]
            else:
                a = before[key] if before else None
                cells += [
                    "—" if before is None else _count(a),
                    _count(now[key]),
                    _diff(now[key], a),
                ]
        return cells

    rows = [row(name, t, previous.get(name)) for name, t in units]
    if total:
        rows.append(row(*total))
    return rows


def totals_of(parts: list[Totals]) -> Totals:
    with_total = [t for t in parts if t.members_total is not None]
    counts = {}
    for c in COUNT_COLUMNS:
        given = [t[c] for t in parts if t[c] is not None]
        counts[c] = sum(given) if given or not parts else None
    return Totals(
        counts=counts,
        members_total=sum(t.members_total for t in with_total) if with_total else None,
        outflow_counted=sum(t.outflow_counted for t in parts),
        townships=tuple(sorted({n for t in parts for n in t.townships})),
        townships_with_total=sum(t.townships_with_total for t in parts),
    )


def order_units(
    units: list[tuple[str, Totals]], order: Sequence[str] | None, unit_label: str
) -> tuple[list[tuple[str, Totals]], str]:
    """Units in the county's own order when one is configured (unlisted ones after, by
    outflow), else by outflow, largest first; with the sentence that says which."""
    by_outflow = sorted(units, key=lambda u: (-u[1].n("outflow"), u[0]))
    if unit_label == "乡镇" and order:
        rank = {name: i for i, name in enumerate(order)}
        listed = sorted((u for u in units if u[0] in rank), key=lambda u: rank[u[0]])
        rest = [u for u in by_outflow if u[0] not in rank]
        return listed + rest, "表中乡镇按本县乡镇排列顺序排列。"
    return by_outflow, f"表中{unit_label}按流出党员人数从多到少排列。"

"""The drafted sections of the report, 存在问题 and 下步建议: the units and branches with the
worst lost-contact, two-nots and certificate figures, named with their numbers, marked as a
draft for the analyst to edit. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.charts.base import fmt_pct
from pipeline.reports.model import DRAFT_NOTE, Scope, Section, Totals, count_text, rate_text


@dataclass(frozen=True)
class Worst:
    """The units that stand out on one measure, each named with its numbers."""

    what: str  # 失联 / “两不管” / 持证率
    items: tuple[str, ...]  # 'xx镇第一党支部（失联3名，失联率10.00%）'
    names: tuple[str, ...]
    not_reported: int = 0  # units whose registers do not carry the field


def _base(t: Totals, key: str) -> int | None:
    """The outflow `t.rate(key)` divides by (the units that reported the field)."""
    base = t[f"{key}_base"]
    return t["outflow"] if base is None else base


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
                # out of the outflow the rate is out of: the branches that reported it
                f"{n}（持证{t['certified']}名/流出{_base(t, 'certified')}名，"
                f"持证率{fmt_pct(t.rate('certified'))}）"
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
        text = f"一是失联问题仍然存在。{scope.name}失联党员{count_text(cur['lost_contact'])}，失联率{fmt_pct(cur.rate('lost_contact'))}。"
        if lost.items and unit_label != "党支部":
            text += f"失联人数较多的{unit_label}有{'、'.join(lost.items)}。"
        if by_branch["失联"].items:
            text += f"失联人数较多的党支部有{'、'.join(by_branch['失联'].items)}。"
        paragraphs.append(text)
    else:
        paragraphs.append(f"一是本次普查{scope.name}未登记失联党员，联系工作总体较好。")
    if two.items or by_branch["“两不管”"].items:
        text = f"二是“两不管”党员需要落实管理责任。{scope.name}“两不管”党员{count_text(cur['two_nots'])}"
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
            f"三是《流动党员活动证》发放不到位。{scope.name}持证率{rate_text(cur, 'certified')}，"
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

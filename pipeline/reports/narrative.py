"""KPI values and the report paragraph, computed from one row of `metrics_by_wave` (and the
comparison row of `wave_comparison`).

Pure functions so the wording can be tested against the spec's seed figures
("现有流出党员195名，占党员总数的20.38%，其中跨省流动党员40名，占流动党员总数的20.51%").
Names, help texts and rates come from the one catalogue, `pipeline.warehouse.metrics`; a figure a unit
did not report is 未填报, never 0, and a rollup names how many units it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.charts.base import fmt_pct, pct, wave_label
from pipeline.warehouse import metrics
from pipeline.warehouse.metric_sql import split_comparison
from pipeline.warehouse.metrics import NOT_REPORTED

SCOPES = [
    ("scope_cross_province", "跨省"),
    ("scope_cross_city", "省内跨市"),
    ("scope_cross_county", "市内跨县"),
    ("scope_within_county", "县内"),
]


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None  # "+6 人", "-0.52 个百分点"; None when there is no previous wave
    help: str
    # Streamlit delta colour: "inverse" when a rise is bad news (lost-contact rate), "off"
    # when a change is neither good nor bad in itself (how many members are away).
    tone: str = "normal"

    @property
    def unchanged(self) -> bool:
        return self.delta is not None and self.delta.lstrip("+-").startswith(("0 ", "0.00 "))


def _get(row, key: str):
    return metrics.value(row, key)


def outflow_share(row) -> float | None:
    """Outflow over members_total, using only outflow of units that gave a total."""
    return metrics.rate(row, "outflow_share")


def _count_delta(cur, prev, key: str, unit: str) -> str | None:
    if prev is None or cur is None or _get(cur, key) is None or _get(prev, key) is None:
        return None
    diff = int(_get(cur, key)) - int(_get(prev, key))
    return f"{diff:+d} {unit}"


def _rate_delta(cur_value: float | None, prev_value: float | None) -> str | None:
    if cur_value is None or prev_value is None:
        return None
    return f"{cur_value - prev_value:+.2f} 个百分点"


def rate_text(row, key: str) -> str:
    """A rate as shown: 12.34%, 未填报 when no unit reported its field, — with no base."""
    count = metrics.RATE_OF.get(key, key)
    if key != "outflow_share" and metrics.METRICS[key].fields and _get(row, count) is None:
        return NOT_REPORTED
    return fmt_pct(metrics.rate(row, key))


def count_text(row, key: str, unit: str) -> str:
    value = _get(row, key)
    if value is None and metrics.METRICS[key].fields:
        return NOT_REPORTED
    return f"{int(value or 0):,} {unit}"


def kpis(cur, prev=None, cur_common=None, unit: str = "乡镇") -> list[Kpi]:
    """The eight overview cards. Changes compare `cur_common` (this wave over the units
    present in both waves) with `prev` (the previous wave over the same units); without
    `cur_common` the change is taken against `cur` itself. `unit` (乡镇 or 支部) is what a
    partly reported rate's coverage is counted in."""
    common = cur_common if cur_common is not None else cur

    def label(name: str, key: str) -> str:
        return name + metrics.coverage(cur, key, unit)

    def count(key, unit_word, tone="normal"):
        m = metrics.METRICS[key]
        delta = _count_delta(common, prev, key, unit_word)
        return Kpi(label(m.name, key), count_text(cur, key, unit_word), delta, m.help, tone)

    def rate(key, tone="normal"):
        m = metrics.METRICS[key]
        delta = None
        if prev is not None:
            delta = _rate_delta(metrics.rate(common, key), metrics.rate(prev, key))
        return Kpi(label(m.name, key), rate_text(cur, key), delta, m.help, tone)

    return [
        count("outflow", "人", tone="off"),
        rate("outflow_share", tone="off"),
        rate("lost_contact_rate", tone="inverse"),
        rate("dual_managed_rate"),
        rate("certificate_rate"),
        count("returnees", "人"),
        count("enterprises", "个"),
        count("jobs_created", "人"),
    ]


def _share(row, key: str) -> str:
    return fmt_pct(metrics.rate(row, key))


def contact_sentence(row, unit: str = "乡镇") -> str:
    """失联, 失联风险 and 两不管 in words; 其中 only for the true subset (两不管 members are all
    among the 失联 and 失联风险 members together)."""
    lost, risk, two = (_get(row, k) for k in ("lost_contact", "at_risk", "two_nots"))
    parts = []
    if lost is None:
        parts.append(f"失联党员{NOT_REPORTED}（未填报联系状态）")
    else:
        parts.append(
            f"失联党员{lost}名{metrics.coverage(row, 'lost_contact', unit)}，"
            f"失联率{_share(row, 'lost_contact_rate')}"
        )
    if risk is None:
        parts.append(f"失联风险党员{NOT_REPORTED}（未填报最近联系时间）")
    else:
        parts.append(
            f"超过180天未联系、尚未失联的失联风险党员{risk}名"
            f"{metrics.coverage(row, 'at_risk', unit)}"
        )
    text = "；".join(parts)
    if two is None:
        return text + f"；“两不管”党员{NOT_REPORTED}（未填报流入地党组织）。"
    cover = metrics.coverage(row, "two_nots", unit)
    if lost is not None and risk is not None and not cover:
        return text + f"；失联及失联风险党员共{lost + risk}名，其中“两不管”党员{two}名。"
    return text + f"；“两不管”党员{two}名{cover}（与失联、失联风险党员有重叠）。"


def manage_sentence(row, unit: str = "乡镇") -> str:
    bits = []
    for count_key, rate_key, words, rate_word in (
        ("dual_managed", "dual_managed_rate", "纳入流入地党组织双重管理", "占"),
        ("certified", "certificate_rate", "持流动党员活动证", "持证率"),
    ):
        n = _get(row, count_key)
        if n is None:
            field = metrics.FIELD_LABELS[metrics.METRICS[count_key].fields[0]]
            bits.append(f"{words}{NOT_REPORTED}（未填报{field}）")
        else:
            cover = metrics.coverage(row, count_key, unit)
            bits.append(f"{words}{n}名{cover}，{rate_word}{_share(row, rate_key)}")
    return "；".join(bits) + "。"


def paragraph(
    cur,
    scope: str,
    wave: str | None,
    prev=None,
    prev_wave: str | None = None,
    cur_common=None,
    unit: str = "乡镇",
) -> str:
    """A paragraph in the style of a township census report."""
    outflow = int(_get(cur, "outflow") or 0)
    share = outflow_share(cur)
    head = f"{wave_label(wave)}普查，" if wave else ""
    parts = [f"{head}{scope}现有流出党员{outflow}名"]
    if share is not None:
        coverage = metrics.coverage(cur, "outflow_share", unit)
        parts[0] += f"，占党员总数的{fmt_pct(share)}{coverage}"
    else:
        parts[0] += "（未报送党员总数，暂不计算占比）"
    if outflow == 0:
        return parts[0] + "。"
    scope_bits = []
    for i, (key, name) in enumerate(SCOPES):
        n = int(_get(cur, key) or 0)
        if i == 0:
            scope_bits.append(
                f"其中{name}流动党员{n}名，占流动党员总数的{fmt_pct(pct(n, outflow))}"
            )
        else:
            scope_bits.append(f"{name}流动党员{n}名，占{fmt_pct(pct(n, outflow))}")
    unknown = int(_get(cur, "scope_unknown") or 0)
    if unknown:
        scope_bits.append(f"另有{unknown}名流入地不详")
    text = parts[0] + "，" + "；".join(scope_bits) + "。"
    long_term = _get(cur, "long_term")
    if long_term is None:
        text += f"长期在外（一年以上）党员{NOT_REPORTED}（未填报流出时间）。"
    else:
        text += (
            f"长期在外（一年以上）党员{long_term}名{metrics.coverage(cur, 'long_term', unit)}，"
            f"占{_share(cur, 'long_term')}。"
        )
    text += contact_sentence(cur, unit)
    text += manage_sentence(cur, unit)
    returnees = int(_get(cur, "returnees") or 0)
    if returnees:
        text += (
            f"返乡党员{returnees}名，其中创办企业（项目）{int(_get(cur, 'enterprises') or 0)}个，"
            f"带动就业{int(_get(cur, 'jobs_created') or 0)}人。"
        )
    if prev is not None and prev_wave:
        text += change_sentence(cur_common if cur_common is not None else cur, prev, prev_wave)
    return text


def change_sentence(cur_common, prev, prev_wave: str) -> str:
    """The change since the previous census, over the branches present in both waves."""
    diff = int(_get(cur_common, "outflow") or 0) - int(_get(prev, "outflow") or 0)
    move = "增加" if diff > 0 else "减少" if diff < 0 else "持平"
    change = f"{move}{abs(diff)}名" if diff else "持平"
    text = f"与{wave_label(prev_wave)}普查相比（按两次均报送的支部计），流出党员{change}"
    before = metrics.rate(prev, "lost_contact_rate")
    now = metrics.rate(cur_common, "lost_contact_rate")
    if before is not None and now is not None:
        d = round(now - before, 2)
        trend = "上升" if d > 0 else "下降" if d < 0 else "持平"
        text += f"，失联率{trend}" + (f"{abs(d):.2f}个百分点" if d else "")
    return text + "。"


def _names(units) -> list[str]:
    if units is None or (not isinstance(units, (list, tuple)) and not hasattr(units, "__len__")):
        return []
    return [str(u) for u in units]


def comparison_caption(row, prev_wave: str, limit: int = 8) -> str:
    """What the changes are over, and what they leave out (branches only in one wave, and
    figures no branch reported in both waves)."""
    text = f"变化均与{wave_label(prev_wave)}普查相比，按两次均报送的{int(row['branches'])}个支部计"
    _cur, prev = split_comparison(row)
    unpaired = [
        metrics.name(rate)
        for rate, count in metrics.RATE_OF.items()
        if count in metrics.NULLABLE and _get(prev, count) is None
    ]
    if unpaired:
        text += f"；{'、'.join(unpaired)}两次普查未均填报，不计变化"
    left_out = []
    for key, why in (("only_previous", "本次未报送"), ("only_current", "上次未报送")):
        names = _names(row.get(key))
        if names:
            shown = "、".join(names[:limit]) + (f"等{len(names)}个" if len(names) > limit else "")
            left_out.append(f"{shown}（{why}）")
    if left_out:
        text += "；未计入：" + "；".join(left_out)
    return text

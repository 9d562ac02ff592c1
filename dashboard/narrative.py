"""KPI values and the report paragraph, computed from one row of `metrics_by_wave`.

Pure functions so the wording can be tested against the spec's seed figures
("现有流出党员195名，占党员总数的20.38%，其中跨省流动党员40名，占流动党员总数的20.51%").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.chart_base import fmt_pct, pct, wave_label

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


def _get(row: pd.Series | dict | None, key: str):
    if row is None:
        return None
    value = row.get(key) if isinstance(row, dict) else row.get(key, None)
    return None if value is None or pd.isna(value) else value


def outflow_share(row) -> float | None:
    """Outflow over members_total, using only outflow of units that gave a total."""
    counted = _get(row, "outflow_counted")
    if counted is None and _get(row, "members_total") is not None:
        counted = _get(row, "outflow")
    return pct(counted, _get(row, "members_total"))


def _rate(row, key: str) -> float | None:
    return pct(_get(row, key), _get(row, "outflow"))


def _count_delta(cur, prev, key: str, unit: str) -> str | None:
    if prev is None or _get(cur, key) is None or _get(prev, key) is None:
        return None
    diff = int(_get(cur, key)) - int(_get(prev, key))
    return f"{diff:+d} {unit}"


def _rate_delta(cur_value: float | None, prev_value: float | None) -> str | None:
    if cur_value is None or prev_value is None:
        return None
    return f"{cur_value - prev_value:+.2f} 个百分点"


def kpis(cur, prev=None) -> list[Kpi]:
    """The eight overview cards, each with its change against the previous wave."""
    share, pshare = outflow_share(cur), outflow_share(prev) if prev is not None else None
    rates = {
        k: (_rate(cur, k), _rate(prev, k) if prev is not None else None)
        for k in ("lost_contact", "dual_managed", "certified")
    }

    def count(label, key, unit, help_text, tone="normal"):
        value = _get(cur, key)
        delta = _count_delta(cur, prev, key, unit)
        return Kpi(label, f"{int(value or 0):,} {unit}", delta, help_text, tone)

    def rate(label, key, help_text, tone="normal"):
        value, before = rates[key]
        return Kpi(label, fmt_pct(value), _rate_delta(value, before), help_text, tone)

    return [
        count("流出党员", "outflow", "人", "登记在册且未返乡的党员", tone="off"),
        Kpi(
            "流出党员占比",
            fmt_pct(share),
            _rate_delta(share, pshare),
            "流出党员 ÷ 党员总数（支部情况表）；未报送党员总数的单位不计入",
            "off",
        ),
        rate("失联率", "lost_contact", "联系状态为失联的流出党员 ÷ 流出党员", tone="inverse"),
        rate("双重管理占比", "dual_managed", "已纳入流入地党组织管理的流出党员 ÷ 流出党员"),
        rate("持证率", "certified", "持《流动党员活动证》的流出党员 ÷ 流出党员"),
        count("返乡党员", "returnees", "人", "已返乡的党员"),
        count("创办企业", "enterprises", "个", "返乡党员创办的企业或创业项目"),
        count("带动就业", "jobs_created", "人", "返乡创业带动就业人数合计"),
    ]


def paragraph(cur, scope: str, wave: str | None, prev=None, prev_wave: str | None = None) -> str:
    """A paragraph in the style of a township census report."""
    outflow = int(_get(cur, "outflow") or 0)
    share = outflow_share(cur)
    head = f"{wave_label(wave)}普查，" if wave else ""
    parts = [f"{head}{scope}现有流出党员{outflow}名"]
    if share is not None:
        parts[0] += f"，占党员总数的{fmt_pct(share)}"
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
    long_term = int(_get(cur, "long_term") or 0)
    text += f"长期在外（一年以上）党员{long_term}名，占{fmt_pct(pct(long_term, outflow))}。"
    lost = int(_get(cur, "lost_contact") or 0)
    text += (
        f"失联党员{lost}名，失联率{fmt_pct(pct(lost, outflow))}；"
        f"超过180天未联系的失联风险党员{int(_get(cur, 'at_risk') or 0)}名，"
        f"其中“两不管”党员{int(_get(cur, 'two_nots') or 0)}名。"
    )
    dual = int(_get(cur, "dual_managed") or 0)
    cert = int(_get(cur, "certified") or 0)
    text += (
        f"纳入流入地党组织双重管理{dual}名，占{fmt_pct(pct(dual, outflow))}；"
        f"持流动党员活动证{cert}名，持证率{fmt_pct(pct(cert, outflow))}。"
    )
    returnees = int(_get(cur, "returnees") or 0)
    if returnees:
        text += (
            f"返乡党员{returnees}名，其中创办企业（项目）{int(_get(cur, 'enterprises') or 0)}个，"
            f"带动就业{int(_get(cur, 'jobs_created') or 0)}人。"
        )
    if prev is not None and prev_wave:
        diff = outflow - int(_get(prev, "outflow") or 0)
        move = "增加" if diff > 0 else "减少" if diff < 0 else "持平"
        change = f"{move}{abs(diff)}名" if diff else "持平"
        text += f"与{wave_label(prev_wave)}普查相比（按两次均报送的单位计），流出党员{change}"
        before, now = _rate(prev, "lost_contact"), _rate(cur, "lost_contact")
        if before is not None and now is not None:
            d = now - before
            trend = "上升" if d > 0 else "下降" if d < 0 else "持平"
            text += f"，失联率{trend}" + (f"{abs(d):.2f}个百分点" if d else "")
        text += "。"
    return text

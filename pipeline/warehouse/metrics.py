"""The metric catalogue: every named figure's Chinese name, definition and help text, in one
place. The counts themselves are defined once in SQL (`sql/int_member_flags.sql`, summed by
`sql/mart_branch_wave.sql`); this module says what they are called and how a rate is formed
from them, and is what the dashboard's ⓘ help, the report's notes and `docs/metrics.md` read.

Not reported is not zero: a count whose register field a unit did not carry is NULL for that
unit; `value()` gives None, `rate()` divides by the outflow of the units that did report
(`<count>_base`), and `coverage()` says how many units a rollup covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# What the one-reason view is called wherever it is shown; it never borrows a count's name.
PARTITION_LABEL = "按首要原因归类，每人只计一次"
NOT_REPORTED = "未填报"

# Register fields a figure may need, as an analyst names the column.
FIELD_LABELS = {
    "outflow_date": "流出时间",
    "contact_status": "联系状态",
    "last_contact_date": "最近联系时间",
    "inflow_org": "流入地党组织",
    "has_certificate": "是否持流动党员证",
}


@dataclass(frozen=True)
class Metric:
    key: str  # column of mart_branch_wave / mart_township_wave (a rate: its numerator)
    name: str  # the figure's one Chinese name
    unit: str  # 人, 个, %
    definition: str  # what is counted, as the docs and the report state it
    help: str  # the ⓘ text on the dashboard
    base: str | None = None  # a rate's denominator column
    fields: tuple[str, ...] = ()  # register fields the count needs (else 未填报)
    partition: bool = False  # part of the one-reason view (PARTITION_LABEL)


_OUT = "登记在册且未返乡的党员"

CATALOGUE: tuple[Metric, ...] = (
    Metric(
        "members_total",
        "党员总数",
        "人",
        "支部情况表中各支部党员总数之和",
        "各支部报送的党员总数合计；未报送支部情况表的单位不计",
    ),
    Metric("outflow", "流出党员", "人", _OUT, _OUT),
    Metric(
        "outflow_share",
        "流出党员占比",
        "%",
        "流出党员 ÷ 党员总数（支部情况表），只计报送了党员总数的支部",
        "流出党员 ÷ 党员总数（支部情况表）；只计报送了党员总数的支部，未列入支部情况表的支部不计入",
        base="members_total",
    ),
    Metric(
        "scope_cross_province",
        "跨省流动党员",
        "人",
        "流入地在省外的流出党员",
        "流入地在省外的流出党员",
    ),
    Metric(
        "scope_cross_city",
        "省内跨市流动党员",
        "人",
        "流入地在省内其他地市的流出党员",
        "流入地在省内其他地市的流出党员",
    ),
    Metric(
        "scope_cross_county",
        "市内跨县流动党员",
        "人",
        "流入地在本市其他县（市、区）的流出党员",
        "流入地在本市其他县（市、区）的流出党员",
    ),
    Metric(
        "scope_within_county",
        "县内流动党员",
        "人",
        "流入地在本县内的流出党员",
        "流入地在本县内的流出党员",
    ),
    Metric(
        "scope_unknown",
        "流入地不详",
        "人",
        "流入地缺失或无法识别的流出党员",
        "流入地缺失或无法识别的流出党员",
    ),
    Metric(
        "long_term",
        "长期在外党员",
        "人",
        "截至普查月末外出满365天的流出党员",
        "截至普查月末外出满365天的流出党员；未填报流出时间的单位不计",
        base="long_term_base",
        fields=("outflow_date",),
    ),
    Metric(
        "lost_contact",
        "失联党员",
        "人",
        "联系状态为失联的流出党员",
        "联系状态为失联的流出党员；未填报联系状态的单位不计",
        base="lost_contact_base",
        fields=("contact_status",),
    ),
    Metric(
        "lost_contact_rate",
        "失联率",
        "%",
        "失联党员 ÷ 流出党员（只计填报了联系状态的单位）",
        "联系状态为失联的流出党员 ÷ 流出党员；只计填报了联系状态的单位",
        base="lost_contact_base",
        fields=("contact_status",),
    ),
    Metric(
        "at_risk",
        "失联风险党员",
        "人",
        "超过180天未联系（截至普查月末）、尚未列为失联的流出党员",
        "超过180天未联系、尚未列为失联的流出党员；可同时是“两不管”党员",
        base="at_risk_base",
        fields=("last_contact_date",),
    ),
    Metric(
        "dual_managed",
        "双重管理党员",
        "人",
        "已纳入流入地党组织管理（填有流入地党组织）的流出党员",
        "填有流入地党组织的流出党员；未填报流入地党组织的单位不计",
        base="dual_managed_base",
        fields=("inflow_org",),
    ),
    Metric(
        "dual_managed_rate",
        "双重管理占比",
        "%",
        "双重管理党员 ÷ 流出党员（只计填报了流入地党组织的单位）",
        "已纳入流入地党组织管理的流出党员 ÷ 流出党员；只计填报了流入地党组织的单位",
        base="dual_managed_base",
        fields=("inflow_org",),
    ),
    Metric(
        "two_nots",
        "“两不管”党员",
        "人",
        "既未纳入流入地党组织管理、又超过180天未联系的流出党员；失联党员也可能是“两不管”",
        "无流入地党组织且超过180天未联系的流出党员，与失联、失联风险党员有重叠",
        base="two_nots_base",
        fields=("inflow_org", "last_contact_date"),
    ),
    Metric(
        "certified",
        "持证党员",
        "人",
        "持《流动党员活动证》的流出党员",
        "持《流动党员活动证》的流出党员；未填报是否持证的单位不计",
        base="certified_base",
        fields=("has_certificate",),
    ),
    Metric(
        "certificate_rate",
        "持证率",
        "%",
        "持证党员 ÷ 流出党员（只计填报了是否持证的单位）",
        "持《流动党员活动证》的流出党员 ÷ 流出党员；只计填报了是否持证的单位",
        base="certified_base",
        fields=("has_certificate",),
    ),
    Metric(
        "primary_lost",
        "跟进原因：失联",
        "人",
        f"重点跟进名单中首要原因为失联的党员（{PARTITION_LABEL}）",
        f"{PARTITION_LABEL}：失联者归此类",
        fields=("contact_status",),
        partition=True,
    ),
    Metric(
        "primary_two_nots",
        "跟进原因：两不管",
        "人",
        f"未失联、首要原因为“两不管”的党员（{PARTITION_LABEL}）",
        f"{PARTITION_LABEL}：未失联的“两不管”党员归此类，少于“两不管”党员总数",
        fields=("inflow_org", "last_contact_date"),
        partition=True,
    ),
    Metric(
        "primary_stale",
        "跟进原因：超180天未联系",
        "人",
        f"既非失联也非“两不管”、超过180天未联系的党员（{PARTITION_LABEL}）",
        f"{PARTITION_LABEL}：其余超过180天未联系的党员归此类",
        fields=("last_contact_date",),
        partition=True,
    ),
    Metric("returnees", "返乡党员", "人", "已返乡的党员", "已返乡的党员"),
    Metric(
        "enterprises",
        "创办企业",
        "个",
        "返乡党员创办的企业或创业项目",
        "返乡党员创办的企业或创业项目",
    ),
    Metric(
        "jobs_created", "带动就业", "人", "返乡创业带动就业人数合计", "返乡创业带动就业人数合计"
    ),
)

METRICS = {m.key: m for m in CATALOGUE}
# rate key → its numerator count
RATE_OF = {
    "outflow_share": "outflow",
    "lost_contact_rate": "lost_contact",
    "dual_managed_rate": "dual_managed",
    "certificate_rate": "certified",
}
# counts that may be not reported (NULL) for a unit
NULLABLE = tuple(m.key for m in CATALOGUE if m.fields and m.key not in RATE_OF)


def name(key: str) -> str:
    return METRICS[key].name


def help_text(key: str) -> str:
    return METRICS[key].help


def pct(num: float | int | None, den: float | int | None) -> float | None:
    """Share in percent, rounded half-up to 2 decimals exactly as the spec (195/957 → 20.38)."""
    if num is None or den is None or _missing(num) or _missing(den) or not den:
        return None
    value = Decimal(str(num)) * 100 / Decimal(str(den))
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _missing(value) -> bool:
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pandas.NA refuses a truth value
        return True


def _get(row, key: str):
    if row is None:
        return None
    value = row.get(key) if hasattr(row, "get") else None
    if value is None or _missing(value):
        return None
    try:
        return int(value) if float(value).is_integer() else value
    except (TypeError, ValueError):
        return None


def value(row, key: str) -> int | None:
    """A count of a row (dict / Series); None when not reported."""
    return _get(row, key)


def base(row, key: str) -> int | None:
    """The outflow a count or rate is out of: the outflow of the units that reported it."""
    column = METRICS[key].base if key in METRICS and METRICS[key].base else None
    if key == "outflow_share" or column is None or column not in row:
        # a row without bases (built by hand, or before bases existed): outflow is the base
        return _get(row, "outflow")
    return _get(row, column)


def rate(row, key: str) -> float | None:
    """A rate or a count's share of its base, None when not reported. `key` is a rate key
    (lost_contact_rate) or a count key (long_term: its share of outflow)."""
    if key == "outflow_share":
        counted = _get(row, "outflow_counted")
        if counted is None and _get(row, "members_total") is not None:
            counted = _get(row, "outflow")
        return pct(counted, _get(row, "members_total"))
    count = RATE_OF.get(key, key)
    return pct(_get(row, count), base(row, key))


def coverage(row, key: str, unit: str) -> str:
    """'（5个乡镇填报）' when a rollup's figure covers fewer units than the rollup holds, else ''.
    `unit` is 乡镇 (reads `<count>_townships` of `townships`) or 支部 (`<count>_branches` of
    `branches`), as set by the rollup queries."""
    # the outflow share covers the units that gave a 党员总数
    count = "members_total" if key == "outflow_share" else RATE_OF.get(key, key)
    level = "townships" if unit == "乡镇" else "branches"
    covered, units = _get(row, f"{count}_{level}"), _get(row, level)
    if not covered or units is None or covered >= units:
        return ""  # none covered: the figure itself reads 未填报
    return f"（{covered}个{unit}填报）"


def markdown() -> str:
    """The metric section of the docs (docs/metrics.md is this text; a test keeps it so)."""
    lines = [
        "# 指标口径",
        "",
        "本节由 `pipeline/warehouse/metrics.py` 生成（`python -m pipeline.warehouse.metrics > docs/metrics.md`），"
        "与看板指标旁的ⓘ说明同源。",
        "",
        "| 指标 | 单位 | 口径 | 所需字段 |",
        "|---|---|---|---|",
    ]
    for m in CATALOGUE:
        fields = "、".join(FIELD_LABELS[f] for f in m.fields) or "—"
        lines.append(f"| {m.name} | {m.unit} | {m.definition} | {fields} |")
    lines += [
        "",
        f"**{NOT_REPORTED}**：某单位报送的表格中没有某项指标所需的列（如没有“是否持流动党员证”列），"
        "或该列每一行都空着（“流入地党组织”除外：空着即没有），"
        f"该指标对该单位记为{NOT_REPORTED}（不是0），不计入比例和两次普查的变化；汇总数注明覆盖的单位数，"
        "如“持证率（5个乡镇填报）”。",
        "",
        f"**{PARTITION_LABEL}**：重点跟进名单中每名党员只归入一个原因（依次为失联、“两不管”、超180天未联系），"
        "各类人数之和等于名单人数；“两不管”党员总数可与失联、失联风险党员重叠，两者名称不同、数字不同。",
        "",
        "**两次普查的变化**：只比较两次普查均报送的党支部（同一乡镇、同一支部名称），"
        "且只计两次均填报该字段的支部；未计入的支部在说明中列出。",
        "",
        "**统计时点**：各图表、导出和报告的统计时点为普查批次（如“2023年8月普查”，截至该月末）；"
        "数据入库时间另注“数据更新于……”。",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")

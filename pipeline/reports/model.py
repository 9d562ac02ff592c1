"""The report's data model: totals of a unit, what the report covers, its sections and
their numbering, and the few wording helpers every part of the text shares. Pure.

A count the registers did not carry arrives as None and is written 未填报, never 0.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.charts.base import fmt_pct, wave_label
from pipeline.warehouse import metrics, models
from pipeline.warehouse.metrics import NOT_REPORTED, pct

COUNT_COLUMNS = models.COUNT_COLUMNS
NULLABLE_COUNTS = metrics.NULLABLE
SCOPES = (
    ("scope_cross_province", "跨省"),
    ("scope_cross_city", "省内跨市"),
    ("scope_cross_county", "市内跨县"),
    ("scope_within_county", "县内"),
)
DRAFT_NOTE = "（初稿：本部分由系统根据普查数据自动起草，请分析人员核实、修改后删除本提示。）"
CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Totals:
    """Metric counts of one unit (county, township or branch). members_total only over
    townships that gave one, and outflow_counted is the outflow of exactly those townships:
    the share's numerator. A count is None when no register of the unit carried it;
    `covered` says how many of `units` (乡镇, or 支部 within one township) each such count
    covers."""

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

    def n(self, key: str) -> int:
        """The count, 0 where not reported: for sums and comparisons only, never for text."""
        return self.counts.get(key) or 0

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
    """Sum mart rows (one per township, or one township's row with its branch coverage)."""
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


def from_row(
    row: dict, townships: Sequence[str], with_total: int, unit_word: str = "乡镇"
) -> Totals:
    """One row of a `metric_sql` rollup or one side of its comparison (already summed in SQL)
    as Totals; coverage counted in townships (乡镇) or, within one township, branches (支部)."""
    counted = _int(row.get("outflow_counted"))
    members = _int(row.get("members_total"))
    if counted is None:
        counted = _int(row.get("outflow")) or 0 if members is not None else 0
    level = "townships" if unit_word == "乡镇" else "branches"
    # the outflow share's coverage (units that gave a 党员总数) beside each count's
    covered = {c: _int(row.get(f"{c}_{level}")) or 0 for c in (*NULLABLE_COUNTS, "members_total")}
    return Totals(
        counts={c: _int(row.get(c)) for c in COUNT_COLUMNS},
        members_total=members,
        outflow_counted=counted,
        townships=tuple(townships),
        townships_with_total=with_total,
        covered=covered,
        units=_int(row.get(level)) or 0,
        unit_word=unit_word,
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
    # townships of the county seen in some wave that sent nothing for this one (the overview's
    # "历次共出现" count, from the same query)
    absent: tuple[str, ...] = ()


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


def count_text(value: int | None, unit: str = "名") -> str:
    return NOT_REPORTED if value is None else f"{value}{unit}"


def share_of(n: int | None, total: int | None) -> str:
    return fmt_pct(pct(n, total))


def rate_text(cur: Totals, key: str) -> str:
    """A rate as the text writes it: 未填报, or the rate over the units that reported it."""
    return NOT_REPORTED if cur[key] is None else fmt_pct(cur.rate(key))


def count_cover(cur: Totals, key: str, unit: str = "名") -> str:
    """A count with, for a partly reported total, how many units it covers: '5名（6个乡镇填报）'."""
    return count_text(cur[key], unit) + cur.coverage(key)


def rate_cover(cur: Totals, key: str) -> str:
    """A rate cell: 未填报, or the rate and, for a partly reported total, its coverage."""
    return rate_text(cur, key) + (cur.coverage(key) if cur[key] is not None else "")


def census_point(wave: str) -> str:
    """'2022-04' → '2022年4月普查（截至2022年4月30日）': the census wave, end of its month.
    The one wording of the report's 统计时点 (title block, 普查范围, tables)."""
    label = wave_label(wave)
    try:
        year, month = (int(p) for p in wave.split("-")[:2])
        day = calendar.monthrange(year, month)[1]
        return f"{label}普查（截至{year}年{month}月{day}日）"
    except ValueError:
        return f"{label}普查"


def stat_point(wave: str, as_of: str | None = None) -> str:
    """'统计时点：2023年8月普查（截至2023年8月31日）；数据更新于…。' — the census wave; the
    time of the last ingest only as a footnote."""
    return f"统计时点：{census_point(wave)}" + (f"；数据更新于{as_of}。" if as_of else "。")

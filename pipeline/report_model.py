"""The report's data model: totals of a unit, what the report covers, its sections and
their numbering, and the few wording helpers every part of the text shares. Pure.

A count the registers did not carry arrives as None and is written 未填报, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dashboard.chart_base import fmt_pct, pct
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


def count_text(value: int | None, unit: str = "名") -> str:
    return NOT_REPORTED if value is None else f"{value}{unit}"


def share_of(n: int | None, total: int | None) -> str:
    return fmt_pct(pct(n, total))


def rate_text(cur: Totals, key: str) -> str:
    return NOT_REPORTED if cur[key] is None else fmt_pct(cur.rate(key))

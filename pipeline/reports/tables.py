"""The report's tables: 上期 / 本期 / 增减 against the previous census, one row per township
or branch, and the order units are listed in. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.charts.base import fmt_pct
from pipeline.reports.model import (
    COUNT_COLUMNS,
    NOT_REPORTED,
    NULLABLE_COUNTS,
    SCOPES,
    Totals,
    rate_cover,
    rate_text,
)


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
    """指标 | 上期 | 本期 | 增减: counts as numbers, rates in percentage points. `cur` and
    `prev` are the two sides of `metric_sql.comparison_sql` (the branches present in both
    waves); a count either wave did not report reads 未填报 and has no change."""
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
        before = prev.rate(key) if prev is not None and prev[key] is not None else None
        now = cur.rate(key) if cur[key] is not None else None
        rows.append(
            [
                label,
                "—" if prev is None else rate_text(prev, key),
                rate_text(cur, key),
                _pdiff(now, before),
            ]
        )
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
    ("失联率", lambda t: rate_cover(t, "lost_contact")),
    ("两不管", lambda t: _count(t["two_nots"])),
    ("持证率", lambda t: rate_cover(t, "certified")),
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
    compared: dict[str, Totals] | None = None,
) -> list[list[str]]:
    """Per unit: 上期 / 本期 / 增减 for outflow, long-term, lost contact and its rate; a unit
    absent from the previous census shows — for 上期 and 增减. `compared`: a unit's figures
    over its branches present in both waves (metric_sql.comparison_sql), the 本期 its 上期
    is compared with; a unit without one shows its own figures."""

    def row(name: str, now: Totals, before: Totals | None) -> list[str]:
        cells = [name]
        for _label, key, is_rate in CHANGE_MEASURES:
            if is_rate:
                a = before.rate(key) if before and before[key] is not None else None
                b = now.rate(key) if now[key] is not None else None
                cells += [
                    "—" if before is None else rate_text(before, key),
                    rate_text(now, key),
                    _pdiff(b, a).replace("个百分点", ""),
                ]
            else:
                a = before[key] if before else None
                cells += [
                    "—" if before is None else _count(a),
                    _count(now[key]),
                    _diff(now[key], a),
                ]
        return cells

    compared = compared or {}
    rows = [row(name, compared.get(name, t), previous.get(name)) for name, t in units]
    if total:
        rows.append(row(*total))
    return rows


def totals_of(parts: list[Totals]) -> Totals:
    with_total = [t for t in parts if t.members_total is not None]
    counts = {}
    for c in COUNT_COLUMNS:
        given = [t[c] for t in parts if t[c] is not None]
        if c in NULLABLE_COUNTS or c.endswith("_base"):
            counts[c] = sum(given) if given else None  # not reported anywhere: not 0
        else:
            counts[c] = sum(given)
    return Totals(
        counts=counts,
        members_total=sum(t.members_total for t in with_total) if with_total else None,
        outflow_counted=sum(t.outflow_counted for t in parts),
        townships=tuple(sorted({n for t in parts for n in t.townships})),
        townships_with_total=sum(t.townships_with_total for t in parts),
        # a total row covers the units whose count is known
        covered={c: sum(t[c] is not None for t in parts) for c in NULLABLE_COUNTS},
        units=len(parts),
        unit_word=parts[0].unit_word if len(parts) == 1 else "乡镇",
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

"""The duty paragraph of the Word report (issue #17): counts of the duty list by rule, for a
wave and a scope. The report's author calls `duty_paragraph`; nothing here formats Word.

Read from `mart_duty_per_branch`, the same table the 督办 page sums, so both say the same.
A rule no branch in scope could assess (its registers lack the field) is said to be 未填报.
"""

from __future__ import annotations

import duckdb

from pipeline.duties.rules import NOT_ASSESSED


def duty_counts(
    con: duckdb.DuckDBPyConnection, wave: str, townships: list[str] | None = None
) -> list[dict]:
    """Per rule in display order: name, due, assessed, outflow and branches not assessed."""
    rows = con.execute(
        """
        select rule_name, sum(due)::bigint, sum(assessed)::bigint, sum(outflow)::bigint,
               count(*) filter (where assessed = 0 and outflow > 0)
        from mart_duty_per_branch
        where wave = ? and (?::varchar[] is null or list_contains(?::varchar[], township))
        group by rule_name, rule_order
        order by rule_order
        """,
        [wave, townships, townships],
    ).fetchall()
    keys = ("rule_name", "due", "assessed", "outflow", "branches_not_assessed")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def duty_paragraph(
    con: duckdb.DuckDBPyConnection, wave: str, townships: list[str] | None = None
) -> str:
    """One paragraph: '按照有关规定，本次普查需督办……' with each rule's count."""
    counts = duty_counts(con, wave, townships)
    if not counts or not any(c["outflow"] for c in counts):
        return "本次普查范围内没有流出党员，无督办事项。"
    parts = []
    for c in counts:
        if not c["assessed"]:
            parts.append(f"{c['rule_name']}{NOT_ASSESSED}")
        elif c["branches_not_assessed"]:
            parts.append(
                f"{c['rule_name']}{c['due']}人（{c['branches_not_assessed']}个支部{NOT_ASSESSED}）"
            )
        else:
            parts.append(f"{c['rule_name']}{c['due']}人")
    total = sum(c["due"] for c in counts)
    return (
        f"按照党员教育管理和流动党员管理的有关规定，本次普查共有{total}项督办事项"
        f"（同一党员可涉及多项）：{'，'.join(parts)}。"
        "请各党支部对照督办清单逐人落实，下次普查时核销。"
    )

"""Where a sheet's header is and what each of its columns is: the header row found among the
first rows, a two-level header joined, a header cell merged across columns spread, and one
column kept per field (`layout` reads the table under it; the fix-lists find it again).
"""

from __future__ import annotations

from pipeline.clean.normalize import is_blank, to_text
from pipeline.parse.header_rules import header_key
from pipeline.parse.headers import (
    DEST_PARTS,
    clean_text,
    header_rank,
    is_header_word,
    is_subheader_word,
    map_header,
    map_part,
)

HEADER_SCAN_ROWS = 30
MIN_HEADER_FIELDS = 3


def _row_fields(row: list[object]) -> set[str]:
    return {f for f in (map_header(cell) for cell in row) if f and f != "seq"}


def _header_score(fields: set[str]) -> int:
    if "name" in fields and len(fields) >= MIN_HEADER_FIELDS:
        return len(fields)
    if {"branch", "members_total"} <= fields:
        return len(fields)
    return 0


def find_header(rows: list[list[object]]) -> int | None:
    """Index of the header row: the early row that names the most known fields."""
    best, best_score = None, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _header_score(_row_fields(row))
        if score > best_score:
            best, best_score = index, score
    return best


def is_subheader(row: list[object]) -> bool:
    """The row under a two-level header: only header words, or words that are headers under
    their group (时间, 地点, 状态 under 外出情况, 联系情况)."""
    cells = [cell for cell in row if not is_blank(cell)]
    return bool(cells) and all(
        isinstance(cell, str) and (is_header_word(cell) or is_subheader_word(cell))
        for cell in cells
    )


def map_columns(
    header: list[object],
    sub: list[object] | None,
    merged,
    header_index: int,
    chosen: dict[str, str] | None = None,
    hidden: frozenset[int] = frozenset(),
) -> list[tuple[str, str | None]]:
    """(label, field) per column; a two-level header joins parent and child. `chosen`
    (header key → field) is what an analyst decided for columns the rules leave unmapped.
    A column the analyst hid keeps its field only when no visible column names it."""
    parents = list(header)
    if sub is not None:
        for r0, c0, _r1, c1 in merged:
            if r0 == header_index and c1 > c0:
                for c in range(c0 + 1, min(c1, len(parents) - 1) + 1):
                    parents[c] = parents[c0]
        for c in range(1, len(parents)):
            if is_blank(parents[c]) and c < len(sub) and not is_blank(sub[c]):
                parents[c] = parents[c - 1]
    result = []
    for c, parent in enumerate(parents):
        child = sub[c] if sub is not None and c < len(sub) and not is_blank(sub[c]) else None
        parent_text = to_text(parent)
        if (
            child is not None
            and parent_text
            and not (sub is not None and clean_text(child) == clean_text(parent))
        ):
            label = f"{parent_text}/{to_text(child)}"
            mapped = map_part(map_header(parent), child, parent)
        else:
            label = parent_text or (to_text(child) or "")
            mapped = map_header(label) if label else None
        result.append((label, mapped) if label or mapped else ("", None))
    if sub is None:
        result = _spread_merged_header(result, merged, header_index)
    if chosen:
        result = [
            (label, chosen.get(header_key(label), mapped) if label else mapped)
            for label, mapped in result
        ]
    # A second column for the same field is reported, not silently merged; the column with the
    # more usual header word keeps the field (流入地 over an earlier 现居住地址).
    best: dict[str, int] = {}

    def rank(c: int) -> tuple[bool, int]:
        return c in hidden, _rank(result[c][0], chosen)

    for c, (_label, mapped) in enumerate(result):
        if mapped and (mapped not in best or rank(c) < rank(best[mapped])):
            best[mapped] = c
    return [
        (label, mapped if mapped and best[mapped] == c else None)
        for c, (label, mapped) in enumerate(result)
    ]


def _rank(label: str, chosen: dict[str, str] | None) -> int:
    """An analyst's choice outranks every word the machine knows."""
    return -1 if chosen and header_key(label) in chosen else header_rank(label)


def _spread_merged_header(result, merged, header_index: int) -> list[tuple[str, str | None]]:
    """Columns under a header cell merged across them: 流入地 over 浙江省 | 杭州市 is read as
    省 / 市 / 县 parts (their text is joined); any other header's extra columns are reported as
    unmapped (kept with the row), never silently dropped."""
    result = list(result)
    for r0, c0, _r1, c1 in merged:
        if r0 != header_index or c1 <= c0 or c0 >= len(result):
            continue
        label, field = result[c0]
        span = range(c0, min(c1, len(result) - 1) + 1)
        for k, c in enumerate(span):
            if field == "destination" and len(span) <= len(DEST_PARTS):
                result[c] = (f"{label}({k + 1})", DEST_PARTS[k])
            elif k:
                result[c] = (f"{label}({k + 1})", None)
    return result

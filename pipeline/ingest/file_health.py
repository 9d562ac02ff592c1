"""File health: a file that loads but whose figures look wrong is marked 需核对, with the reason.

Pure: a parsed workbook and its cleaned rows in, Chinese notices out. A health notice starts
with `REVIEW` so every surface (CLI, `--json`, dry run, 数据质量) can tell it from a plain
notice (a hidden sheet skipped, the wave taken from the filling date).
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from pipeline.clean.fields import DATE_FIELDS
from pipeline.clean.schemas import FIELD_LABELS
from pipeline.intake.cell_guard import column_letters
from pipeline.parse.dittos import is_ditto
from pipeline.parse.header_rules import header_key
from pipeline.parse.headers import map_header
from pipeline.places.geo import resolve_destination

REVIEW = "需核对："
DESTINATION_UNRESOLVED_SHARE = 0.10  # of outflow members
DATE_UNREADABLE_SHARE = 0.05  # of a date column's filled cells
_DATE_FAILURE = re.compile(r"日期无法识别|日期不存在")

# Words that say what a column is about even when no rule names its field: an unmapped column
# holding one of them probably carries figures the file's totals need.
_LOOKS_LIKE = (
    ("id_number", re.compile(r"身份|证件")),
    ("inflow_org", re.compile(r"流入地.*党组织|双重管理|纳入.*管理")),
    ("branch", re.compile(r"支部|党组织|总支")),
    ("destination", re.compile(r"流入|去向|外出地|现居|务工地|工作地|居住")),
    ("outflow_date", re.compile(r"(流出|外出|离开).*(时|日|年|月)")),
    ("has_certificate", re.compile(r"持证|活动证|党员证")),
    ("contact_status", re.compile(r"失联|联系状态|联系情况|联络")),
    ("returned", re.compile(r"返乡|回乡|回流")),
    ("enterprise", re.compile(r"创业|创办|企业")),
    ("jobs_created", re.compile(r"就业")),
    ("phone", re.compile(r"电话|手机")),
    ("stated_flow_scope", re.compile(r"范围|跨省|跨市|县内")),
)


def looks_like(label: str) -> str | None:
    """The field an unmapped header probably means, from its words alone, or None."""
    key = header_key(label.split("/")[-1]) or header_key(label)
    for field, pattern in _LOOKS_LIKE:
        if pattern.search(key):
            return field
    return None


def unmapped_known(columns, ignored=lambda _label: False) -> list[str]:
    """Columns that look like a field the file has no column for, yet are not mapped (and
    that an analyst has not declared to be no census field)."""
    mapped = {c.field for c in columns if c.field}
    out = []
    for column in columns:
        guess = None if column.field or ignored(column.label) else looks_like(column.label)
        if guess and guess not in mapped:
            out.append(
                f"{REVIEW}工作表“{column.sheet}”的“{column.label}”列像是“{FIELD_LABELS[guess]}”，"
                "但未能识别，未参与统计；可在上传试算中指定该列对应的字段"
            )
    return out


def second_columns(columns, raw: pd.DataFrame, ignored=lambda _label: False) -> list[str]:
    """A sheet with two columns for one field: the figures read the one with the more usual
    header word (`header_rows.map_columns`); the other is kept with its rows, out of the figures.
    Said when it matters: for the rows where the counted column is blank and the other is not
    (a 流入地 written in the second of two 流入地 columns counted as 未知); a second column
    that only repeats the first (手机 beside 联系电话, both filled) says nothing."""
    kept = {(c.sheet, c.field): _named(c) for c in columns if c.field}
    out = []
    for column in columns:
        if column.field or column.hidden or not column.label or ignored(column.label):
            continue
        field = map_header(column.label) or map_header(column.label.split("/")[-1])
        if field is None or (column.sheet, field) not in kept:
            continue
        rows = _only_in_second(raw, column.sheet, field, column.label)
        if not rows:  # it only repeats, or adds to, what the counted column says
            continue
        counted, other = kept[(column.sheet, field)], _named(column)
        out.append(
            f"{REVIEW}工作表“{column.sheet}”有两列“{FIELD_LABELS.get(field, field)}”："
            f"按{counted}统计，{other}未参与统计（其中 {rows} 行{counted}为空而{other}有内容，"
            "内容已随记录保留）；如应以后者为准，请在上传试算中指定"
        )
    return out


def _named(column) -> str:
    """“流入地”列, or with its letter (第 F 列“流入地”) where two columns share a header."""
    if column.index is None:
        return f"“{column.label}”列"
    return f"第 {column_letters(column.index + 1)} 列“{column.label}”"


def _only_in_second(raw: pd.DataFrame, sheet: str, field: str, label: str) -> int:
    if "extra" not in raw or field not in raw or "sheet" not in raw:
        return 0
    own = raw[raw["sheet"] == sheet]
    second = own["extra"].map(lambda extra: extra.get(label) if isinstance(extra, dict) else None)
    return int((second.map(_filled) & ~own[field].map(_filled)).sum())


def destinations_unresolved(members: pd.DataFrame) -> list[str]:
    # counted on two columns: no copy of the outflow members' rows
    outflow = ~members["is_returned"].astype(bool).to_numpy()
    total = int(outflow.sum())
    if not total:
        return []
    # 未知 as the scope counts have it: a relative 本县 / 省外, or a stated 流动范围, is a scope
    # although no province was resolved
    unknown = int((members["flow_scope"].isna().to_numpy() & outflow).sum())
    share = unknown / total
    if share <= DESTINATION_UNRESOLVED_SHARE:
        return []
    return [
        f"{REVIEW}{unknown} 名流出党员（{share:.0%}）的流入地缺失或无法识别，"
        "流动范围计为“未知”（超过 10%）"
    ]


def destinations_abroad(members: pd.DataFrame) -> list[str]:
    """Outflow members abroad: none of the four scopes, so 未知 (`places.geo`). Said once per
    file, so that the analyst knows why they are 未知 and nobody "fixes" them to 跨省."""
    unknown = members["flow_scope"].isna() & ~members["is_returned"].astype(bool)
    countries: Counter = Counter()
    for text, n in _distinct(members.loc[unknown, "destination_text"]):
        place = resolve_destination(text) if isinstance(text, str) else None
        if place is not None and place.foreign:
            countries[place.foreign] += n
    if not countries:
        return []
    named = "、".join(c for c, _ in countries.most_common(3))
    return [
        f"{sum(countries.values())} 名流出党员的流入地在国外（{named}），不属于跨省、省内跨市、"
        "市内跨县、县内中的任何一类，流动范围计为“未知”"
    ]


def dates_unreadable(raw: pd.DataFrame, rejects: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    out = []
    failed = None  # which rejects are date failures: found once, not once per date field
    for field in DATE_FIELDS:
        if field not in raw:
            continue
        filled = _count_filled(raw[field])
        if not filled or rejects.empty:
            continue
        if failed is None:
            failed = rejects["reason"].astype(str).str.contains(_DATE_FAILURE)
        bad = int(((rejects["field"] == field) & failed).sum())
        if bad / filled > DATE_UNREADABLE_SHARE:
            label = labels.get(field) or FIELD_LABELS.get(field, field)
            out.append(
                f"{REVIEW}“{label}”列有 {bad} 个值（{bad / filled:.0%}）无法识别为日期（超过 5%），"
                "已留空"
            )
    return out


def _count_filled(column: pd.Series) -> int:
    """How many cells are filled, one check per distinct value."""
    return sum(n for value, n in _distinct(column) if _filled(value))


def _filled(value: object) -> bool:
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, float):
        return value == value  # NaN is empty; any other number is written
    return value is not None and str(value).strip() != ""


_NUMBER_ONLY = re.compile(r"[\d.]+")


def odd_branches(members: pd.DataFrame) -> list[str]:
    """Branch names that are ditto marks, numbers or blanks: the unit figures are wrong."""
    if members.empty:
        return []
    found = {"为空": 0, "只是数字": 0, "是“〃”或“同上”": 0}
    # Each distinct name is looked at once and counted as often as it occurs.
    for value, n in _distinct(members["branch"]):
        name = "" if _missing(value) else str(value).strip()
        if name == "":
            found["为空"] += n
        elif _NUMBER_ONLY.fullmatch(name):
            found["只是数字"] += n
        if is_ditto(name):
            found["是“〃”或“同上”"] += n
    return [
        f"{REVIEW}{n} 名党员的所在党支部{what}，按支部统计的数字不可靠"
        for what, n in found.items()
        if n
    ]


def _missing(value: object) -> bool:
    """What fillna would fill: None, NaN, NA, NaT."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list-like cell is no missing value
        return False


def _distinct(column: pd.Series) -> list[tuple[object, int]]:
    """(value, how often) per distinct value, found by hashing (an unhashable cell: alone)."""
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        # a text column is counted column-wise (its missing cells as one NaN)
        counts = column.value_counts(dropna=False, sort=False)
        return list(zip(counts.index.tolist(), counts.tolist(), strict=True))
    values = column.to_numpy(dtype=object)
    try:
        return list(Counter(values).items())
    except TypeError:
        return [(value, 1) for value in values]


def health_notices(
    book,
    raw: pd.DataFrame,
    members: pd.DataFrame,
    rejects: pd.DataFrame,
    labels: dict[str, str],
    ignored=lambda _label: False,
) -> list[str]:
    """Every reason the file's figures need checking, in reading order."""
    return [
        *unmapped_known(book.columns, ignored),
        *second_columns(book.columns, raw, ignored),
        *destinations_unresolved(members),
        *destinations_abroad(members),
        *dates_unreadable(raw, rejects, labels),
        *odd_branches(members),
    ]

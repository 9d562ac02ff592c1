"""The values vote: a column a rule took for a field, whose values mostly are not that field,
is not that field.

A header rule reads the header's words (联系时间 → last contact date); the cells may say
otherwise (每月一次, 电话联系). Rather than reject every row for a misread column, the column
is kept as an unrecognised one (its text stays with the row) and the file is marked 需核对.
A usual word from the table is overruled only when every one of its filled cells fails (a
联系状态 column answered 是/否/√/× cost every member of the township; now the members load and
the figure that needs the column is 未填报), and never for the columns that name the member
(姓名, 身份证号) or reach them (联系电话): those values are the township's to correct. An
analyst's choice is never overruled.
"""

from __future__ import annotations

import pandas as pd

from pipeline.clean.normalize import BLANKED, to_text
from pipeline.clean.schemas import FIELD_LABELS
from pipeline.ingest.file_health import REVIEW
from pipeline.parse.header_rules import RULE_RANK, header_key
from pipeline.parse.headers import header_rank

CONTRADICTED_SHARE = 0.5  # of the column's filled cells
MIN_FILLED = 3
ROW_OWN_FIELDS = frozenset({"name", "id_number", "phone"})  # wrong values cost their rows


def _filled(values: pd.Series) -> int:
    return int((values.notna() & values.astype(str).str.strip().ne("")).sum())


def failed_values(rejects: pd.DataFrame, warnings: pd.DataFrame) -> pd.DataFrame:
    """The rejects, and the warnings of values left blank because unreadable (dates): both
    are values that are not the field."""
    if warnings.empty or "reason" not in warnings:
        return rejects
    blanked = warnings[warnings["reason"].astype(str).str.endswith(BLANKED)]
    return pd.concat([rejects, blanked], ignore_index=True) if len(blanked) else rejects


def contradicted(columns, raw: pd.DataFrame, rejects: pd.DataFrame, chosen: set[str]) -> dict:
    """field → header of the rule-mapped columns whose values mostly fail the field's rules."""
    if rejects.empty or "field" not in rejects:
        return {}
    failed = rejects.drop_duplicates(["sheet", "excel_row", "field"])["field"].value_counts()
    out = {}
    for column in columns:
        field = column.field
        if (
            not field
            or field not in raw
            or not failed.get(field)
            or field in ROW_OWN_FIELDS
            or header_key(column.label) in chosen
        ):
            continue
        filled = _filled(raw[field])
        by_rule = header_rank(column.label) == RULE_RANK
        share = failed[field] / filled if filled else 0.0
        if filled >= MIN_FILLED and (share > CONTRADICTED_SHARE if by_rule else share >= 1.0):
            out[field] = column.label
    return out


def keep_as_unmapped(raw: pd.DataFrame, columns, wrong: dict) -> pd.DataFrame:
    """`raw` without the misread fields, their text kept in each row's `extra`; the book's
    columns say they are unmapped."""
    for column in columns:
        if column.field in wrong and column.label == wrong[column.field]:
            column.field = None
    extras = raw["extra"] if "extra" in raw else pd.Series(None, index=raw.index, dtype=object)
    texts = {label: raw[field].map(to_text) for field, label in wrong.items()}
    merged = []
    for i, old in zip(raw.index, extras, strict=True):
        row = dict(old) if isinstance(old, dict) else {}
        row.update({label: t[i] for label, t in texts.items() if t[i]})
        merged.append(row or None)
    return raw.drop(columns=list(wrong)).assign(extra=merged)


def notices(wrong: dict) -> list[str]:
    return [_notice(field, label) for field, label in wrong.items()]


def _notice(field: str, label: str) -> str:
    name = FIELD_LABELS.get(field, field)
    if header_rank(label) == RULE_RANK:
        return (
            f"{REVIEW}“{label}”列按表头像是“{name}”，但多数内容不是，"
            "已作为未识别的列保留（未参与统计）；如确是该字段，可在上传试算中指定"
        )
    return (
        f"{REVIEW}“{label}”列没有一项能读作“{name}”，已作为未识别的列保留（未参与统计，"
        "相关指标记为未填报）；请按填表要求改写该列后重新报送"
    )

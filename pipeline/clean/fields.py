"""Each field of a raw census frame through its own function (`normalize`, `vocabulary`,
`field_wording`): the parsed values, the failures that reject a row, and the dates left blank.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.clean import id_numbers as idnum
from pipeline.clean import normalize as nz
from pipeline.clean import vocabulary as vocab
from pipeline.clean.columnwise import (
    VECTOR_TEXT,
    map_distinct,
    refusing_formula_errors,
    vector_text,
)
from pipeline.clean.field_wording import certificate_held, name_or_no
from pipeline.clean.phone_cells import phone_text
from pipeline.clean.rough_counts import parse_jobs
from pipeline.clean.row_issues import issue_rows

DATE_FIELDS = (
    "outflow_date",
    "last_contact_date",
    "return_date",
    "birth_date",
    "dues_paid_through",
)
TEXT_FIELDS = (
    "branch",
    "occupation",
    "inflow_org",
    "enterprise",
    "enterprise_industry",
    "remarks",
    "destination",
    "dest_province",
    "dest_city",
    "dest_county",
)
# A failed formula where the member's name should be costs the row, as a blank 姓名 does;
# anywhere else (身份证号 included, which may be blank) it costs the field.
MEMBER_NAMING = frozenset({"name"})
PARSERS: dict[str, Callable[[object], object]] = {
    **dict.fromkeys(DATE_FIELDS, nz.parse_date),
    "id_number": idnum.normalize_id,
    "jobs_created": parse_jobs,
    "gender": vocab.normalize_gender,
    "contact_status": vocab.normalize_contact_status,
    "lost_flag": vocab.lost_flag_status,
    "reachable": vocab.reachable_status,
    "stated_flow_scope": vocab.normalize_flow_scope,
    "returned": vocab.parse_returned,
    "name": nz.normalize_name,
    "phone": nz.normalize_phone,
    **dict.fromkeys(TEXT_FIELDS, nz.optional_text),
    # fields a rule-recognised header may word as a question or an act (field_wording.py)
    "inflow_org": name_or_no,
    "enterprise": name_or_no,
    "has_certificate": certificate_held,
    "branch": nz.branch_name,
}

# How each parsed field is typed; the rest stay Python objects (是/否 fields are True/False,
# or the unknown word itself until the schema rejects it; counts go through to_numeric).
PARSED_DTYPES = {
    **dict.fromkeys(DATE_FIELDS, "datetime64[us]"),
    **dict.fromkeys(
        (
            *TEXT_FIELDS,
            "gender",
            "contact_status",
            "lost_flag",
            "reachable",
            "stated_flow_scope",
            "name",
            "phone",
            "id_number",
        ),
        "str",
    ),
}


def parse_fields(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(parsed fields, failures that reject their row, dates left blank because unreadable)."""
    parsed = pd.DataFrame(index=raw.index)
    failures = []
    blanked = []
    for field, parser in PARSERS.items():
        if field not in raw:  # a column the file does not have: blank in every row
            parsed[field] = pd.Series(None, index=raw.index, dtype=PARSED_DTYPES.get(field, object))
            continue
        column = raw[field]
        if field == "phone":  # two numbers in one cell stay two; 13812345678.0 is 13812345678
            column = phone_text(column)
        if field == "id_number":  # 身份证号：…, 330327-19800101-…, …（已核实）
            column = idnum.strip_id_words(column)
        parser = refusing_formula_errors(parser)
        if field in VECTOR_TEXT:
            values, errors = vector_text(column, parser, **VECTOR_TEXT[field])
        else:
            values, errors = map_distinct(column, parser, PARSED_DTYPES.get(field))
        parsed[field] = values
        if len(errors):
            formula = errors.str.startswith(nz.FORMULA_ERROR_START)
            if formula.any():
                broken, errors = errors[formula], errors[~formula]
                if field in MEMBER_NAMING:
                    failures.append(issue_rows(broken.index, field, broken + nz.FORMULA_REJECTED))
                else:
                    blanked.append(issue_rows(broken.index, field, broken + nz.FORMULA_BLANKED))
        if len(errors) and field in DATE_FIELDS:
            blanked.append(issue_rows(errors.index, field, errors + nz.BLANKED))
        elif len(errors):
            failures.append(issue_rows(errors.index, field, errors))
    for field, dtype in PARSED_DTYPES.items():
        if dtype == "str":  # NUL, control, zero-width and bidi characters: no field keeps them
            parsed[field] = nz.drop_invisible(parsed[field])
    for field in ("has_certificate", "returned"):
        # True/False, or the unknown word for the schema to name: when every cell holds an
        # unknown word the column would otherwise come out typed as text (found by Hypothesis)
        parsed[field] = parsed[field].astype(object)
    parsed["jobs_created"] = pd.to_numeric(parsed["jobs_created"]).astype(float)
    # A 联系状态 column, where there is one, says more than a 是否失联 or 能否联系 column.
    parsed["contact_status"] = (
        parsed["contact_status"].fillna(parsed.pop("lost_flag")).fillna(parsed.pop("reachable"))
    )
    return parsed, concat_issues(failures), concat_issues(blanked)


def concat_issues(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else issue_rows([], None, [])

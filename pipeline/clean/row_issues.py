"""What is wrong with a file's rows, as quarantine and warning rows a township can act on.

Pure: frames in, frames out. Issues are (row, field, reason) until `issue_frame` turns them
into QUARANTINE_COLUMNS with the sheet, Excel row and the value as written (IDs masked).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.clean import id_numbers as idnum
from pipeline.clean import normalize as nz
from pipeline.clean import vocabulary as vocab
from pipeline.clean.columnwise import joined_text, map_distinct
from pipeline.clean.phone_cells import phone_problem
from pipeline.clean.rough_counts import jobs_caveat
from pipeline.clean.schemas import (
    FIELD_LABELS,
    FILE_PART,
    QUARANTINE_COLUMNS,
    REASONS,
    CensusRows,
)
from pipeline.intake.error_cells import FORMULA_ERRORS
from pipeline.parse.headers import DEST_PARTS


def issue_frame(
    raw: pd.DataFrame,
    labels: dict[str, str],
    issues: pd.DataFrame,
    context: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Quarantine/warning rows from issues (row, field, reason); ID values are masked.

    With `context` (per-row township and wave), each issue carries its own row's: a county
    workbook's rejects belong to each township's list, not to the file's main township."""
    columns = QUARANTINE_COLUMNS + (["township", "wave"] if context is not None else [])
    if FILE_PART in raw:  # a batch's: which file each issue belongs to
        columns = [*columns, FILE_PART]
    if issues.empty:
        return pd.DataFrame(columns=columns)
    parts = []
    for field, group in issues.groupby("field", sort=False):
        rows = group["row"].to_numpy()
        source = _written(raw, field, rows)
        values, _ = map_distinct(source.reset_index(drop=True), _shown_value(field))
        parts.append(
            pd.DataFrame(
                {
                    "row": rows,
                    "sheet": raw["sheet"].take(rows).to_numpy(),
                    "excel_row": raw["excel_row"].take(rows).astype(int).to_numpy(),
                    "field": field,
                    "column_label": labels.get(field, FIELD_LABELS.get(field, field)),
                    "value": values.to_numpy(),
                    "reason": group["reason"].to_numpy(),
                    **(
                        {FILE_PART: raw[FILE_PART].take(rows).to_numpy()}
                        if FILE_PART in raw
                        else {}
                    ),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sort_values(["excel_row", "field"], kind="stable")
    if context is not None:
        rows = frame["row"].to_numpy()
        frame["township"] = context["township"].take(rows).to_numpy()
        frame["wave"] = context["wave"].take(rows).to_numpy()
    return frame[columns].reset_index(drop=True)


def _written(raw: pd.DataFrame, field: str, rows: np.ndarray) -> pd.Series:
    """What the row says for `field`; a destination given in 省/市/县 columns is joined."""
    if field in raw.columns:
        return raw[field].take(rows)
    parts = [c for c in DEST_PARTS if c in raw.columns]
    if field == "destination" and parts:
        return joined_text(raw[parts].take(rows).map(nz.to_text))
    return pd.Series(None, index=rows, dtype=object)


def _shown_value(field: str) -> Callable[[object], str | None]:
    if field == "id_number":  # what a failed formula shows is nobody's number: shown as is
        return lambda v: (
            v.strip()
            if isinstance(v, str) and v.strip() in FORMULA_ERRORS
            else idnum.mask_id((nz.to_text(v) or "").replace(" ", "")) or None
        )
    return nz.to_text


def issue_rows(rows, field, reasons) -> pd.DataFrame:
    return pd.DataFrame(
        {"row": list(rows), "field": field, "reason": list(reasons)},
        columns=["row", "field", "reason"],
    )


def schema_failures(check_frame: pd.DataFrame) -> pd.DataFrame:
    try:
        CensusRows.validate(check_frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return issue_rows([], None, [])
    # pandera repeats a dataframe check's failure once per column; one per row is enough.
    cases = cases.drop_duplicates(["index", "check"])
    if cases["index"].isna().any():
        bad = cases.loc[cases["index"].isna(), ["column", "check", "failure_case"]]
        raise AssertionError(f"schema failure without a row: {bad.to_dict('records')}")
    check = cases["check"].astype(str)
    split = check.str.rpartition("|")
    has_field = split[1] == "|"
    fields = split[0].where(has_field, cases["column"].astype(str))
    rules = split[2].where(has_field, check).str.split("(").str[0]
    parts = []
    for (field, rule), group in pd.DataFrame(
        {"row": cases["index"].astype(int), "field": fields, "rule": rules}
    ).groupby(["field", "rule"], sort=False):
        reason_of = REASONS.get(rule) or (lambda _v, f=field: f"{FIELD_LABELS.get(f, f)}不符合要求")
        values = check_frame[field].take(group["row"].to_numpy()).reset_index(drop=True)
        reasons, _ = map_distinct(values, reason_of)
        reasons = reasons.fillna(reason_of(None)) if values.isna().any() else reasons
        parts.append(issue_rows(group["row"], field, reasons))
    return pd.concat(parts, ignore_index=True)


def name_first_duplicate(
    failures: pd.DataFrame, check: pd.DataFrame, raw: pd.DataFrame
) -> pd.DataFrame:
    """A township can only fix a duplicate it can find: name the row it repeats."""
    duplicate = failures["reason"].eq(REASONS["id_unique"](None))
    if not duplicate.any():
        return failures
    keys = ["township", "wave", "id_number", *([FILE_PART] if FILE_PART in check else [])]
    ids = check[keys].dropna()
    first = ids.index.to_series().groupby([ids[k] for k in keys]).transform("min")
    rows = failures.loc[duplicate, "row"].astype(int)
    origin = first.reindex(rows.to_numpy()).to_numpy()
    where = [
        f"{raw.at[o, 'sheet']}表" if raw.at[o, "sheet"] != raw.at[r, "sheet"] else ""
        for r, o in zip(rows, origin, strict=True)
    ]
    text = [
        f"身份证号与{w}第{int(raw.at[o, 'excel_row'])}行重复（同一乡镇同一普查批次只能登记一次）"
        for w, o in zip(where, origin, strict=True)
    ]
    out = failures.copy()
    out.loc[duplicate, "reason"] = text
    return out


_LIFE_EVENTS = {
    "outflow_date": "流出时间",
    "return_date": "返乡时间",
    "last_contact_date": "最近联系时间",
}


def _before_birth(valid: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """Dates in a month before the member was born (by the ID number, else 出生年月): a typo in
    the date or in the ID, which the long-term count would otherwise take as written."""
    born = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    born = born.reindex(valid.index)
    if "birth_date" in valid:
        born = born.fillna(valid["birth_date"])
    born = born - pd.to_timedelta(born.dt.day - 1, unit="D")  # month precision, as the dates
    parts = []
    for field, label in _LIFE_EVENTS.items():
        if field not in valid:
            continue
        early = (valid[field] < born).fillna(False)
        if early.any():
            parts.append(
                issue_rows(
                    valid.index[early],
                    field,
                    label
                    + "早于出生年月（"
                    + born[early].dt.strftime("%Y年%-m月").to_numpy()
                    + "），请核对",
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else issue_rows([], None, [])


def row_warnings(valid: pd.DataFrame) -> pd.DataFrame:
    """Rows that load but deserve a look; vectorised because a province has millions of rows."""
    parts = []
    ids = valid["id_number"].dropna().astype(str)
    odd = ids.str.slice(16, 17).isin(["1", "3", "5", "7", "9"])  # the sex digit of an 18-digit ID
    id_gender = pd.Series(np.where(odd, "男", "女"), index=ids.index, dtype="str")
    stated = valid.loc[ids.index, "gender"]
    mismatch = stated.notna() & (stated != id_gender)
    parts.append(
        issue_rows(
            ids.index[mismatch],
            "gender",
            "性别与身份证号不符（身份证号显示为" + id_gender[mismatch] + "）",
        )
    )
    parts.append(_before_birth(valid, ids))
    conflict = (
        valid["stated_flow_scope"].notna()
        & valid["derived_scope"].notna()
        & (valid["stated_flow_scope"] != valid["derived_scope"])
    )
    parts.append(
        issue_rows(
            valid.index[conflict],
            "stated_flow_scope",
            "流动范围填写为“"
            + valid.loc[conflict, "stated_flow_scope"].astype(str)
            + "”，但按流入地应为“"
            + valid.loc[conflict, "derived_scope"].astype(str)
            + "”",
        )
    )
    unresolved = (
        valid["destination_text"].notna()
        & valid["derived_scope"].isna()
        & valid["stated_flow_scope"].isna()
    )
    # "温州" names a place, but not whether the member left the county: say how far it got.
    partly = valid.loc[unresolved, "resolved_as"]
    parts.append(
        issue_rows(
            valid.index[unresolved],
            "destination",
            np.where(
                partly.notna(),
                "流入地只能确定到" + partly.fillna("") + "，无法判断流动范围，按“未知”统计",
                "流入地无法识别，流动范围按“未知”统计",
            ),
        )
    )
    phones = valid["phone"].dropna().astype(str)
    # Python's regex engine runs per value (the patterns use look-ahead); only the phones with
    # a separator or a country code need it, and most are eleven bare digits.
    written = ~phones.str.isdecimal() | phones.str.startswith(("86", "00"))
    odd_phone = pd.Series(False, index=phones.index)
    if written.any():
        odd_phone[written] = phones[written].map(phone_problem).notna()
    plain = ~written
    odd_phone[plain] = ~phones[plain].str.fullmatch(nz.PHONE_PATTERN)
    parts.append(
        issue_rows(phones.index[odd_phone], "phone", [nz.PHONE_PROBLEM] * int(odd_phone.sum()))
    )
    odd_return = valid["returned"].eq(False).fillna(False) & valid["return_date"].notna()
    parts.append(
        issue_rows(
            valid.index[odd_return],
            "returned",
            ["填写未返乡，但有返乡时间"] * int(odd_return.sum()),
        )
    )
    return pd.concat(parts, ignore_index=True)


def rough_dates(raw: pd.DataFrame, rows: pd.Index, fields) -> pd.DataFrame:
    """Loaded rows whose date was written as a year or a part of one (2019年底): read as the
    first month the words allow, which an analyst should know, with the text as written. So
    too a rough jobs figure (10余人, 约20人), read as the number written, and a stated scope
    coarser than the four (省内, 国外), left to the destination."""
    parts = []
    others = {"jobs_created": jobs_caveat, "stated_flow_scope": vocab.scope_caveat}
    for field in (*fields, *others):
        if field in raw:
            caveat = others.get(field, nz.date_caveat)
            caveats = map_distinct(raw[field].take(rows), caveat)[0].dropna()
            parts.append(issue_rows(caveats.index, field, caveats.to_numpy()))
    return pd.concat(parts, ignore_index=True) if parts else issue_rows([], None, [])

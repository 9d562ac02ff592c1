"""Pure transforms: a raw census frame in, clean members + quarantine + warnings out.

Nothing here reads files or touches the warehouse; the ID hasher is passed in so the secret
stays at the edge. Expensive per-value work (dates, IDs, destinations) runs once per distinct
value and is mapped back onto the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from pipeline import normalize as nz
from pipeline.geo import flow_scope, resolve_many
from pipeline.schemas import (
    FIELD_LABELS,
    QUARANTINE_COLUMNS,
    REASONS,
    BranchTotals,
    CensusRows,
    MemberRows,
)

DATE_FIELDS = ("outflow_date", "last_contact_date", "return_date", "birth_date", "dues_paid_through")
TEXT_FIELDS = ("branch", "occupation", "inflow_org", "enterprise", "enterprise_industry", "remarks",
               "destination", "dest_province", "dest_city", "dest_county")
PARSERS: dict[str, Callable[[object], object]] = {
    **dict.fromkeys(DATE_FIELDS, nz.parse_date),
    "id_number": nz.normalize_id,
    "jobs_created": nz.parse_count,
    "gender": nz.normalize_gender,
    "contact_status": nz.normalize_contact_status,
    "stated_flow_scope": nz.normalize_flow_scope,
    "has_certificate": nz.parse_bool,
    "returned": nz.parse_bool,
    "name": nz.normalize_name,
    "phone": nz.normalize_phone,
    **dict.fromkeys(TEXT_FIELDS, nz.to_text),
}


class ContextMissing(ValueError):
    """The file does not say which township or census wave it is (spec §3: reject the file)."""


@dataclass
class Cleaned:
    members: pd.DataFrame  # validated against MemberRows
    rejects: pd.DataFrame  # QUARANTINE_COLUMNS
    warnings: pd.DataFrame  # QUARANTINE_COLUMNS
    rows_rejected: int


def map_distinct(series: pd.Series, func: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    """(values, errors): `func` applied once per distinct value; ValueError texts become errors."""
    values, errors = {}, {}
    for value in series.dropna().unique():
        try:
            values[value] = func(value)
        except ValueError as exc:
            errors[value] = str(exc)
    parsed = series.map(lambda v: values.get(v)) if values else pd.Series(None, index=series.index, dtype=object)
    failed = series.map(lambda v: errors.get(v)) if errors else pd.Series(None, index=series.index, dtype=object)
    return parsed, failed


def _wave_of(value: object) -> str | None:
    if nz.is_blank(value):
        return None
    try:
        parsed = nz.parse_date(value)
    except ValueError:
        return None
    return f"{parsed.year:04d}-{parsed.month:02d}" if parsed else None


def resolve_context(raw: pd.DataFrame, township: str | None, wave: str | None) -> pd.DataFrame:
    """Per-row township and wave: the row's own column, else the file's title or name."""
    out = pd.DataFrame(index=raw.index)
    own_township = raw["township"].map(nz.to_text) if "township" in raw else pd.Series(None, index=raw.index)
    own_wave = raw["census_wave"].map(_wave_of) if "census_wave" in raw else pd.Series(None, index=raw.index)
    out["township"] = own_township.fillna(township) if township else own_township
    out["wave"] = own_wave.fillna(wave) if wave else own_wave
    if out["township"].isna().any():
        raise ContextMissing("无法确定所属乡镇：表中没有“所属乡镇”列，标题和文件名中也没有乡镇名称")
    if out["wave"].isna().any():
        raise ContextMissing("无法确定普查时间：表中没有“普查时间”列，标题和文件名中也没有年月（如2022-04）")
    return out


def _branch(raw: pd.DataFrame, parsed: pd.DataFrame) -> pd.Series:
    branch = parsed["branch"]
    for fallback in ("sheet_branch", "block_branch"):
        if fallback in raw:
            branch = branch.fillna(raw[fallback].map(nz.to_text))
    return branch.fillna("")


def _issue_frame(raw: pd.DataFrame, labels: dict[str, str], issues: list[tuple[int, str, str]]) -> pd.DataFrame:
    """Quarantine/warning rows from (row index, field, reason); ID values are masked."""
    rows = []
    for index, field, reason in issues:
        value = raw.at[index, field] if field in raw.columns else None
        text = nz.to_text(value)
        if field == "id_number" and text:
            text = nz.mask_id(text.replace(" ", ""))
        rows.append({
            "sheet": raw.at[index, "sheet"],
            "excel_row": int(raw.at[index, "excel_row"]),
            "field": field,
            "column_label": labels.get(field, FIELD_LABELS.get(field, field)),
            "value": text,
            "reason": reason,
        })
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)


def _schema_failures(check_frame: pd.DataFrame, raw: pd.DataFrame) -> list[tuple[int, str, str]]:
    try:
        CensusRows.validate(check_frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    issues = []
    for case in cases.itertuples(index=False):
        if pd.isna(case.index):
            raise AssertionError(f"schema failure without a row: {case.check}")  # a bug, not bad data
        row = int(case.index)
        check = str(case.check)
        field, _, rule = check.rpartition("|") if "|" in check else (case.column, "", check)
        reason_of = REASONS.get(rule) or REASONS.get(rule.split("(")[0])
        value = check_frame.at[row, field] if field in check_frame.columns else case.failure_case
        reason = reason_of(value) if reason_of else f"{FIELD_LABELS.get(field, field)}不符合要求"
        issues.append((row, field, reason))
    return issues


def parse_fields(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    parsed = pd.DataFrame(index=raw.index)
    failures: list[tuple[int, str, str]] = []
    for field, parser in PARSERS.items():
        column = raw[field] if field in raw else pd.Series(None, index=raw.index, dtype=object)
        values, errors = map_distinct(column, parser)
        parsed[field] = values.astype(object)
        failures.extend((i, field, reason) for i, reason in errors.dropna().items())
    for field in DATE_FIELDS:
        parsed[field] = pd.to_datetime(parsed[field]).astype("datetime64[us]")
    parsed["jobs_created"] = pd.to_numeric(parsed["jobs_created"]).astype(float)
    return parsed, failures


def destination_text(parsed: pd.DataFrame) -> pd.Series:
    parts = parsed[["dest_province", "dest_city", "dest_county"]].fillna("")
    joined = (parts["dest_province"] + parts["dest_city"] + parts["dest_county"]).replace("", None)
    return parsed["destination"].fillna(joined)


def _warnings(valid: pd.DataFrame) -> list[tuple[int, str, str]]:
    issues = []
    id_gender = valid["id_number"].dropna().map(nz.gender_from_id)
    mismatch = id_gender[valid.loc[id_gender.index, "gender"].notna() & (valid.loc[id_gender.index, "gender"] != id_gender)]
    issues += [(i, "gender", f"性别与身份证号不符（身份证号显示为{g}）") for i, g in mismatch.items()]
    conflict = valid["stated_flow_scope"].notna() & valid["derived_scope"].notna() & (
        valid["stated_flow_scope"] != valid["derived_scope"])
    issues += [(i, "stated_flow_scope", f"流动范围填写为“{valid.at[i, 'stated_flow_scope']}”，但按流入地应为“{valid.at[i, 'derived_scope']}”")
               for i in valid.index[conflict]]
    unresolved = valid["destination_text"].notna() & valid["derived_scope"].isna() & valid["stated_flow_scope"].isna()
    issues += [(i, "destination", "流入地无法识别，流动范围按“未知”统计") for i in valid.index[unresolved]]
    phones = valid["phone"].dropna()
    bad_phone = {p: nz.phone_problem(p) for p in phones.unique()}
    issues += [(i, "phone", bad_phone[p]) for i, p in phones.items() if bad_phone[p]]
    odd_return = (valid["returned"] == False) & valid["return_date"].notna()  # noqa: E712
    issues += [(i, "returned", "填写未返乡，但有返乡时间") for i in valid.index[odd_return]]
    return issues


def clean_census(raw: pd.DataFrame, *, township: str | None, wave: str | None, home_county: str,
                 hash_id: Callable[[str], str], labels: dict[str, str] | None = None) -> Cleaned:
    """The whole row pipeline of spec §2–3 for one file's member rows."""
    labels = labels or {}
    raw = raw.reset_index(drop=True)
    context = resolve_context(raw, township, wave)
    parsed, failures = parse_fields(raw)
    check = parsed.assign(row_id=range(len(parsed)), township=context["township"], wave=context["wave"])
    check["wave_end"] = pd.to_datetime(check["wave"].map(nz.month_end)).astype("datetime64[us]")
    failures += _schema_failures(check, raw)

    rejected = sorted({index for index, _, _ in failures})
    valid = check.drop(index=rejected)
    valid["branch"] = _branch(raw.drop(index=rejected), valid)
    valid["destination_text"] = destination_text(valid)
    places = resolve_many(valid["destination_text"].tolist())
    place = valid["destination_text"].map(lambda t: places.get(t))
    valid["derived_scope"] = place.map(lambda p: flow_scope(home_county, p) if p is not None else None)
    warnings = _warnings(valid)

    ids = valid["id_number"]
    members = pd.DataFrame({
        "member_key": None,
        "wave": valid["wave"],
        "township": valid["township"],
        "branch": valid["branch"],
        "name": valid["name"],
        "gender": valid["gender"].fillna(ids.dropna().map(nz.gender_from_id)),
        "birth_date": valid["birth_date"].fillna(pd.to_datetime(ids.dropna().map(nz.birth_from_id))),
        "id_hash": ids.map(hash_id, na_action="ignore"),
        "id_masked": ids.map(nz.mask_id, na_action="ignore"),
        "outflow_date": valid["outflow_date"],
        "destination_text": valid["destination_text"],
        **{f"dest_{level}{suffix}": place.map(lambda p, a=f"{level}{suffix}": getattr(p, a) if p is not None else None)
           for level in ("province", "city", "county") for suffix in ("", "_code")},
        "flow_scope": valid["stated_flow_scope"].fillna(valid["derived_scope"]),
        "stated_flow_scope": valid["stated_flow_scope"],
        "occupation": valid["occupation"],
        "phone": valid["phone"],
        "inflow_org": valid["inflow_org"],
        "has_certificate": valid["has_certificate"].astype("boolean"),
        "last_contact_date": valid["last_contact_date"],
        "contact_status": valid["contact_status"],
        "dues_paid_through": valid["dues_paid_through"],
        "is_returned": (valid["returned"] == True) | (valid["returned"].isna() & valid["return_date"].notna()),  # noqa: E712
        "return_date": valid["return_date"],
        "enterprise": valid["enterprise"],
        "enterprise_industry": valid["enterprise_industry"],
        "jobs_created": valid["jobs_created"].round().astype("Int64"),
        "remarks": valid["remarks"],
        "extra": raw.loc[valid.index, "extra"].map(_json, na_action="ignore") if "extra" in raw else None,
        "sheet": raw.loc[valid.index, "sheet"].astype(str),
        "excel_row": raw.loc[valid.index, "excel_row"].astype(int),
    })
    birth_month = members["birth_date"].dt.strftime("%Y-%m").fillna("")
    fallback_key = "n:" + members["township"] + "|" + members["name"] + "|" + birth_month + "|" + members["branch"]
    members["member_key"] = ("i:" + members["id_hash"]).fillna(fallback_key)
    members = _as_strings(members)
    members = MemberRows.validate(members.reset_index(drop=True), lazy=True)
    return Cleaned(
        members=members,
        rejects=_issue_frame(raw, labels, sorted(failures, key=lambda f: (raw.at[f[0], "excel_row"], f[1]))),
        warnings=_issue_frame(raw, labels, warnings),
        rows_rejected=len(rejected),
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column, dtype in MemberRows.to_schema().dtypes.items():
        if str(dtype) == "str" and column in out:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
            out[column] = out[column].map(lambda v: v if v is None else str(v))
    return out


def clean_branch_totals(raw: pd.DataFrame, *, township: str, wave: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(totals, rejects) from a 支部情况 sheet; a row without a usable count is rejected."""
    raw = raw.reset_index(drop=True)
    branch = raw["branch"].map(nz.to_text)
    counts, errors = map_distinct(raw["members_total"], nz.parse_count)
    bad = errors.notna() | counts.isna() | branch.isna() | (counts.fillna(0) < 0) | (counts.fillna(0) % 1 != 0)
    issues = [(i, "members_total", errors[i] or "党员总数应为非负整数") for i in raw.index[bad]]
    totals = pd.DataFrame({
        "wave": wave, "township": township, "branch": branch[~bad],
        "members_total": counts[~bad].astype("Int64"),
        "sheet": raw.loc[~bad, "sheet"].astype(str), "excel_row": raw.loc[~bad, "excel_row"].astype(int),
    })
    return BranchTotals.validate(totals.reset_index(drop=True), lazy=True), _issue_frame(raw, {}, issues)

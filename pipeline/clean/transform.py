"""Pure transforms: a raw census frame in, clean members + quarantine + warnings out.

Nothing here reads files or touches the warehouse; the ID hasher is passed in so the secret
stays at the edge. Expensive per-value work (dates, IDs, destinations) runs once per distinct
value and is mapped back onto the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.clean import id_numbers as idnum
from pipeline.clean import normalize as nz
from pipeline.clean.columnwise import joined_text, map_distinct
from pipeline.clean.fields import DATE_FIELDS, concat_issues, parse_fields
from pipeline.clean.row_issues import (
    issue_frame,
    issue_rows,
    name_first_duplicate,
    rough_dates,
    row_warnings,
    schema_failures,
)
from pipeline.clean.schemas import FILE_PART, BranchTotals, MemberRows
from pipeline.parse.context_hints import township_from_text
from pipeline.parse.headers import DEST_PARTS
from pipeline.places.geo import flow_scope, relative_scope, resolve_many

PLACE_ATTRS = ("province", "province_code", "city", "city_code", "county", "county_code")


class ContextMissing(ValueError):
    """The file does not say which township or census wave it is (spec §3: reject the file)."""


@dataclass
class Cleaned:
    members: pd.DataFrame  # validated against MemberRows
    rejects: pd.DataFrame  # QUARANTINE_COLUMNS
    warnings: pd.DataFrame  # QUARANTINE_COLUMNS
    rows_rejected: int
    parts: np.ndarray | None = None  # a batch's: each member row's file_part


def _wave_of(value: object) -> str | None:
    if nz.is_blank(value):
        return None
    try:
        parsed = nz.parse_date(value)
    except ValueError:
        return None
    return f"{parsed.year:04d}-{parsed.month:02d}" if parsed else None


def _township_name(value: object) -> str | None:
    """所属乡镇 as a title would give it: "苍南县矾山镇" → 矾山镇."""
    text = nz.to_text(value)
    return township_from_text(text) or text if text else None


def _same_townships(names: pd.Series, file_township: str | None) -> pd.Series:
    """A bare "矾山" is the file's one township starting with it (矾山镇), not a new township."""
    written = names.dropna().unique()
    known = {n for n in {*written, file_township} if n and n[-1] in "镇乡道"}
    bare = {n: [k for k in known if k.startswith(n)] for n in written}
    full = {n: found[0] for n, found in bare.items() if n not in known and len(found) == 1}
    return names.replace(full) if full else names


def resolve_context(raw: pd.DataFrame, township: str | None, wave: str | None) -> pd.DataFrame:
    """Per-row township and wave: the row's own column, else its sheet's title or name, else the
    file's."""
    out = pd.DataFrame(index=raw.index)
    # A column with no value at all (most files: no 所属乡镇 column, sheets without a title) is
    # skipped outright; a batch resolves this for every file and every 支部情况 sheet.
    own_township = _filled(raw, "township")
    if own_township is not None:
        own_township = _same_townships(
            map_distinct(own_township, _township_name, "str")[0], township
        )
    own_wave = _filled(raw, "census_wave")
    if own_wave is not None:
        own_wave = map_distinct(own_wave, _wave_of, "str")[0]
    for field, own, of_file, column, label, hint in (
        ("township", own_township, township, "township", "所属乡镇", "乡镇名称"),
        ("wave", own_wave, wave, "census_wave", "普查时间", "年月（如2022-04）"),
    ):
        sheet = _filled(raw, f"sheet_{field}")
        if sheet is not None:
            sheet = sheet.astype("str")
            own = sheet if own is None else own.fillna(sheet)
        if own is None:
            own = pd.Series(of_file, index=raw.index, dtype="str")
        elif of_file:
            own = own.fillna(of_file)
        out[field] = own
        blank = own.isna()
        if blank.any():
            where = (
                f"表中“{label}”列第{int(raw.loc[blank.idxmax(), 'excel_row'])}行为空"
                if column in raw and "excel_row" in raw
                else f"表中没有“{label}”列"
            )
            raise ContextMissing(f"无法确定{label}：{where}，标题和文件名中也没有{hint}")
    return out


def _filled(raw: pd.DataFrame, column: str) -> pd.Series | None:
    """The column when at least one row has a value in it."""
    values = raw.get(column)
    return values if values is not None and values.notna().any() else None


def _branch(raw: pd.DataFrame, parsed: pd.DataFrame) -> pd.Series:
    """The row's 所在党支部, else its sheet's or block's branch (rows of `parsed` only)."""
    branch = parsed["branch"]
    for fallback in ("sheet_branch", "block_branch"):
        if fallback in raw:
            named = map_distinct(raw[fallback], nz.branch_name, "str")[0]
            branch = branch.fillna(named.loc[parsed.index])
    return branch.fillna("")


def destination_text(parsed: pd.DataFrame) -> pd.Series:
    return parsed["destination"].fillna(joined_text(parsed[list(DEST_PARTS)]))


def clean_census(
    raw: pd.DataFrame,
    *,
    township: str | None,
    wave: str | None,
    home_county: str,
    hash_id: Callable[[str], str],
    labels: dict[str, str] | None = None,
    context: pd.DataFrame | None = None,
) -> Cleaned:
    """The whole row pipeline of spec §2–3 for one file's member rows, or a batch's.

    A batch is many files' rows at once, each tagged with its file in a `file_part` column and
    its township and wave already resolved in `context` (`resolve_context` per file): every
    rule is per row except 身份证号重复, which is then per file as well, so the result is what
    cleaning each file alone gives, for one pass of the fixed costs instead of one per file."""
    labels = labels or {}
    raw = raw.reset_index(drop=True)
    if context is None:
        context = resolve_context(raw, township, wave)
    else:
        context = context.reset_index(drop=True)
    parsed, failures, blanked = parse_fields(raw)
    check = parsed.assign(
        row_id=range(len(parsed)), township=context["township"], wave=context["wave"]
    )
    if FILE_PART in raw:
        check[FILE_PART] = raw[FILE_PART].to_numpy()
    check["wave_end"], _ = map_distinct(check["wave"], nz.month_end, "datetime64[us]")
    failures = name_first_duplicate(
        pd.concat([failures, _not_failed_yet(schema_failures(check), failures)], ignore_index=True),
        check,
        raw,
    )

    rejected = sorted(set(failures["row"].astype(int)))
    # the vocabulary rules have removed unknown words: 是/否 columns are True/False/blank now
    valid = check.drop(index=rejected).astype({"returned": "boolean", "has_certificate": "boolean"})
    valid["branch"] = _branch(raw, valid)
    valid["destination_text"] = destination_text(valid)
    # Resolve each distinct destination once, then take the answers back onto the rows.
    codes, texts = pd.factorize(valid["destination_text"], use_na_sentinel=True)
    places = resolve_many(texts, home_county)
    resolved = [places.get(t) for t in texts] + [None]
    codes = np.where(codes < 0, len(texts), codes)

    def per_row(values: list[object]) -> pd.Series:
        return pd.Series(pd.array(values, dtype="str").take(codes), index=valid.index)

    valid["derived_scope"] = per_row(
        [
            (flow_scope(home_county, p) if p is not None else None) or relative_scope(text)
            for p, text in zip(resolved, [*texts, None], strict=True)
        ]
    )
    valid["resolved_as"] = per_row([p.label if p is not None else None for p in resolved])
    warnings = concat_issues(
        [
            row_warnings(valid),
            rough_dates(raw, valid.index, DATE_FIELDS),
            blanked[blanked["row"].isin(valid.index)],
        ]
    )

    ids = valid["id_number"]
    members = pd.DataFrame(
        {
            "member_key": None,
            "wave": valid["wave"],
            "township": valid["township"],
            "branch": valid["branch"],
            "name": valid["name"],
            "gender": valid["gender"].fillna(_from_ids(ids, valid["gender"], idnum.gender_from_id)),
            "birth_date": valid["birth_date"].fillna(
                _from_ids(ids, valid["birth_date"], idnum.birth_from_id)
            ),
            "id_hash": _hashed(ids, hash_id),
            "id_masked": idnum.mask_ids(ids),
            "outflow_date": valid["outflow_date"],
            "destination_text": valid["destination_text"],
            **{
                f"dest_{attr}": per_row(
                    [getattr(p, attr) if p is not None else None for p in resolved]
                )
                for attr in PLACE_ATTRS
            },
            "flow_scope": valid["stated_flow_scope"].fillna(valid["derived_scope"]),
            "stated_flow_scope": valid["stated_flow_scope"],
            "occupation": valid["occupation"],
            "phone": valid["phone"],
            "inflow_org": valid["inflow_org"],
            "has_certificate": valid["has_certificate"],
            "last_contact_date": valid["last_contact_date"],
            "contact_status": valid["contact_status"],
            "dues_paid_through": valid["dues_paid_through"],
            # unknown words never reach here; a blank 是否返乡 with a return date means returned
            "is_returned": valid["returned"].fillna(valid["return_date"].notna()).astype(bool),
            "return_date": valid["return_date"],
            "enterprise": valid["enterprise"],
            "enterprise_industry": valid["enterprise_industry"],
            "jobs_created": valid["jobs_created"].round().astype("Int64"),
            "remarks": valid["remarks"],
            "extra": raw.loc[valid.index, "extra"].map(_json, na_action="ignore")
            if "extra" in raw
            else None,
            "sheet": raw.loc[valid.index, "sheet"].astype(str),
            "excel_row": raw.loc[valid.index, "excel_row"].astype(int),
        }
    )
    members["member_key"] = _member_keys(members)
    members = _as_strings(members)
    members = MemberRows.validate(members.reset_index(drop=True), lazy=True)
    return Cleaned(
        members=members,
        rejects=issue_frame(raw, labels, failures, context),
        warnings=issue_frame(raw, labels, warnings, context),
        rows_rejected=len(rejected),
        parts=raw[FILE_PART].to_numpy()[valid.index.to_numpy()] if FILE_PART in raw else None,
    )


def _not_failed_yet(schema: pd.DataFrame, parsing: pd.DataFrame) -> pd.DataFrame:
    """The schema's failures but those of a cell parsing already failed: a 姓名 whose formula
    failed is not also "姓名为空" (the parsed value is blank because the cell failed)."""
    if parsing.empty or schema.empty:
        return schema
    failed = pd.MultiIndex.from_frame(parsing[["row", "field"]])
    return schema[~pd.MultiIndex.from_frame(schema[["row", "field"]]).isin(failed)]


def _hashed(ids: pd.Series, hash_id: Callable[[str], str]) -> pd.Series:
    present = ids.dropna()
    hashes = pd.array([hash_id(v) for v in present.tolist()], dtype="str")
    return pd.Series(hashes, index=present.index).reindex(ids.index)


def _member_keys(members: pd.DataFrame) -> pd.Series:
    """The ID hash, else (few rows) township + name + birth month + branch."""
    keys = "i:" + members["id_hash"]
    missing = keys.isna()
    if missing.any():
        rows = members[missing]
        birth_month = rows["birth_date"].dt.strftime("%Y-%m").fillna("")
        keys[missing] = (
            "n:" + rows["township"] + "|" + rows["name"] + "|" + birth_month + "|" + rows["branch"]
        )
    return keys


def _from_ids(ids: pd.Series, stated: pd.Series, derive: Callable[[str], object]) -> pd.Series:
    """Derive a missing value from the ID number, only for the rows that need it."""
    need = ids[stated.isna() & ids.notna()]
    derived = need.map(derive)
    return pd.to_datetime(derived) if derive is idnum.birth_from_id and len(derived) else derived


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


_STRING_COLUMNS = [c for c, t in MemberRows.to_schema().dtypes.items() if str(t).startswith("str")]


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """pandas' own string dtype for every text column the load schema declares."""
    return frame.astype({c: "str" for c in _STRING_COLUMNS if c in frame.columns})


def clean_branch_totals(
    raw: pd.DataFrame, *, township: str | None, wave: str | None, context=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(totals, rejects) from a 支部情况 sheet; a row without a usable count is rejected.

    A county workbook's 支部情况 names each branch's township in its own 所属乡镇 column.
    A batch passes its files' rows with their `context` resolved per file (see `clean_census`);
    the rejects then carry each row's file_part."""
    raw = raw.reset_index(drop=True)
    if context is None:
        context = resolve_context(raw, township, wave)
    else:
        context = context.reset_index(drop=True)
    # the members' branch drops invisible characters (fields.parse_fields): so must its total,
    # or "王家山村\u200b党支部" holds the 30 members and "王家山村党支部" the outflow
    branch = nz.drop_invisible(raw["branch"].map(nz.branch_name))
    counts, errors = map_distinct(raw["members_total"], nz.parse_count)
    errors = errors.reindex(raw.index)
    bad = (
        errors.notna()
        | counts.isna()
        | branch.isna()
        | (counts.fillna(0) < 0)
        | (counts.fillna(0) % 1 != 0)
    )
    # parse_count's own message names 带动就业人数, the other count it reads
    issues = issue_rows(raw.index[bad], "members_total", ["党员总数应为非负整数"] * int(bad.sum()))
    totals = pd.DataFrame(
        {
            "wave": context.loc[~bad, "wave"],
            "township": context.loc[~bad, "township"],
            "branch": branch[~bad],
            "members_total": counts[~bad].astype("Int64"),
            "sheet": raw.loc[~bad, "sheet"].astype(str),
            "excel_row": raw.loc[~bad, "excel_row"].astype(int),
        }
    )
    totals = BranchTotals.validate(totals.reset_index(drop=True), lazy=True)
    if FILE_PART in raw:  # a batch's: which file each branch's row came from
        totals[FILE_PART] = raw.loc[~bad, FILE_PART].to_numpy()
    return totals, issue_frame(raw, {}, issues, context)

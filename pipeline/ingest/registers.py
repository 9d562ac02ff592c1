"""Two more kinds of input (issue #17), recognised by their headers: the membership roster
(党员名册: 姓名, 身份证号, 所在党支部, 人员类别, 入党时间 …) and the host register
(流入地党组织报到名单: 姓名, 身份证号, 原籍乡镇, 报到时间, 流入地党组织 …).

Read by the same readers and layout as a census file; this module decides the kind and cleans
the rows (pure). Bad rows become quarantine rows with the Excel row and a Chinese reason, as
for the census; `registers_store` loads them with history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.clean import id_numbers as idnum
from pipeline.clean import normalize as nz
from pipeline.parse.context_hints import township_from_text, wave_from_text
from pipeline.parse.headers import clean_text
from pipeline.parse.layout import Workbook

ROSTER = "roster"
HOST = "host"
KIND_LABELS = {ROSTER: "党员名册", HOST: "流入地党组织报到名单"}

# Register-only columns: the census synonym table does not know them, so the layout keeps
# them in each row's `extra` under the header as written.
_ROSTER_WORDS = {
    "member_category": ("人员类别", "党员类别", "党员身份", "类别", "人员类型"),
    "joined_date": ("入党时间", "入党日期", "加入党组织日期", "入党年月"),
    "full_member_date": ("转正时间", "转正日期", "转为正式党员日期"),
}
_HOST_WORDS = {
    "home_township": (
        "原籍乡镇",
        "原籍",
        "户籍乡镇",
        "户籍所在乡镇",
        "流出地乡镇",
        "原籍乡镇(街道)",
    ),
    "home_org": (
        "原所在党组织",
        "流出地党组织",
        "原党组织",
        "组织关系所在党组织",
        "组织关系所在地",
    ),
    "reported_date": ("报到时间", "报到日期", "报到年月", "登记报到时间"),
}
# A file naming any of these is a census register, whatever else it carries.
_CENSUS_FIELDS = frozenset(
    {"outflow_date", "destination", "dest_province", "returned", "contact_status",
     "last_contact_date", "lost_flag", "reachable"}
)  # fmt: skip


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {clean_text(word): field for field, words in table.items() for word in words}


_ROSTER_INDEX = _index(_ROSTER_WORDS)
_HOST_INDEX = _index(_HOST_WORDS)


def register_kind(book: Workbook) -> str | None:
    """'roster', 'host' or None (a census register, or nothing recognisable)."""
    if not book.tables:
        return None
    fields = {c.field for c in book.columns if c.field}
    if fields & _CENSUS_FIELDS or "name" not in fields:
        return None
    labels = {clean_text(c.label) for c in book.columns if c.field is None and c.label}
    if labels & set(_HOST_INDEX) and (
        "reported_date" in {_HOST_INDEX.get(x) for x in labels} or "inflow_org" in fields
    ):
        return HOST
    if labels & set(_ROSTER_INDEX):
        return ROSTER
    return None


@dataclass
class CleanRegister:
    kind: str
    wave: str
    rows: pd.DataFrame  # REGISTER_COLUMNS, one per person
    rejects: pd.DataFrame  # sheet, excel_row, field, column_label, value, reason
    units: list[str]  # what a later file of the same kind and wave replaces


class RegisterRejected(ValueError):
    """The file as a whole cannot be loaded (the reason is for the analyst)."""


REGISTER_COLUMNS = [
    "kind", "wave", "unit", "township", "branch", "name", "gender", "birth_date", "id_hash",
    "id_masked", "member_category", "joined_date", "host_org", "home_org", "reported_date",
    "phone", "sheet", "excel_row",
]  # fmt: skip

LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "member_category": "人员类别",
    "joined_date": "入党时间",
    "reported_date": "报到时间",
    "township": "所属乡镇",
}


class RegisterRows(pa.DataFrameModel):
    """The load boundary of both register kinds (checked lazily; a failure is a bug)."""

    kind: Series[str] = pa.Field(isin=[ROSTER, HOST])
    wave: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}$")
    name: Series[str] = pa.Field(nullable=False)
    member_category: Series[str] = pa.Field(nullable=True, isin=["正式党员", "预备党员"])
    id_masked: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


def _extra_field(frame: pd.DataFrame, index: dict[str, str]) -> pd.DataFrame:
    """The register-only columns out of each row's `extra` dict."""
    out = pd.DataFrame(index=frame.index, columns=sorted(set(index.values())), dtype=object)
    if "extra" not in frame:
        return out
    for i, extra in frame["extra"].items():
        if not extra:
            continue
        for label, value in extra.items():
            field = index.get(clean_text(label))
            if field and pd.isna(out.at[i, field]):
                out.at[i, field] = value
    return out


def _category(value: object) -> str | None:
    text = nz.optional_text(value)
    if text is None:
        return None
    if "预备" in text:
        return "预备党员"
    if "正式" in text or text == "党员":
        return "正式党员"
    raise ValueError("人员类别应为“正式党员”或“预备党员”")


def _date_checker(earliest: date, latest: date) -> Callable[[object], date | None]:
    def check(value: object) -> date | None:
        found = nz.parse_date(value)
        if found is None:
            return None
        if found < earliest:
            raise ValueError(f"日期早于{earliest.year}年，请核对")
        if found > latest:
            raise ValueError("日期晚于核对批次，请核对")
        return found

    return check


def _shown(field: str, value: object) -> str | None:
    """The value for the quarantine list: ID numbers only ever masked."""
    if value is None:
        return None
    return idnum.mask_id(str(value)) if field == "id_number" else str(value)


def _township(value: object) -> str | None:
    text = nz.optional_text(value)
    return (township_from_text(text) or text) if text else None


def clean_register(
    book: Workbook,
    kind: str,
    *,
    file_stem: str,
    hash_id: Callable[[str], str],
) -> CleanRegister:
    """Rows of a roster or host register → typed rows and rejects. Raises RegisterRejected."""
    wave = wave_from_text(book.context_text) or wave_from_text(file_stem)
    if wave is None:
        raise RegisterRejected(
            f"无法确定{KIND_LABELS[kind]}对应的普查批次：请在标题或文件名中写明年月（如“2022年4月”）"
        )
    file_township = township_from_text(book.context_text) or township_from_text(file_stem)
    raw = pd.concat([t.members for t in book.tables], ignore_index=True)
    labels = {**LABELS, **{c.field: c.label for c in book.columns if c.field}}
    extra = _extra_field(raw, _ROSTER_INDEX if kind == ROSTER else _HOST_INDEX)
    last = nz.month_end(wave)
    issues: list[tuple[int, str, str, object]] = []  # row, field, reason, value as written

    def parse(column: pd.Series, field: str, fn: Callable[[object], object]) -> pd.Series:
        out = pd.Series(None, index=column.index, dtype=object)
        for i, value in column.items():
            try:
                out.at[i] = fn(value)
            except ValueError as exc:
                issues.append((i, field, str(exc), value))
        return out

    def column(name: str) -> pd.Series:
        return raw[name] if name in raw else pd.Series(None, index=raw.index, dtype=object)

    names = column("name").map(nz.normalize_name)
    for i in names.index[names.isna()]:
        issues.append((i, "name", "姓名为空", None))
    ids = parse(column("id_number"), "id_number", idnum.normalize_id)
    problems = idnum.id_problems(ids)
    for i, reason in problems.dropna().items():
        issues.append((i, "id_number", reason, idnum.mask_id(ids.at[i])))
    valid_ids = ids.where(problems.isna())
    repeated = valid_ids.notna() & valid_ids.duplicated(keep="first")
    for i in repeated.index[repeated]:
        first = raw.at[valid_ids[valid_ids == valid_ids.at[i]].index[0], "excel_row"]
        issues.append((i, "id_number", f"身份证号与第{int(first)}行重复", idnum.mask_id(ids.at[i])))

    frame = pd.DataFrame(index=raw.index)
    frame["kind"] = kind
    frame["wave"] = wave
    frame["name"] = names
    frame["id_hash"] = valid_ids.map(lambda v: hash_id(v) if isinstance(v, str) else None)
    frame["id_masked"] = valid_ids.map(lambda v: idnum.mask_id(v) if isinstance(v, str) else None)
    stated_birth = parse(column("birth_date"), "birth_date", nz.parse_date)
    frame["birth_date"] = [
        idnum.birth_from_id(v) if isinstance(v, str) else b
        for v, b in zip(valid_ids, stated_birth, strict=True)
    ]
    frame["gender"] = [
        idnum.gender_from_id(v) if isinstance(v, str) else nz.optional_text(g)
        for v, g in zip(valid_ids, column("gender"), strict=True)
    ]
    frame["phone"] = column("phone").map(nz.to_text)
    if kind == ROSTER:
        frame["township"] = column("township").map(_township).fillna(file_township)
        for i in frame.index[frame["township"].isna()]:
            issues.append(
                (i, "township", "无法确定所属乡镇（请填写所属乡镇列或在标题中写明）", None)
            )
        frame["branch"] = (
            column("branch")
            .map(nz.branch_name)
            .fillna(pd.Series(raw.get("block_branch"), index=raw.index))
        )
        frame["member_category"] = parse(extra["member_category"], "member_category", _category)
        frame["joined_date"] = parse(
            extra["joined_date"], "joined_date", _date_checker(date(1921, 7, 1), last)
        )
        frame["unit"] = frame["township"]
        for name in ("host_org", "home_org", "reported_date"):
            frame[name] = None
    else:
        home = extra["home_township"].map(_township)
        frame["township"] = home.fillna(column("township").map(_township))
        frame["branch"] = None
        frame["host_org"] = column("inflow_org").map(nz.optional_text)
        frame["home_org"] = extra["home_org"].map(nz.optional_text)
        frame["reported_date"] = parse(
            extra["reported_date"], "reported_date", _date_checker(date(1950, 1, 1), last)
        )
        host = frame["host_org"].dropna()
        unit = host.mode().iat[0] if len(host) else (book.context_text.strip()[:60] or file_stem)
        frame["unit"] = unit
        frame["host_org"] = frame["host_org"].fillna(unit)
        frame["member_category"] = None
        frame["joined_date"] = None
    frame["sheet"] = raw["sheet"]
    frame["excel_row"] = raw["excel_row"].astype(int)

    bad = sorted({i for i, *_ in issues})
    rejects = pd.DataFrame(
        [
            {
                "sheet": raw.at[i, "sheet"],
                "excel_row": int(raw.at[i, "excel_row"]),
                "field": field,
                "column_label": labels.get(field, field),
                "value": _shown(field, value),
                "reason": reason,
                "township": frame.at[i, "township"],
                "wave": wave,
            }
            for i, field, reason, value in issues
        ],
        columns=["sheet", "excel_row", "field", "column_label", "value", "reason", "township",
                 "wave"],
    )  # fmt: skip
    rows = frame.drop(index=bad)[REGISTER_COLUMNS].reset_index(drop=True)
    for name in ("birth_date", "joined_date", "reported_date"):
        rows[name] = pd.to_datetime(rows[name])
    RegisterRows.validate(rows, lazy=True)
    units = sorted(set(rows["unit"].dropna())) or sorted(set(frame["unit"].dropna()))
    return CleanRegister(kind, wave, rows, rejects, units)

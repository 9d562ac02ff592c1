"""Every boundary's contract as a pandera `DataFrameModel`.

`CensusRows` is the row-rule gate of spec §3: it sees parsed values (unknown vocabulary words
still in place) and every failure, collected with `lazy=True`, becomes a quarantine row with
the reason from `REASONS`. `MemberRows` is the load boundary: it must never fail on rows that
passed the gate, so a failure there is a bug, not bad input.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.clean.id_numbers import id_problem, id_problems
from pipeline.clean.normalize import PHONE_SHAPE_PROBLEM
from pipeline.clean.phone_cells import phone_shaped

EARLIEST = pd.Timestamp("1950-01-01")
# A batch's rows carry the position of their file in the batch (`transform.clean_census`).
FILE_PART = "file_part"
FLOW_SCOPES = ("跨省", "省内跨市", "市内跨县", "县内")
CONTACT_STATUSES = ("正常", "失联")
GENDERS = ("男", "女")
EVENT_DATES = ("outflow_date", "last_contact_date", "return_date")

FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生年月",
    "id_number": "身份证号",
    "township": "所属乡镇",
    "branch": "所在党支部",
    "census_wave": "普查时间",
    "outflow_date": "流出时间",
    "destination": "流入地",
    "stated_flow_scope": "流动范围",
    "occupation": "从事职业",
    "phone": "联系电话",
    "inflow_org": "流入地党组织",
    "has_certificate": "是否持流动党员证",
    "last_contact_date": "最近联系时间",
    "contact_status": "联系状态",
    "lost_flag": "是否失联",
    "reachable": "能否联系",
    "dues_paid_through": "党费缴纳至",
    "returned": "是否返乡",
    "return_date": "返乡时间",
    "enterprise": "创办企业",
    "enterprise_industry": "创业行业",
    "jobs_created": "带动就业人数",
    "remarks": "备注",
    "members_total": "党员总数",
}


def _vocab_reason(field: str, words: tuple[str, ...]):
    return lambda value: f"{FIELD_LABELS[field]}“{value}”不在可选范围（{'/'.join(words)}）内"


_YES_NO = ("是", "否")

# (field, check name) → reason builder taking the failing value. Check names are pandera's own
# for built-ins ("not_nullable", "isin(...)") and ours for custom checks.
REASONS = {
    "name_required": lambda _v: "姓名为空",
    "name_has_letter": lambda _v: "姓名中没有可见的文字",
    "phone_shape": lambda _v: PHONE_SHAPE_PROBLEM,
    "id_valid": lambda v: id_problem(str(v)) or "身份证号无效",
    "id_unique": lambda _v: "同一乡镇同一普查批次中身份证号重复",
    "gender_vocab": _vocab_reason("gender", GENDERS),
    "contact_vocab": _vocab_reason("contact_status", CONTACT_STATUSES),
    "scope_vocab": _vocab_reason("stated_flow_scope", FLOW_SCOPES),
    "certificate_vocab": _vocab_reason("has_certificate", _YES_NO),
    "returned_vocab": _vocab_reason("returned", _YES_NO),
    "jobs_non_negative": lambda v: f"带动就业人数不能为负数（{_number(v)}）",
    "jobs_whole": lambda v: f"带动就业人数应为整数（{_number(v)}）",
    "not_before_1950": lambda v: f"日期{_day(v)}早于1950年",
    "not_after_census": lambda v: f"日期{_day(v)}晚于普查时间",
    "return_after_outflow": lambda v: f"返乡时间{_day(v)}早于流出时间",
}


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _day(value) -> str:
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        return str(value)


def _not_after_census(df: pd.DataFrame, column: str) -> pd.Series:
    return df[column].isna() | (df[column] <= df["wave_end"])


def _isin_or_null(series: pd.Series, allowed) -> pd.Series:
    return series.isna() | series.isin(list(allowed))


class CensusRows(pa.DataFrameModel):
    """One parsed census row, before the row rules have been applied."""

    row_id: Series[int] = pa.Field(unique=True)
    file_part: Optional[Series[int]]  # noqa: UP045 — pandera reads Optional as "may be absent"
    township: Series[str]
    wave: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}$")
    wave_end: Series[pd.Timestamp]
    name: Series[str] = pa.Field(nullable=True)
    phone: Series[str] = pa.Field(nullable=True)
    id_number: Series[str] = pa.Field(nullable=True)
    gender: Series[str] = pa.Field(nullable=True)
    contact_status: Series[str] = pa.Field(nullable=True)
    stated_flow_scope: Series[str] = pa.Field(nullable=True)
    has_certificate: Series[object] = pa.Field(nullable=True)
    returned: Series[object] = pa.Field(nullable=True)
    jobs_created: Series[float] = pa.Field(nullable=True)
    outflow_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    last_contact_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    return_date: Series[pd.Timestamp] = pa.Field(nullable=True)

    # Every check here treats a blank itself (a blank passes unless the field is required), so
    # all of them say ignore_na=False: pandera would otherwise drop blanks column by column,
    # and scan the whole frame for blank rows on each dataframe check, for nothing.
    @pa.check("name", name="name_required", ignore_na=False)
    def _name(cls, s: Series[str]) -> Series[bool]:
        return s.notna() & (s.str.strip().fillna("") != "")

    @pa.check("name", name="name_has_letter", ignore_na=False)
    def _name_letter(cls, s: Series[str]) -> Series[bool]:
        # "***", "·" or a lone punctuation mark is no one's name. A common ideograph or Latin
        # letter settles it without Python's per-value regex engine (most names).
        lettered = s.str.contains("[\u4e00-\u9fffA-Za-z]", regex=True).fillna(False)
        rest = s.notna() & ~lettered
        if rest.any():
            lettered[rest] = s[rest].str.contains(r"[^\W\d_]", regex=True)
        return s.isna() | lettered

    @pa.check("phone", name="phone_shape", ignore_na=False)
    def _phone(cls, s: Series[str]) -> Series[bool]:
        # bare digits of a phone's length have the shape: the per-value regex is for the rest
        plain = s.str.isdecimal().fillna(False) & s.str.len().between(3, 24)
        shaped = plain.copy()
        rest = s.notna() & ~plain
        if rest.any():
            shaped[rest] = s[rest].map(phone_shaped)
        return s.isna() | shaped

    @pa.check("id_number", name="id_valid", ignore_na=False)
    def _id(cls, s: Series[str]) -> Series[bool]:
        return id_problems(s).isna()

    @pa.dataframe_check(name="id_number|id_unique", ignore_na=False)
    def _id_unique(cls, df: pd.DataFrame) -> Series[bool]:
        # within one file: a batch's files each get the verdict they would get alone, and a
        # member repeated in a later file is that file's duplicate of the warehouse (store.py)
        keys = ["township", "wave", "id_number", *([FILE_PART] if FILE_PART in df else [])]
        return ~(df["id_number"].notna() & df.duplicated(keys, keep="first"))

    @pa.check("gender", name="gender_vocab", ignore_na=False)
    def _gender(cls, s: Series[str]) -> Series[bool]:
        return _isin_or_null(s, GENDERS)

    @pa.check("contact_status", name="contact_vocab", ignore_na=False)
    def _contact(cls, s: Series[str]) -> Series[bool]:
        return _isin_or_null(s, CONTACT_STATUSES)

    @pa.check("stated_flow_scope", name="scope_vocab", ignore_na=False)
    def _scope(cls, s: Series[str]) -> Series[bool]:
        return _isin_or_null(s, FLOW_SCOPES)

    @pa.check("has_certificate", name="certificate_vocab", ignore_na=False)
    def _certificate(cls, s: Series[object]) -> Series[bool]:
        return _isin_or_null(s, (True, False))  # unknown words stay text, and text ≠ True

    @pa.check("returned", name="returned_vocab", ignore_na=False)
    def _returned(cls, s: Series[object]) -> Series[bool]:
        return _isin_or_null(s, (True, False))

    @pa.check("jobs_created", name="jobs_non_negative", ignore_na=False)
    def _jobs_sign(cls, s: Series[float]) -> Series[bool]:
        return s.isna() | (s >= 0)

    @pa.check("jobs_created", name="jobs_whole", ignore_na=False)
    def _jobs_whole(cls, s: Series[float]) -> Series[bool]:
        return s.isna() | (s == s.round())

    @pa.check(
        "outflow_date", "last_contact_date", "return_date", name="not_before_1950", ignore_na=False
    )
    def _not_ancient(cls, s: Series[pd.Timestamp]) -> Series[bool]:
        return s.isna() | (s >= EARLIEST)

    # Row-wise rules that need a second column are dataframe checks named "<field>|<rule>".
    @pa.dataframe_check(name="outflow_date|not_after_census", ignore_na=False)
    def _outflow_not_future(cls, df: pd.DataFrame) -> Series[bool]:
        return _not_after_census(df, "outflow_date")

    @pa.dataframe_check(name="last_contact_date|not_after_census", ignore_na=False)
    def _contact_not_future(cls, df: pd.DataFrame) -> Series[bool]:
        return _not_after_census(df, "last_contact_date")

    @pa.dataframe_check(name="return_date|not_after_census", ignore_na=False)
    def _return_not_future(cls, df: pd.DataFrame) -> Series[bool]:
        return _not_after_census(df, "return_date")

    @pa.dataframe_check(name="return_date|return_after_outflow", ignore_na=False)
    def _return_order(cls, df: pd.DataFrame) -> Series[bool]:
        # By month: a return written "2022.5" (month precision, spec §2) after an outflow on
        # 2022-05-20 is not before it.
        returned = df["return_date"].dt.year * 12 + df["return_date"].dt.month
        left = df["outflow_date"].dt.year * 12 + df["outflow_date"].dt.month
        return df["return_date"].isna() | df["outflow_date"].isna() | (returned >= left)

    class Config:
        strict = "filter"  # lineage and free-text columns pass through untouched
        coerce = False


class MemberRows(pa.DataFrameModel):
    """A member row as it is loaded into `members` (no ID number in clear)."""

    member_key: Series[str]
    wave: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}$")
    township: Series[str] = pa.Field(str_length={"min_value": 1})
    branch: Series[str]
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    gender: Series[str] = pa.Field(nullable=True, isin=list(GENDERS))
    birth_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    id_hash: Series[str] = pa.Field(nullable=True)
    id_masked: Series[str] = pa.Field(nullable=True)
    outflow_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    destination_text: Series[str] = pa.Field(nullable=True)
    dest_province: Series[str] = pa.Field(nullable=True)
    dest_province_code: Series[str] = pa.Field(nullable=True)
    dest_city: Series[str] = pa.Field(nullable=True)
    dest_city_code: Series[str] = pa.Field(nullable=True)
    dest_county: Series[str] = pa.Field(nullable=True)
    dest_county_code: Series[str] = pa.Field(nullable=True)
    flow_scope: Series[str] = pa.Field(nullable=True, isin=list(FLOW_SCOPES))
    stated_flow_scope: Series[str] = pa.Field(nullable=True, isin=list(FLOW_SCOPES))
    occupation: Series[str] = pa.Field(nullable=True)
    phone: Series[str] = pa.Field(nullable=True)
    inflow_org: Series[str] = pa.Field(nullable=True)
    has_certificate: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    last_contact_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    contact_status: Series[str] = pa.Field(nullable=True, isin=list(CONTACT_STATUSES))
    dues_paid_through: Series[pd.Timestamp] = pa.Field(nullable=True)
    is_returned: Series[bool]
    return_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    enterprise: Series[str] = pa.Field(nullable=True)
    enterprise_industry: Series[str] = pa.Field(nullable=True)
    jobs_created: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    remarks: Series[str] = pa.Field(nullable=True)
    extra: Series[str] = pa.Field(nullable=True)
    sheet: Series[str]
    excel_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = True
        ordered = True


class BranchTotals(pa.DataFrameModel):
    """One row per branch of a township's 支部情况 sheet."""

    wave: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}$")
    township: Series[str]
    branch: Series[str] = pa.Field(str_length={"min_value": 1})
    members_total: Series[pd.Int64Dtype] = pa.Field(ge=0)
    sheet: Series[str]
    excel_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = True
        ordered = True


QUARANTINE_COLUMNS = ["sheet", "excel_row", "field", "column_label", "value", "reason"]

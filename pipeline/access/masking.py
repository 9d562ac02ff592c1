"""Masked display forms of personal data: 张*丰, 138****5678, 330327********1234.

The usual habits of Chinese government systems, so a masked screen looks familiar. Pure
functions, plus `mask_frame` for a member list shown to a role that may not see it in clear.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.clean.id_numbers import mask_id as _mask_id

# Mobile numbers; 010/02x area codes are three digits, every other area code four.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA3 = re.compile(r"0(10|2\d)")
_LANDLINE = re.compile(r"[(（]?(0\d{2,3})(?:[)）][-\s]?|[-\s])(\d{7,8})(?!\d)")


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    )


def mask_name(value: object) -> object:
    """'张三丰' -> '张*丰', '张三' -> '张*', '欧阳娜娜' -> '欧**娜'; blanks unchanged.

    The first character alone stays for two-character names, because first + last would be the
    whole name.
    """
    if _blank(value):
        return value
    name = str(value).strip()
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(value: object) -> object:
    """'13812345678' -> '138****5678'; '0577-64781234' -> '0577-****1234'; blanks unchanged.

    Anything unrecognised keeps at most its last four digits, and short values keep none,
    so an odd format never leaks more than a well-formed one.
    """
    if _blank(value):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone stored as a number cell
    text = unicodedata.normalize("NFKC", str(value)).strip()
    digits = re.sub(r"\D", "", text)
    if digits.startswith("86") and len(digits) == 13 and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if _MOBILE.fullmatch(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    written = _LANDLINE.match(text)
    if written:  # area code set off by a dash, space or brackets; any extension is dropped
        area, local = written.groups()
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area = 3 if _AREA3.match(digits) else 4
        local = digits[area : area + 8] if len(digits) - area > 8 else digits[area:]
        return f"{digits[:area]}-{'*' * (len(local) - 4)}{local[-4:]}"
    if len(digits) >= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * max(len(digits), 4)


def mask_id(value: object) -> object:
    """'330327198505288273' -> '330327********8273' (the warehouse's own masked form)."""
    if _blank(value):
        return value
    return _mask_id(str(value).strip())


# Warehouse column -> masking function, for member lists shown without personal data.
PERSONAL_COLUMNS = {"name": mask_name, "phone": mask_phone, "id_number": mask_id}


def mask_frame(frame, columns: dict | None = None):
    """A copy of a pandas frame with personal columns masked; other columns untouched.

    `columns` maps column name -> mask function (default: PERSONAL_COLUMNS; pass the Chinese
    display names when masking a frame already renamed for the screen).
    """
    out = frame.copy()
    for column, mask in (columns or PERSONAL_COLUMNS).items():
        if column in out.columns:
            out[column] = out[column].map(mask).astype(object)
    return out


_ID_IN_TEXT = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def redact_ids(text: str) -> str:
    """Mask ID numbers found anywhere in free text (no screen or file shows one in clear)."""
    return _ID_IN_TEXT.sub(lambda m: _mask_id(m.group(0)), text)


def redact_text(text: str) -> str:
    """Mask ID and mobile numbers found anywhere in free text (log and audit lines, and any
    cell a role without personal data gets back)."""
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), redact_ids(text))

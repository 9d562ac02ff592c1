"""What a sheet's row is when it is not a member: a total, a note, a signature, a block heading,
the column numbers or a template's filling instructions under the header.

Decided cell by cell for the few rows `layout.read_table` suspects; the suspicion itself is
taken from whole columns at once (`starts_with_trigger`, `absent_cells`).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from pipeline.clean.normalize import to_text
from pipeline.parse.headers import clean_text

_NON_DATA_START = re.compile(
    r"^(合计|总计|小计|共计|汇总|注[:：]|注\d|说明[:：]|备注[:：]|填表人|审核人|填报人|制表人|负责人|填表日期|填报日期|单位负责人|联系人[:：])"
)
_SIGNATURE = re.compile(r"填表人|审核人|填报人[:：]|制表人|[(（](?:签字|签名|盖章)[)）]")
# A labelled line under the register: "经办人：孙八", "党委书记（签字）：", "联系电话：138…",
# "单位（盖章）：". Its text sits in the 序号 or 姓名 column, its person beside it; a name never
# holds a colon. (Spaces and full-width forms are folded before matching.)
_FOOTER_LABEL = re.compile(
    r"^[^:]{0,12}?(?:签字|签名|盖章|公章|经办|统计人|制表|填表|填报|审核|审批|负责人|书记|"
    r"联系电话|联系方式|电话|手机)[^:]{0,8}:"
)
TRIGGERS = set("合总小共汇注说备填审制负单联经统党电手签")
_TRIGGER_CHARS = np.array(sorted(TRIGGERS))
_SPACES = re.compile(r"\s+")
_SUBTOTAL_END = re.compile(r"(小计|合计|总计|共计)$")
# "一、城东村党支部", "（四）城北村", "城西村党支部（2人）", "城南社区党支部 共2人"
_HEADING_NUMBER = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])"
)
_HEADING_COUNT = re.compile(r"[(（]?(?:共|计)?\d+(?:人|名)[)）]?$")
_BRANCH_WORDS = re.compile(r"(党支部|支部|党总支|党小组|党委|村|社区|居委会)$")
_GENERIC_SHEET = re.compile(
    r"^(sheet\d*|工作表\d*|流动党员.*|.*(普查|台账|登记|汇总|名单|明细|数据|统计).*)$", re.I
)


_COLUMN_NUMBER = re.compile(r"[(（]?(\d{1,2})[)）]?")


def is_column_numbers(row: list[object]) -> bool:
    """A row numbering the columns under the header (1 2 3 … or (1) (2) …), as official forms do."""
    cells = [cell for cell in row if is_present(cell)]
    numbers = []
    for cell in cells:
        if (
            isinstance(cell, int | float)
            and not isinstance(cell, bool)
            and float(cell).is_integer()
        ):
            numbers.append(int(cell))
            continue
        found = _COLUMN_NUMBER.fullmatch(str(cell).strip())
        if not found:
            return False
        numbers.append(int(found[1]))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


# What a template writes under its header to say how to fill a column: (必填), （18位）,
# 如2021.03, 填“是”或“否”, 格式：年月; and an example row 例：张三 / 示例.
_INSTRUCTION = re.compile(
    r"^[(（【\[].*[)）】\]]$|^(如|例|例如|格式|必填|选填|填写|请填|填“|可填|示例|样例)"
)


def is_instruction_row(row: list[object]) -> bool:
    cells = [cell for cell in row if is_present(cell)]
    return len(cells) >= 2 and all(
        isinstance(cell, str) and _INSTRUCTION.match(cell.strip()) for cell in cells
    )


def is_present(value: object) -> bool:
    return value is not None and value != "" and not (isinstance(value, str) and value.isspace())


def is_non_data(
    row: list[object], present: list[int], name_col: int | None, seq_col: int | None
) -> bool:
    """Blank, total, note, signature and block-heading rows carry no member.

    `present` excludes the 序号 column, but a 合计 often sits there, so the first filled cell
    of the whole row is what names a total or a note.
    """
    if not present:
        return True
    first = row[present[0]]
    if seq_col is not None and seq_col < present[0] and row[seq_col] not in ("", None):
        first = row[seq_col]
    if isinstance(first, str):
        compact = first.strip()
        if compact[:1] in TRIGGERS and (
            _NON_DATA_START.match(clean_text(compact)) or _SIGNATURE.search(compact)
        ):
            return True
        if _FOOTER_LABEL.match(_SPACES.sub("", unicodedata.normalize("NFKC", compact))):
            return True
    if isinstance(first, str) and _SUBTOTAL_END.search(clean_text(first)):
        return True  # "二村党支部小计"
    if len(present) == 1:
        # A lone cell is a block heading or a note, unless it is a name in the name column;
        # a number there is no name but the count of an Excel table's total row (汇总 行), and
        # a name never holds a colon ("报送单位：（盖章）  报送日期：…" is a signature line).
        lone = row[present[0]]
        return not (
            present[0] == name_col
            and branch_heading(lone) is None
            and not (isinstance(lone, int | float) and not isinstance(lone, bool))
            and not (isinstance(lone, str) and (":" in lone or "：" in lone))
        )
    return False


def heading_above(rows: list[list[object]], header_index: int) -> str | None:
    """A branch heading on the last filled line above the header: the first block's branch when
    the header repeats under each block's heading. Not a 党委 (a township's title)."""
    for row in reversed(rows[:header_index]):
        cells = [v for v in row if is_present(v)]
        if not cells:
            continue
        if len(cells) == 1 and not clean_text(cells[0]).endswith("党委"):
            return branch_heading(cells[0])
        return None
    return None


def branch_heading(value: object) -> str | None:
    """The branch a lone heading cell names, without its list number or head count."""
    text = to_text(value)
    if not text:
        return None
    # "第一支部：马站村党支部", "填报单位：莒溪村党支部": the name is after the label
    text = re.split(r"[:：]", text)[-1]
    name = _HEADING_COUNT.sub("", _HEADING_NUMBER.sub("", text.strip())).strip()
    return name if name and _BRANCH_WORDS.search(clean_text(name)) else None


def branch_from_sheet_name(name: str) -> str | None:
    """The branch a sheet's name gives, without the list number a tab often carries
    ("3.钱库社区", "（三）新安村"): the number orders the tabs, it is not in the branch's name."""
    name = _HEADING_NUMBER.sub("", str(name).strip())
    text = clean_text(name)
    if _GENERIC_SHEET.match(text) or not _BRANCH_WORDS.search(text):
        return None
    return to_text(name)


def starts_with_trigger(values: np.ndarray) -> np.ndarray:
    """Which cells are text whose first non-space character may open a total, note or signature.

    By each cell's first character as an array; only text opening with a space is looked at
    one by one. Other cells (numbers, dates) never print a Chinese character first."""
    first = values.astype("U1")
    hit = np.isin(first, _TRIGGER_CHARS)
    for i in np.flatnonzero(np.strings.isspace(first)):
        v = values[i]
        hit[i] = isinstance(v, str) and v.lstrip()[:1] in TRIGGERS
    return hit


def absent_cells(values: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Which cells are not `is_present`: empty, None, or only spaces (the last ones by their
    first character, then one by one)."""
    absent = ~filled
    for i in np.flatnonzero(np.strings.isspace(values.astype("U1"))):
        absent[i] = not is_present(values[i])
    return absent

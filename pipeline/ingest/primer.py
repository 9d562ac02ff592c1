"""The row pipeline's one-time setup, done while calamine parses the first workbook.

The first file a process cleans pays once for the address code table, pandera's schema
machinery and a few lazy imports (about 0.2 s). calamine parses a sheet without holding the
GIL, so `read_sheets(meanwhile=...)` runs one tiny made-up sheet through layout and cleaning
in a thread then, which hides that cost instead of adding it to the first file.
"""

from __future__ import annotations

import logging
import threading

from pipeline.clean.transform import clean_census
from pipeline.intake.readers import Sheet
from pipeline.parse.layout import parse_workbook

log = logging.getLogger(__name__)

_primed = threading.Event()

# A made-up member; the ID is the check-digit example printed in GB 11643, nobody's number.
# The sheet has an ordinary name: one called 示例 would be skipped as a template's example.
SHEET_NAME = "登记表"
_SHEET = [
    ["序号", "姓名", "性别", "出生年月", "身份证号", "所在党支部", "流出时间", "流入地",
     "流动范围", "从事职业", "联系电话", "最近联系时间", "联系状态", "是否返乡", "返乡时间"],
    [1, "示例", "女", "1949-12", "11010519491231002X", "示例村党支部", "2020-01",
     "浙江省杭州市西湖区", "省内跨市", "务工", "13800000000", "2024-01-01", "正常", "否", ""],
]  # fmt: skip


def prime(home_county: str) -> None:
    """Run the made-up sheet through layout and cleaning, once per process."""
    if _primed.is_set():
        return
    try:
        book = parse_workbook([Sheet(SHEET_NAME, [list(row) for row in _SHEET])])
        clean_census(
            book.tables[0].members,
            township="示例镇",
            wave="2024-04",
            home_county=home_county,
            hash_id=str.lower,
        )
    except Exception:  # only an optimisation: the real file then pays the setup itself
        log.debug("priming the row pipeline failed", exc_info=True)
    finally:
        _primed.set()

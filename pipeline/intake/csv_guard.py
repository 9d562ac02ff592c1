"""Bound a CSV's widest line in its bytes before the csv module builds a row of it.

A one-line CSV of 190 MB made of `ab,ab,ab,…` is one row of sixty million cells: Python
objects worth gigabytes before any limit on the sheet's size could look at it. Here the
delimiters between line breaks are counted in small numpy pieces, without decoding or copying
the file, and a line wider than any register (Excel's own 16,384 columns) refuses the file.
Memory stays the file's bytes plus one piece.
"""

from __future__ import annotations

import numpy as np

from pipeline.intake.sniff import FileRejected

MAX_CSV_COLUMNS = 16_384  # Excel's column limit (XFD): no register is wider
_DELIMITERS = b",\t;|"
_PIECE = 4 * 1024 * 1024
WIDE_LINE = (
    "表格范围过大（CSV 文件第 {line} 行超过 {limit:,} 列，超过 Excel 的列数上限），"
    "为安全起见未读取；请检查文件，拆分或另存为 .xlsx 后再上传"
)


def check_csv_width(data: bytes, limit: int = MAX_CSV_COLUMNS) -> None:
    """Raise FileRejected when any line holds more than `limit` cells for any usual delimiter.

    Counts ignore quotes: a quoted delimiter counts too, which only matters for a line already
    absurdly wide. UTF-16 text (NUL bytes between characters) counts the same way."""
    if all(data.count(bytes([d])) < limit for d in _DELIMITERS):
        return  # the whole file has fewer delimiters than one line may hold
    view = np.frombuffer(data, dtype=np.uint8)
    carry = np.zeros(len(_DELIMITERS), dtype=np.int64)  # delimiters on the unfinished line
    lines = 0
    for start in range(0, len(view), _PIECE):
        piece = view[start : start + _PIECE]
        breaks = np.flatnonzero(piece == 10)
        for k, d in enumerate(_DELIMITERS):
            at = np.flatnonzero(piece == d)
            if len(at) + carry[k] < limit:
                carry[k] = (
                    carry[k] + len(at) if not len(breaks) else np.count_nonzero(at > breaks[-1])
                )
                continue
            # delimiters per line: those before each break, minus those before the previous
            before = np.searchsorted(at, breaks)
            per_line = np.diff(np.concatenate(([0], before)))
            if len(per_line):
                per_line[0] += carry[k]
                wide = np.flatnonzero(per_line >= limit)
                if len(wide):
                    raise FileRejected(WIDE_LINE.format(line=lines + int(wide[0]) + 1, limit=limit))
                carry[k] = len(at) - (before[-1] if len(before) else 0)
            else:
                carry[k] += len(at)
            if carry[k] >= limit:
                raise FileRejected(WIDE_LINE.format(line=lines + 1, limit=limit))
        lines += len(breaks)

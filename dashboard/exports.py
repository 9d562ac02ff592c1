"""Downloads for every chart: PNG for reports, CSV that opens in Excel on Chinese Windows,
and XLSX.

CSV and XLSX go through `pipeline.exports_safe`: a cell from a township's file that starts
with `=`, `+`, `-`, `@`, tab or carriage return is neutralised (OWASP CSV injection), and the
workbook writer never turns a string into a formula or link. `record()` writes each download
to the audit log (`ui.download` calls it when the file is built).

PNG rendering uses Kaleido 1.x with the system Chromium. One browser is started per
process and kept warm (Kaleido's sync server); starting Chromium per image costs ~4 s.
MathJax is disabled so the render page loads nothing from the network, and plotly.js comes
from the installed plotly package, not a CDN.
"""

from __future__ import annotations

import io
import os
import shutil
import threading

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from pipeline import audit, exports_safe
from pipeline.scope import Scope

PNG_WIDTH = 1100
PNG_SCALE = 2

_lock = threading.Lock()
_started = False


def chromium_path() -> str | None:
    """Debian's chromium unless CENSUS_CHROMIUM / BROWSER_PATH says otherwise."""
    for candidate in (os.environ.get("CENSUS_CHROMIUM"), os.environ.get("BROWSER_PATH")):
        if candidate and os.path.exists(candidate):
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    return None


def _start() -> None:
    global _started
    import kaleido

    path = chromium_path()
    if path is None:
        raise RuntimeError(
            "未找到 Chromium 浏览器，无法导出图片（请安装 Debian 的 chromium 软件包）"
        )
    kaleido.start_sync_server(n=1, mathjax=False, path=path, timeout=60, silence_warnings=True)
    _started = True


def warm() -> bool:
    """Start the render browser in the background so the first download is fast."""
    with _lock:
        if not _started:
            try:
                _start()
            except Exception:  # noqa: BLE001 — exports degrade; the dashboard must still load
                return False
    return True


def _render(fig: go.Figure, width: int, height: int, scale: int) -> bytes:
    import kaleido

    opts = dict(format="png", width=width, height=height, scale=scale)
    return kaleido.calc_fig_sync(fig.to_dict(), opts=opts)


def to_png(
    fig: go.Figure, *, width: int = PNG_WIDTH, height: int | None = None, scale: int = PNG_SCALE
) -> bytes:
    """PNG bytes at 2x for print. Serialised: Kaleido's sync server answers one call at a time
    through a shared queue, so concurrent sessions must not interleave."""
    theme.register()
    height = height or int(fig.layout.height or 450)
    with _lock:
        if not _started:
            _start()
        try:
            return _render(fig, width, height, scale)
        except Exception:
            # A crashed browser: restart once and retry, then give up loudly.
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _start()
            return _render(fig, width, height, scale)


def shutdown() -> None:
    global _started
    with _lock:
        if _started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel on Chinese Windows otherwise reads it as GBK and garbles it),
    formula triggers neutralised."""
    return exports_safe.to_csv_bytes(df)


def to_xlsx(df: pd.DataFrame, *, sheet: str = "数据", title: str | None = None) -> bytes:
    """One formatted sheet: optional title row, bold header, widths fitted to CJK text.
    Cells are neutralised and strings stay strings (no formulas, no links)."""
    return to_xlsx_book([(sheet, title, df)], relabel=False)


def to_xlsx_book(
    sheets: list[tuple[str, str | None, pd.DataFrame]], *, relabel: bool = True
) -> bytes:
    """Several formatted sheets (name, title row, frame), each as `to_xlsx` writes one;
    English column names get their Chinese headings."""
    from dashboard import labels

    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        for sheet, title, df in sheets:
            _sheet(writer, sheet[:31] or "数据", title, labels.chinese(df) if relabel else df)
    return buffer.getvalue()


def _sheet(writer, sheet: str, title: str | None, df: pd.DataFrame) -> None:
    start_row = 2 if title else 0
    frame = exports_safe.neutralise_frame(df)
    for col in frame.columns:
        # Excel cannot store timezone-aware datetimes.
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    frame.to_excel(writer, sheet_name=sheet, index=False, startrow=start_row)
    book, ws = writer.book, writer.sheets[sheet]
    header = book.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "font_name": "等线"}
    )
    if title:
        ws.write_string(
            0,
            0,
            str(exports_safe.neutralise_cell(title)),
            book.add_format({"bold": True, "font_size": 13, "font_name": "等线"}),
        )
    for i, col in enumerate(frame.columns):
        ws.write_string(start_row, i, str(col), header)
        # str() per value: pandas 3's astype(str) keeps missing values as NaN floats.
        values = [str(col), *(str(v) for v in frame[col].head(200).tolist())]
        width = max(_display_width(v) for v in values)
        ws.set_column(i, i, min(max(width + 2, 8), 50))
    ws.freeze_panes(start_row + 1, 0)


def _display_width(text: str) -> int:
    # A CJK character is about two Latin characters wide in Excel's default font.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def record(
    actor: str,
    scope: Scope,
    *,
    what: str,
    fmt: str,
    rows: int | None = None,
    member_level: bool = False,
    source: str | None = None,
) -> None:
    """One audit entry per download: what (a title, never a cell value), format, rows."""
    detail = {"what": what, "format": fmt, "member_level": member_level}
    if rows is not None:
        detail["rows"] = int(rows)
    audit.record("export", actor, scope, detail, source=source)

"""Downloads for every chart: PNG for reports, CSV that opens in Excel on Chinese Windows,
and XLSX.

CSV and XLSX go through `pipeline.access.safe_exports`: a cell from a township's file that starts
with `=`, `+`, `-`, `@`, tab or carriage return is neutralised (OWASP CSV injection), and the
workbook writer never turns a string into a formula or link. `record()` writes each download
to the audit log (`ui.download` calls it when the file is built).

PNG rendering uses Kaleido 1.x with the system Chromium. One browser is started per
process and kept warm (`_Renderer`); starting Chromium per image costs ~4 s.
MathJax is disabled so the render page loads nothing from the network, and plotly.js comes
from the installed plotly package, not a CDN.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import threading

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipeline.access import audit
from pipeline.access import safe_exports as exports_safe
from pipeline.access.scope import Scope
from pipeline.charts import theme

PNG_WIDTH = 1100
PNG_SCALE = 2

_lock = threading.Lock()
_RENDER_TIMEOUT_SECONDS = 60
_WARM_KINDS = 2


class _Renderer:
    """One Chromium with one Kaleido tab, kept open on its own event loop in a daemon thread.

    Kaleido reloads its tab after every image, before the caller gets the bytes: that reload
    (plotly.js parsed again, 0.25-0.35 s on this machine) was most of a warm export. Here the
    bytes go back as soon as they exist and the reload runs while the user looks at them; the
    next export waits for the tab only if it comes back sooner than that.

    A reloaded page has also forgotten the machine code V8 made for plotly.js, so its first
    drawing runs cold (the map ~1.5x, the bars ~2x slower than a second one). While nobody is
    waiting, the reloaded tab draws the last figures once more as SVG (the drawing without the
    raster and PNG steps, which are native code) and throws them away; the next export then
    draws warm.
    """

    def __init__(self, path: str) -> None:
        import asyncio

        import kaleido

        class _ReloadAfterReturn(kaleido.Kaleido):
            async def _return_kaleido_tab(self, tab) -> None:  # Kaleido's hook, see above
                task = asyncio.create_task(_reload_then_return(self, tab))
                self._pending_reloads.add(task)
                task.add_done_callback(self._pending_reloads.discard)

        async def _reload_then_return(k, tab) -> None:
            try:
                await tab.reload()
                for spec in list(k._recent.values()):
                    if k._waiting:
                        break
                    await _warm_up(tab, spec)
            finally:
                # A tab whose reload failed goes back anyway: its next render fails, and
                # to_png restarts the browser, rather than every later export waiting forever.
                await k.tabs_ready.put(tab)

        async def _warm_up(tab, spec: dict) -> None:
            from kaleido._profiler import RenderTaskProfile

            job = {**spec, "format": "svg"}
            profile = RenderTaskProfile(job, None, tab.tab.target_id)
            # Only a warm-up: a tab that fails it fails the next render, which restarts the browser.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    tab._calc_fig(job, topojson=None, render_prof=profile, stepper=False),  # noqa: SLF001
                    _RENDER_TIMEOUT_SECONDS,
                )

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="png-renderer", daemon=True
        )
        self._thread.start()

        async def _open():
            k = _ReloadAfterReturn(n=1, mathjax=False, path=path, timeout=_RENDER_TIMEOUT_SECONDS)
            k._pending_reloads = set()
            k._recent, k._waiting = {}, 0
            await k.open()
            return k

        try:
            self._kaleido = self._call(_open())
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise

    def _call(self, coroutine, timeout: float = _RENDER_TIMEOUT_SECONDS + 30):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def render(self, spec: dict, opts: dict) -> bytes:
        return self._call(self._render(spec, opts))

    async def _render(self, spec: dict, opts: dict) -> bytes:
        k = self._kaleido
        # What the tab draws to warm up after its reload: the latest figure of each of the
        # last two kinds (trace types), in Kaleido's request form.
        kind = tuple(trace.get("type") for trace in spec["data"])
        k._recent.pop(kind, None)
        k._recent[kind] = {"data": spec, **opts}
        while len(k._recent) > _WARM_KINDS:
            k._recent.pop(next(iter(k._recent)))
        k._waiting += 1  # a queued export skips the warm-up rather than wait for it
        try:
            return await k.calc_fig(spec, opts=opts)
        finally:
            k._waiting -= 1

    def close(self) -> None:
        try:
            self._call(self._kaleido.close(), timeout=30)
        except Exception:  # noqa: BLE001 — a dead browser is already closed
            pass
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


_renderer: _Renderer | None = None
_exit_hook: list[bool] = []


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
    global _renderer
    path = chromium_path()
    if path is None:
        raise RuntimeError(
            "未找到 Chromium 浏览器，无法导出图片（请安装 Debian 的 chromium 软件包）"
        )
    _renderer = _Renderer(path)
    if not _exit_hook:
        # Chromium is a child process: close it with the interpreter, as Kaleido's own sync
        # server did, so no browser outlives a CLI run or a dashboard restart. Registered with
        # threading, whose exit hooks run before concurrent.futures refuses new work: the
        # browser's close needs a worker thread (atexit hooks come too late for that).
        threading._register_atexit(shutdown)  # noqa: SLF001
        _exit_hook.append(True)


def _stop() -> None:
    global _renderer
    if _renderer is not None:
        renderer, _renderer = _renderer, None
        renderer.close()


def warm() -> bool:
    """Start the render browser in the background so the first download is fast."""
    with _lock:
        if _renderer is None:
            try:
                _start()
            except Exception:  # noqa: BLE001 — exports degrade; the dashboard must still load
                return False
    return True


_PACKED_KEYS = ("x", "y")
_PACK_FROM = 1000  # points; shorter lists cost less as JSON text than as a typed array


def _packed(values):
    """A long list of coordinates as plotly.js's typed-array form ({dtype, bdata}): the map's
    44,000 boundary points travel as 0.35 MB of base64 instead of 1.8 MB of decimal text that
    Python must format and Chromium must parse. Gaps (None, which separate the rings of a
    province) become NaN, which plotly.js reads as the same gap."""
    if not isinstance(values, list | tuple) or len(values) < _PACK_FROM:
        return values
    try:
        array = np.array([np.nan if v is None else v for v in values], dtype="f8")
    except (TypeError, ValueError):
        return values  # text categories stay as they are
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _render(fig: go.Figure, width: int, height: int, scale: int) -> bytes:
    opts = dict(format="png", width=width, height=height, scale=scale)
    # The figure's own JSON form, read once and not copied (to_dict() deep-copies every point
    # of the map); long coordinate lists are packed, the rest is sent as it is.
    data = [
        {k: _packed(v) if k in _PACKED_KEYS else v for k, v in trace.items()}
        for trace in fig._data  # noqa: SLF001
    ]
    return _renderer.render({"data": data, "layout": fig._layout}, opts)  # noqa: SLF001


def to_png(
    fig: go.Figure, *, width: int = PNG_WIDTH, height: int | None = None, scale: int = PNG_SCALE
) -> bytes:
    """PNG bytes at 2x for print. Serialised: one warm tab renders one image at a time, so
    concurrent sessions queue rather than interleave."""
    theme.register()
    height = height or int(fig.layout.height or 450)
    with _lock:
        if _renderer is None:
            _start()
        try:
            return _render(fig, width, height, scale)
        except Exception:
            # A crashed browser: restart once and retry, then give up loudly.
            _stop()
            _start()
            return _render(fig, width, height, scale)


def shutdown() -> None:
    with _lock:
        _stop()


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
    from pipeline.charts import labels

    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        for sheet, title, df in sheets:
            _sheet(
                writer, exports_safe.sheet_name(sheet), title, labels.chinese(df) if relabel else df
            )
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

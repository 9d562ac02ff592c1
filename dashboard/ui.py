"""Streamlit glue shared by every page: the warehouse connection, cached queries, the
sidebar filters and the chart block with its downloads.

Caching is keyed by the warehouse file's (path, inode, mtime): an ingest swaps a new file
in with `os.replace`, which changes the inode, so the next rerun opens the new file and
every cached result of the old one simply stops being asked for.

Access control (issue #5): `run()` narrows every query to the signed-in user's `Scope`
(`queries_base.scoped`) whatever filters a page passes, refuses member-level queries to roles
without member rows, and keys the cache by the scope too, so a result computed for an
administrator is never served to a township account. Every download is audited.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import datetime

import duckdb
import pandas as pd
import streamlit as st

from dashboard import auth, widget_words
from dashboard.downloads import download  # noqa: F401  (ui.download for pages)
from dashboard.text import plain
from pipeline import config
from pipeline.access import audit
from pipeline.access.scope import Scope
from pipeline.charts import labels
from pipeline.charts.base import ChartContext, wave_label
from pipeline.charts.package import ChartItem, unit_label  # noqa: F401  (unit_label for pages)
from pipeline.queries.base import Filters, for_scope, is_member_level, scoped
from pipeline.warehouse import models
from pipeline.warehouse import store as warehouse

ALL_TOWNSHIPS = "全县"
ALL_BRANCHES = "全部支部"
_FILTERS_KEY = "census_filters"


class StaleModels(Exception):
    """The warehouse's analytics tables were built by another version of the models."""


class NoWarehouse(Exception):
    """The warehouse file does not exist (yet)."""


def county_name() -> str:
    """'浙江省温州市苍南县' → '苍南县' for titles."""
    name = config.HOME_COUNTY_NAME
    for marker in ("市", "州", "盟", "省"):
        head, sep, tail = name.rpartition(marker)
        if sep and tail:
            return tail
    return name


def _close(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.close()


_open_lock = threading.Lock()
_open: list[duckdb.DuckDBPyConnection] = []


@st.cache_resource(max_entries=1, on_release=_close, show_spinner=False)
def _connection(path: str, inode: int, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    """One read-only connection per warehouse version.

    DuckDB hands back the database already open for a path while any connection to it is
    still open, so after an ingest swapped a new file in, the old connection must be closed
    *before* connecting, or the new file is never read.
    """
    del inode, mtime_ns  # part of the cache key only
    with _open_lock:
        while _open:
            _close(_open.pop())
        con = warehouse.connect_readonly(path)
        _open.append(con)
    if models.built_fingerprint(con) != models.models_fingerprint():
        # Built by another version of the model SQL: pages would fail on missing columns.
        raise StaleModels(path)
    return con


def reopen() -> None:
    """After this process swapped a new warehouse in (upload, restore): move the cached
    connection to it now and drop every cached result, so the same rerun reads new data."""
    with contextlib.suppress(NoWarehouse):
        _connection(*version())
    st.cache_data.clear()


def version() -> tuple[str, int, int]:
    found = warehouse.warehouse_version(config.db_path())
    if found is None:
        raise NoWarehouse(str(config.db_path()))
    return found


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached(
    name: str, _fn: Callable, ver: tuple[str, int, int], filters: Filters, scope: Scope
) -> pd.DataFrame:
    # `scope` is part of the key only (the filters are already narrowed to it): whatever a
    # query does, a result cached for one role and township is never handed to another.
    # DuckDB connections are not for concurrent use; each query gets its own cursor. A
    # session racing a warehouse swap may find its connection just closed: retry once.
    del scope
    for attempt in (1, 2):
        try:
            cursor = _connection(*ver).cursor()
        except duckdb.ConnectionException:
            if attempt == 2:
                raise
            _connection.clear()
            continue
        try:
            return _fn(cursor, filters)
        finally:
            cursor.close()
    raise AssertionError("unreachable")


def run(
    fn: Callable[[duckdb.DuckDBPyConnection, Filters], pd.DataFrame], filters: Filters | None = None
) -> pd.DataFrame:
    """Run a named query through the cache; `fn` is a function of `queries`.

    The filters are narrowed to the signed-in scope here, so a page cannot widen them."""
    granted = auth.scope()
    if is_member_level(fn) and not granted.may_see_member_rows:
        raise PermissionError(f"{granted.role_label}账号不能查看党员名单")
    filters = scoped(filters if filters is not None else current_filters(), granted)
    key = f"{fn.__module__}.{fn.__name__}"
    return _cached(key, fn, version(), filters, _cache_scope(granted))


def _cache_scope(granted: Scope) -> Scope:
    # Results depend on the role and township, not on who asks: same-role users share entries.
    return Scope.for_role(granted.role, granted.township)


def style() -> None:
    """Less empty space above the page title (everything else is the theme's), and
    Streamlit's own words in Chinese on every page, the sign-in page included."""
    st.markdown(
        "<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem;}</style>",
        unsafe_allow_html=True,
    )
    widget_words.install()


def empty_state(message: str | None = None) -> None:
    st.title("流动党员普查分析")
    st.info(
        message
        or "尚未建立普查数据库。请将各乡镇（支部）报送的普查表放入 `data/raw/` 文件夹，"
        "然后运行 `make demo`（演示数据）或 `python -m pipeline ingest data/raw` 入库，"
        "入库完成后刷新本页即可看到分析结果。",
        icon="📋",
    )
    st.caption(f"数据库位置：{config.db_path()}")


# --- filters ---------------------------------------------------------------------------------


def sidebar(granted: Scope) -> Filters:
    """The global filters, built on the user's scope; every page reads them through
    `current_filters()`. A township account's township is fixed."""
    from pipeline.queries import analysis as queries

    scope = for_scope(granted)
    st.sidebar.markdown("### 筛选条件")
    waves = run(queries.waves, scope)["wave"].tolist()
    if not waves:
        raise NoWarehouse("empty")
    wave = st.sidebar.selectbox(
        "普查批次",
        waves,
        index=0,
        key="filter_wave",
        format_func=lambda w: f"{wave_label(w)}（{w}）",
    )
    if granted.all_townships:
        towns = [ALL_TOWNSHIPS, *run(queries.townships, scope)["township"].tolist()]
    else:
        towns = [granted.township]
    if st.session_state.get("filter_township") not in towns:
        st.session_state["filter_township"] = towns[0]
    township = st.sidebar.selectbox(
        "乡镇",
        towns,
        key="filter_township",
        disabled=not granted.all_townships,
        help=None if granted.all_townships else "乡镇账号只能查看本乡镇的数据",
    )
    township = None if township == ALL_TOWNSHIPS else township
    branch_options = [ALL_BRANCHES]
    if township:
        branch_options += run(queries.branches, scope.with_(wave=wave, township=township))[
            "branch"
        ].tolist()
    if st.session_state.get("filter_branch") not in branch_options:
        st.session_state["filter_branch"] = ALL_BRANCHES
    branch = st.sidebar.selectbox(
        "党支部",
        branch_options,
        key="filter_branch",
        disabled=township is None,
        help="先选择乡镇，再选择支部；不选即为全县视图",
    )
    branch = None if branch == ALL_BRANCHES else branch
    filters = scope.with_(
        wave=wave, township=township, branch=branch, show_personal_data=_reveal(granted)
    )
    st.session_state[_FILTERS_KEY] = filters
    as_of = run(queries.as_of, scope)
    stamp = as_of["as_of"].iloc[0] if len(as_of) else None
    st.sidebar.caption(
        f"统计时点：{wave_label(wave)}普查\n\n数据更新于：{_fmt_time(stamp)}\n\n"
        f"数据库：{config.db_path().name}"
    )
    return filters


REVEAL_KEY = "reveal_personal"


def _reveal(granted: Scope) -> bool:
    """Masked by default, for every role: a role that may see its members' names and phones
    in clear (a township following up its own) turns them on here, for this session, and the
    audit log records each turning on. ID numbers stay masked whatever the switch says."""
    if not granted.may_see_personal_data:
        return False
    on = st.sidebar.toggle(
        "显示完整姓名和电话",
        key=REVEAL_KEY,
        on_change=_note_reveal,
        args=(granted,),
        help="默认脱敏显示。打开后，页面和下载的名单显示完整姓名和联系电话（身份证号始终脱敏），"
        "打开操作记入审计日志。",
    )
    if on and not st.session_state.get(_REVEAL_NOTED):
        # On without a change Streamlit calls back for: a session's first run already
        # carrying the switch on (a client can send that), which no click preceded.
        _note_reveal(granted)
    return on


_REVEAL_NOTED = "reveal_personal_noted"  # this session's turning on is in the audit log


def _note_reveal(granted: Scope) -> None:
    if st.session_state.get(REVEAL_KEY):
        audit.record("reveal_personal", granted.username, granted, {"on": True})
        st.session_state[_REVEAL_NOTED] = True
    else:
        st.session_state.pop(_REVEAL_NOTED, None)


def _fmt_time(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def current_filters() -> Filters:
    """The sidebar's filters; never wider than the signed-in scope."""
    return scoped(st.session_state.get(_FILTERS_KEY, Filters()), auth.scope())


def stop_unless_submitted(f: Filters, current: pd.DataFrame) -> None:
    """A selection that sent nothing for the wave (its row of `metrics_by_wave` is missing)
    says so and stops the page: its figures are not reported, never 0."""
    if current.empty:
        st.info(
            f"{plain(scope_label(f))}在{wave_label(f.wave)}普查中没有报送数据，请在左侧选择其他批次或范围。"
        )
        st.stop()


def scope_label(f: Filters) -> str:
    if f.branch:
        return f"{f.township}{f.branch}"
    return f.township or county_name()


def not_reported(df: pd.DataFrame) -> pd.DataFrame:
    """A table as exported/shown: a count a unit did not report reads 未填报, never blank or 0
    (`labels.not_reported`, which the chart package's workbook applies too)."""
    return labels.not_reported(df)


def with_stat_point(df: pd.DataFrame, f: Filters | None = None) -> pd.DataFrame:
    """An exported table states its 统计时点 (the census wave) unless it has a wave column."""
    f = f or current_filters()
    if "wave" in df.columns or not f.wave or "统计时点" in df.columns:
        return df
    return df.assign(**{"统计时点": f"{wave_label(f.wave)}普查"})


def context(f: Filters | None = None) -> ChartContext:
    from pipeline.queries import analysis as queries

    f = f or current_filters()
    # The footnote: when this wave's data last changed (an upload for another wave does not
    # move it); the 统计时点 itself is the census wave.
    as_of = run(queries.as_of, Filters(wave=f.wave, allowed_townships=f.allowed_townships))
    stamp = as_of["as_of"].iloc[0] if len(as_of) else None
    return ChartContext(
        scope=scope_label(f),
        wave=f.wave,
        as_of=None if stamp is None or pd.isna(stamp) else _fmt_time(stamp),
    )


def page_header(title: str, f: Filters) -> None:
    st.title(title)
    st.caption(f"范围：{plain(scope_label(f))} ｜ 普查批次：{wave_label(f.wave)}")

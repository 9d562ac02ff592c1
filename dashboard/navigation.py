"""Which pages a signed-in user's navigation lists, derived from the `Scope` only.

A page missing from the navigation cannot be opened at all (Streamlit falls back to the
default page for an unknown URL), so this list *is* the page-level access control; pages
holding anything sensitive also check the scope themselves (`auth.require`).

Pure: `pages_for(scope)` returns plain specs, turned into `st.Page`s by `streamlit_app.py`,
so the mapping role → pages is testable without a running app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.access.scope import Scope

HERE = Path(__file__).resolve().parent

ANALYSIS = "分析"
DUTY = "督办与核对"
WORK = "报送与质量"
ADMIN = "管理"
ACCOUNT = "账号"


@dataclass(frozen=True)
class PageSpec:
    page: str  # a file under dashboard/, or the name of a function in dashboard.auth
    title: str
    icon: str
    url_path: str
    section: str
    default: bool = False
    needs_warehouse: bool = True  # False: usable before the first ingest

    @property
    def is_file(self) -> bool:
        return self.page.endswith(".py")


# Aggregate pages every role may open. 失联 holds a member list too; the page itself shows
# it only to roles with member rows (the query is not even run for the others).
_AGGREGATE = [
    PageSpec("app_pages/overview.py", "总览", ":material/dashboard:", "overview", ANALYSIS, True),
    PageSpec("app_pages/flows.py", "流向", ":material/map:", "flows", ANALYSIS),
    PageSpec(
        "app_pages/lost_contact.py", "失联", ":material/person_search:", "lost-contact", ANALYSIS
    ),
    PageSpec("app_pages/returnees.py", "返乡创业", ":material/storefront:", "returnees", ANALYSIS),
]
# Issue #17: counts for every role; member rows only where the scope allows (checked on the page).
_DUTY = [
    PageSpec("app_pages/duties.py", "督办", ":material/assignment_late:", "duties", DUTY),
    PageSpec("app_pages/checks.py", "核对", ":material/compare_arrows:", "checks", DUTY),
]
_QUALITY = PageSpec("app_pages/quality.py", "数据质量", ":material/fact_check:", "quality", WORK)
# Written in parallel by the upload work (issue #4): listed only once the files exist.
_UPLOAD = PageSpec(
    "app_pages/upload.py",
    "数据上报",
    ":material/upload_file:",
    "upload",
    WORK,
    needs_warehouse=False,
)
_SUBMISSIONS = PageSpec(
    "app_pages/submissions.py",
    "上报情况",
    ":material/inventory:",
    "submissions",
    WORK,
    needs_warehouse=False,
)
_ACCOUNTS = PageSpec(
    "app_pages/accounts.py",
    "账号管理",
    ":material/manage_accounts:",
    "accounts",
    ADMIN,
    needs_warehouse=False,
)
_PASSWORD = PageSpec(
    "password_page", "修改密码", ":material/key:", "password", ACCOUNT, needs_warehouse=False
)
SIGN_IN = PageSpec("sign_in_page", "登录", ":material/login:", "sign-in", "", True, False)
# Its own URL, so that once the password is changed the rerun lands on the default page.
FORCED_PASSWORD = PageSpec(
    "forced_password_page", "修改密码", ":material/key:", "new-password", "", True, False
)


# Every data page's URL, whatever the role: a signed-out visitor (or one who must change the
# password first) who opens a bookmark gets the sign-in form at that URL and lands on the page
# after signing in; a signed-in user without the page gets a refusal in Chinese, never
# Streamlit's English "Page not found".
ALL_URL_PATHS = [
    spec.url_path
    for spec in [*_AGGREGATE, *_DUTY, _QUALITY, _UPLOAD, _SUBMISSIONS, _ACCOUNTS, _PASSWORD]
]
REFUSED_TITLE = "无权访问"


def _exists(spec: PageSpec) -> bool:
    return (HERE / spec.page).is_file()


def pages_for(scope: Scope) -> list[PageSpec]:
    """The pages this scope may use, in navigation order."""
    pages = list(_AGGREGATE)
    pages += [spec for spec in _DUTY if _exists(spec)]
    if scope.may_upload and _exists(_UPLOAD):
        pages.append(_UPLOAD)
    if scope.may_see_quality and _exists(_SUBMISSIONS):
        pages.append(_SUBMISSIONS)
    if scope.may_see_quality:
        pages.append(_QUALITY)
    if scope.may_manage_accounts:
        pages.append(_ACCOUNTS)
    pages.append(_PASSWORD)
    return pages


def sections(pages: list[PageSpec]) -> dict[str, list[PageSpec]]:
    """Pages grouped by section header, in first-appearance order."""
    grouped: dict[str, list[PageSpec]] = {}
    for spec in pages:
        grouped.setdefault(spec.section, []).append(spec)
    return grouped

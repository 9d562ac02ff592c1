"""The filter object every query takes, and the one place WHERE clauses are built.

Access control plugs in here: `scoped()` narrows a `Filters` to what a signed-in user's
`pipeline.access.scope.Scope` allows; `allowed_townships` is then applied by `where()`
unconditionally, so no query can forget it, and `show_personal_data` (False unless the scope
grants it) decides whether member-level queries return names and phones in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.access.scope import Scope


@dataclass(frozen=True)
class Filters:
    """The sidebar selection. None means 'all': no township and no branch is the county view."""

    wave: str | None = None
    township: str | None = None
    branch: str | None = None
    # Township scope of the signed-in user; None = whole county. Enforced by `where()`.
    allowed_townships: tuple[str, ...] | None = None
    # Names and phone numbers in clear (only for scopes that may see personal data).
    show_personal_data: bool = False

    def with_(self, **changes) -> Filters:
        values = {**self.__dict__, **changes}
        return Filters(**values)

    @property
    def level(self) -> str:
        """'county', 'township' or 'branch': what the selection is a view of."""
        if self.branch:
            return "branch"
        return "township" if self.township else "county"


def scoped(f: Filters, scope: Scope) -> Filters:
    """`f` narrowed to what `scope` may see: its townships (intersected with any narrower
    set already on `f`) and personal data only if the role allows it."""
    allowed = f.allowed_townships
    if not scope.all_townships:
        mine = (scope.township,) if allowed is None else allowed
        allowed = tuple(t for t in mine if t == scope.township)
    return f.with_(
        allowed_townships=allowed,
        show_personal_data=f.show_personal_data and scope.may_see_personal_data,
    )


def for_scope(scope: Scope, **selection) -> Filters:
    """The base filters of a signed-in user: scoped, personal data as the role allows."""
    return scoped(Filters(show_personal_data=True, **selection), scope)


def member_level(fn: Callable) -> Callable:
    """Mark a query that returns rows about individual members (not aggregates): the
    dashboard never runs it for a role without `may_see_member_rows`."""
    fn.member_level = True
    return fn


def is_member_level(fn: Callable) -> bool:
    return bool(getattr(fn, "member_level", False))


def mask_name_sql(column: str) -> str:
    """SQL for a masked name: the first character and stars ('张**')."""
    return f"left({column}, 1) || repeat('*', greatest(length({column}) - 1, 1))"


def redact_sql(column: str, *, phones: bool) -> str:
    """SQL for free text (流入地, 流入地党组织, a rejected cell) with ID numbers masked inside it
    always, as no screen shows an ID in clear, and mobile numbers too when `phones`: a register
    leaves room to type 书记手机13800001111 into any column."""
    ids = f"regexp_replace({column}, '(\\d{{6}})\\d{{8}}(\\d{{3}}[0-9Xx])', '\\1********\\2', 'g')"
    if not phones:
        return ids
    return f"regexp_replace({ids}, '(1[3-9]\\d)\\d{{4}}(\\d{{4}})', '\\1****\\2', 'g')"


def free_text_sql(column: str, f: Filters) -> str:
    """`redact_sql` for a member list's free-text column as `f` shows it: phones in clear
    only when the role sees personal data and it is turned on."""
    return redact_sql(column, phones=not f.show_personal_data)


def mask_phone_sql(column: str) -> str:
    """SQL for a masked phone: 138****5678 for mobiles, else at most the last four digits."""
    return f"""case
                   when regexp_matches({column}, '^1\\d{{10}}$')
                       then left({column}, 3) || '****' || right({column}, 4)
                   when length({column}) > 4 then repeat('*', length({column}) - 4) || right({column}, 4)
                   else repeat('*', length({column}))
               end"""


def where(
    f: Filters,
    *,
    wave: bool = True,
    township: bool = True,
    branch: bool = True,
    extra: str | None = None,
    branch_expr: str = "branch",
    township_expr: str = "township",
    wave_expr: str = "wave",
) -> tuple[str, list]:
    """A WHERE clause with `?` placeholders and its parameters.

    The flags let a query drop a filter it must ignore (the wave trend ignores the wave);
    the township scope can never be dropped. Column expressions are code constants, never
    user input; user values only ever travel as parameters.
    """
    clauses: list[str] = []
    params: list = []
    if wave and f.wave:
        clauses.append(f"{wave_expr} = ?")
        params.append(f.wave)
    if township and f.township:
        clauses.append(f"{township_expr} = ?")
        params.append(f.township)
    if branch and f.branch:
        clauses.append(f"{branch_expr} = ?")
        params.append(f.branch)
    if f.allowed_townships is not None:
        clauses.append(f"list_contains(?::varchar[], {township_expr})")
        params.append(list(f.allowed_townships))
    if extra:
        clauses.append(extra)
    return ("where " + " and ".join(clauses)) if clauses else "", params

"""The filter object every query takes, and the one place WHERE clauses are built.

Access control (a user who may only see some townships) plugs in here: `allowed_townships`
is applied by `where()` unconditionally, so no query can forget it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """The sidebar selection. None means 'all': no township and no branch is the county view."""

    wave: str | None = None
    township: str | None = None
    branch: str | None = None
    # Township scope of the signed-in user; None = whole county. Enforced by `where()`.
    allowed_townships: tuple[str, ...] | None = None

    def with_(self, **changes) -> Filters:
        values = {**self.__dict__, **changes}
        return Filters(**values)

    @property
    def level(self) -> str:
        """'county', 'township' or 'branch': what the selection is a view of."""
        if self.branch:
            return "branch"
        return "township" if self.township else "county"


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

"""What a signed-in user may see and do, as one immutable value the query layer takes.

Derived from the role only (never from what the UI happens to show), so a query function that
honours `Scope` cannot leak another township's rows whatever page calls it.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_LABELS = {
    "admin": "管理员",
    "county": "县级",
    "township": "乡镇",
    "analyst": "分析员",
    "viewer": "只读",
}

# role: (member rows, personal data in clear, export member rows, upload, data quality, accounts)
_PERMISSIONS = {
    # accounts and everything else
    "admin": (True, True, True, True, True, True),
    # the whole county; member lists with names/phones masked, exports likewise masked
    "county": (True, False, True, False, True, False),
    # its own township only, in clear: the secretary phones these members to follow up
    "township": (True, True, True, False, True, False),
    # uploads and data quality; works on files, not on people
    "analyst": (False, False, False, True, True, False),
    # leaders: figures and charts only
    "viewer": (False, False, False, False, False, False),
}


def parse_role(text: str) -> str:
    """'乡镇' or 'township' -> 'township'; raises ValueError with the accepted words."""
    value = (text or "").strip().lower()
    if value in ROLE_LABELS:
        return value
    for role, label in ROLE_LABELS.items():
        if text.strip() == label:
            return role
    accepted = "、".join(f"{label}（{role}）" for role, label in ROLE_LABELS.items())
    raise ValueError(f"未知角色“{text}”，可选：{accepted}")


@dataclass(frozen=True)
class Scope:
    """Build with `Scope.for_role(...)` or `accounts.scope_for(user)`, not field by field.

    `may_export_member_rows` with `may_see_personal_data` False means: member-level exports are
    allowed but must be masked (pipeline.access.masking), as on screen.
    """

    role: str
    township: str | None  # None: every township of the county
    username: str = ""
    may_see_member_rows: bool = False
    may_see_personal_data: bool = False
    may_export_member_rows: bool = False
    may_upload: bool = False
    may_see_quality: bool = False
    may_manage_accounts: bool = False

    def __post_init__(self) -> None:
        if self.role not in _PERMISSIONS:
            raise ValueError(f"未知角色：{self.role}")
        if (self.role == "township") != bool(self.township):
            raise ValueError("乡镇账号必须且只能绑定一个乡镇；其他角色不绑定乡镇")
        expected = _PERMISSIONS[self.role]
        if self._flags() != expected:
            # A hand-built Scope granting more than its role would defeat the point.
            raise ValueError(f"权限与角色不符：{self.role}")

    @classmethod
    def for_role(cls, role: str, township: str | None = None, username: str = "") -> Scope:
        role = parse_role(role)
        member, personal, export, upload, quality, manage = _PERMISSIONS[role]
        return cls(
            role=role,
            township=township or None,
            username=username,
            may_see_member_rows=member,
            may_see_personal_data=personal,
            may_export_member_rows=export,
            may_upload=upload,
            may_see_quality=quality,
            may_manage_accounts=manage,
        )

    def _flags(self) -> tuple[bool, ...]:
        return (
            self.may_see_member_rows,
            self.may_see_personal_data,
            self.may_export_member_rows,
            self.may_upload,
            self.may_see_quality,
            self.may_manage_accounts,
        )

    @property
    def all_townships(self) -> bool:
        return self.township is None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def label(self) -> str:
        """Chinese description for headers and the audit log: '全县' or the township."""
        return "全县" if self.all_townships else self.township

    def allows(self, township: str | None) -> bool:
        return self.all_townships or township == self.township

    def sql_filter(self, column: str = "township") -> tuple[str, list]:
        """A WHERE fragment and its parameters; the township travels as a bound parameter.

        `column` is an identifier written by the query author, never user input.
        """
        if self.all_townships:
            return "true", []
        return f"{column} = ?", [self.township]

    def filter_frame(self, frame, column: str = "township"):
        """Rows of a pandas frame this scope may see (for data already in memory)."""
        if self.all_townships:
            return frame
        return frame[frame[column] == self.township]

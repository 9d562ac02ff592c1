"""`python -m pipeline users add|list|disable|enable|reset-password|ensure-admin`.

Kept out of cli.py so the stable ingest/stats contract there stays untouched. Passwords come
from a prompt (never echoed) or `--password-stdin` (for scripts); never from an argument,
which would sit in shell history and in `ps` output.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from pipeline.access.scope import ROLE_LABELS

ROLE_CHOICES = [*ROLE_LABELS, *ROLE_LABELS.values()]


def add_parser(sub) -> None:
    users = sub.add_parser("users", help="账号管理：新建、列出、停用、启用、重置密码")
    actions = users.add_subparsers(dest="users_command", required=True)

    add = actions.add_parser("add", help="新建账号")
    add.add_argument("username")
    add.add_argument(
        "--role",
        required=True,
        choices=ROLE_CHOICES,
        help="管理员/县级/乡镇/分析员/只读（或 admin/county/township/analyst/viewer）",
    )
    add.add_argument("--township", help="乡镇账号所属乡镇，如 灵溪镇")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")

    listing = actions.add_parser("list", help="列出账号")
    listing.add_argument("--json", action="store_true", help="输出 JSON")

    for name, text in (("disable", "停用账号（立即结束其登录会话）"), ("enable", "重新启用账号")):
        actions.add_parser(name, help=text).add_argument("username")

    reset = actions.add_parser("reset-password", help="重置密码（下次登录须修改）")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")

    actions.add_parser("ensure-admin", help="首次运行：若无管理员则创建 admin 并显示一次随机密码")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def run(args: argparse.Namespace) -> int:
    from pipeline.access import accounts

    command = args.users_command
    try:
        if command == "list":
            return _list(accounts.list_users(), args.json)
        if command == "ensure-admin":
            return _ensure_admin(accounts.ensure_admin())
        if command == "add":
            password = _read_password(args.password_stdin)
            user = accounts.create_user(
                args.username,
                password,
                args.role,
                args.township,
                actor=_actor(),
                actor_scope="命令行",
            )
            where = f"（{user.township}）" if user.township else ""
            print(f"已新建账号 {user.username}：{user.role_label}{where}")
        elif command in ("disable", "enable"):
            change = accounts.disable_user if command == "disable" else accounts.enable_user
            user = change(args.username, actor=_actor(), actor_scope="命令行")
            print(f"已{'停用' if user.disabled else '启用'}账号 {user.username}")
        elif command == "reset-password":
            password = _read_password(args.password_stdin)
            user = accounts.reset_password(
                args.username, password, actor=_actor(), actor_scope="命令行"
            )
            print(f"已重置 {user.username} 的密码；该账号下次登录后应修改密码")
    except ValueError as exc:  # AccountError and mismatched prompts: a message, not a traceback
        print(str(exc), file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("已取消", file=sys.stderr)
        return 1
    return 0


def _list(users, as_json: bool) -> int:
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "username": u.username,
                        "role": u.role,
                        "role_label": u.role_label,
                        "township": u.township,
                        "disabled": u.disabled,
                        "must_change_password": u.must_change_password,
                        "created_at": u.created_at,
                        "last_sign_in_at": u.last_sign_in_at,
                    }
                    for u in users
                ],
                ensure_ascii=False,
            )
        )
        return 0
    if not users:
        print("尚无账号（运行 python -m pipeline users ensure-admin 创建管理员）")
    for u in users:
        status = "已停用" if u.disabled else "正常"
        print(
            f"{u.username:<16} {u.role_label:<4} {u.township or '全县':<8} {status}"
            f"  最近登录：{u.last_sign_in_at or '从未'}"
        )
    return 0


def _ensure_admin(password: str | None) -> int:
    if password is None:
        print("已有管理员账号，未做改动")
        return 0
    print("已创建管理员账号 admin，初始密码（只显示这一次，请立即记下并在首次登录后修改）：")
    print(f"    {password}")
    return 0

"""`python -m pipeline mappings list|remove`: the column choices analysts kept per township.

Kept out of cli.py so the stable ingest/stats contract there stays untouched. Removing is an
administrator's act: it is audited under the operating-system user, as other CLI changes are.
"""

from __future__ import annotations

import getpass
import json


def add_parser(sub) -> None:
    kept = sub.add_parser("mappings", help="分析员保存的列映射：列出、删除")
    actions = kept.add_subparsers(dest="mappings_command", required=True)
    listing = actions.add_parser("list", help="列出已保存的列映射和文件设置")
    listing.add_argument("--township", help="只列出该乡镇的列映射")
    listing.add_argument("--json", action="store_true", help="输出 JSON")
    remove = actions.add_parser("remove", help="删除一条列映射（按编号）")
    remove.add_argument("id", type=int)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def run(args) -> int:
    from pipeline.parse import mappings

    if args.mappings_command == "list":
        columns = mappings.list_columns(args.township)
        files = [] if args.township else mappings.list_file_choices()
        if args.json:
            print(json.dumps({"columns": columns, "files": files}, ensure_ascii=False))
            return 0
        if not columns and not files:
            print("没有已保存的列映射")
        for c in columns:
            print(
                f"{c['id']:>4}  {c['township']}：“{c['label']}” → {c['field_label']}"
                f"（{c['created_by'] or '—'}，{c['created_at']}）"
            )
        for f in files:
            what = "，".join(
                t
                for t in (
                    f["township"] and f"乡镇 {f['township']}",
                    f["wave"] and f"批次 {f['wave']}",
                )
                if t
            )
            print(f"文件 {f['file_name']}：{what}（{f['created_by'] or '—'}，{f['created_at']}）")
        return 0
    if mappings.remove_column(args.id, _actor(), "命令行"):
        print(f"已删除列映射 {args.id}")
        return 0
    print(f"没有编号为 {args.id} 的列映射")
    return 1

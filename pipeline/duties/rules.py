"""The duty rules (督办规则): when an outflow member needs an action, by which rule, and why.

The one configuration place for every threshold of the duty list. The SQL models read these
values from the `duty_rules` table, written here (bound parameters) before the models run,
so a changed threshold is a changed model fingerprint and the dashboard asks for a rebuild.

Dates are counted to the end of the census month (`wave_end`), as every §5 metric is.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import duckdb


@dataclass(frozen=True)
class DutyRule:
    code: str  # English identifier used in SQL and code
    name: str  # what the user reads
    threshold: int  # how many `unit`s make the duty due
    unit: str  # 'day' (more than `threshold` days) or 'month' (`threshold` months or more)
    action: str  # what the branch has to do
    source: str  # the document the rule comes from
    needs: str  # canonical fields a register must carry for the rule to be assessed
    order: int  # display order


_EDUCATION_RULES = "《中国共产党党员教育管理工作条例》"
_CONSTITUTION = "《中国共产党章程》第九条"
_MOBILE_2024 = "《关于进一步加强和改进流动党员管理工作的意见》（2024年）"

DUTY_RULES: tuple[DutyRule, ...] = (
    DutyRule(
        "lost_contact",
        "失联满6个月",
        6,
        "month",
        "组织查找；查找后仍无法取得联系的，按程序停止党籍（停止党籍满2年仍无法联系的予以除名）",
        _EDUCATION_RULES,
        "contact_status",
        1,
    ),
    DutyRule(
        "dues_unpaid",
        "连续6个月未交党费",
        6,
        "month",
        "谈话提醒，了解原因；无正当理由的，按自行脱党程序审查处理",
        _CONSTITUTION,
        "dues_paid_through",
        2,
    ),
    DutyRule(
        "no_contact",
        "超过180天未联系",
        180,
        "day",
        "流出地党组织主动联系，了解思想、工作和生活情况（不含已列为失联的党员）",
        _MOBILE_2024,
        "last_contact_date",
        3,
    ),
    DutyRule(
        "two_nots",
        "两不管",
        180,
        "day",
        "无流入地党组织且超过180天未联系：落实双重管理，督促到流入地党组织报到",
        _MOBILE_2024,
        "inflow_org,last_contact_date",
        4,
    ),
    DutyRule(
        "no_certificate",
        "未持流动党员活动证",
        0,
        "day",
        "发放流动党员活动证，并定期查验",
        _MOBILE_2024,
        "has_certificate",
        5,
    ),
)

RULES_BY_CODE = {rule.code: rule for rule in DUTY_RULES}
RULE_NAMES = {rule.code: rule.name for rule in DUTY_RULES}
NOT_ASSESSED = "未填报"


def rules_fingerprint() -> bytes:
    """Part of the models' fingerprint: a warehouse built with other thresholds is stale."""
    return repr(DUTY_RULES).encode()


def write_rules(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the `duty_rules` table the duty models read; values travel as parameters."""
    con.execute(
        "create or replace table duty_rules (code varchar, name varchar, threshold integer, "
        "unit varchar, action varchar, source varchar, needs varchar, sort_order integer)"
    )
    con.executemany(
        "insert into duty_rules values (?, ?, ?, ?, ?, ?, ?, ?)",
        [list(astuple(rule)) for rule in DUTY_RULES],
    )

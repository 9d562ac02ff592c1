"""Every row rule of spec §3, fed through a real workbook, lands in quarantine with row and reason."""

from __future__ import annotations

import pytest

from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, member, valid_id

GOOD = member(seq=1, name="李四", id_number=valid_id("33032719850307123"))


def quarantine(db):
    con = connect_readonly(db)
    rows = con.execute(
        "select excel_row, field, column_label, value, reason from quarantine order by excel_row, field"
    ).fetchall()
    con.close()
    return rows


@pytest.mark.parametrize(
    ("bad_row", "field", "reason_part"),
    [
        (member(name=None), "name", "姓名为空"),
        (member(name="   "), "name", "姓名为空"),
        (member(id_number="33032719850307"), "id_number", "应为18位"),
        (member(id_number="330327198503071235"), "id_number", "校验位错误"),
        (member(id_number="330327198513071236"), "id_number", "出生日期不存在"),
        (member(id_number=330327198001011239), "id_number", "以数字格式存储"),
        (member(outflow="2031-05-01"), "outflow_date", "晚于普查时间"),
        (member(contact="2022-05-03"), "last_contact_date", "晚于普查时间"),
        (member(outflow="1949.12"), "outflow_date", "早于1950年"),
        (
            member(outflow="2021-07-13", returned="是", return_date="2001-01-01"),
            "return_date",
            "早于流出时间",
        ),
        (member(status="不清楚"), "contact_status", "不在可选范围"),
        (member(gender="中性"), "gender", "不在可选范围"),
        (member(returned="可能"), "returned", "不在可选范围"),
        (
            member(returned="是", return_date="2022-01-01", jobs=-3),
            "jobs_created",
            "不能为负数（-3）",
        ),
        (member(returned="是", return_date="2022-01-01", jobs=2.5), "jobs_created", "应为整数"),
        (member(returned="是", return_date="2022-01-01", jobs="很多"), "jobs_created", "应为整数"),
    ],
)
def test_row_rule_goes_to_quarantine(write_xlsx, isolated_env, bad_row, field, reason_part):
    path = write_xlsx("2022-04_灵溪镇_流动党员普查.xlsx", {"流动党员": [HEADER, GOOD, bad_row]})
    db = isolated_env / "q.duckdb"
    report = ingest_paths([path], db=db)
    [result] = report.files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    [(excel_row, got_field, label, _value, reason)] = quarantine(db)
    assert excel_row == 3  # header is Excel row 1, the good row 2
    assert got_field == field
    assert reason_part in reason
    assert label  # the column as the analyst named it, for the fix-list


@pytest.mark.parametrize(
    ("written", "reason"),
    [("去年三月", "日期无法识别"), ("长期", "日期无法识别"), ("2021年2月30日", "日期不存在")],
)
def test_unreadable_date_blanks_the_field_not_the_member(write_xlsx, isolated_env, written, reason):
    # spec §3 rejects a row for a date before 1950 or after the census, not for an unreadable one
    bad = member(seq=2, name="王五", id_number=valid_id("33032719900101123"), outflow=written)
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"流动党员": [HEADER, GOOD, bad]})
    db = isolated_env / "q.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    con = connect_readonly(db)
    warned = con.execute(
        "select excel_row, field, value, reason from warnings where field = 'outflow_date'"
    ).fetchall()
    blank = con.execute("select outflow_date from members where name = '王五'").fetchall()
    con.close()
    assert warned == [(3, "outflow_date", written, f"{reason}，已留空，该党员其余信息照常统计")]
    assert blank == [(None,)]


def test_duplicate_id_keeps_first_rejects_second(write_xlsx, isolated_env):
    twin = valid_id("33032719900101123")
    rows = [
        HEADER,
        member(seq=1, name="王五", id_number=twin),
        GOOD,
        member(seq=3, name="王五", id_number=twin),
    ]
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"流动党员": rows})
    db = isolated_env / "q.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    [(excel_row, field, _label, value, reason)] = quarantine(db)
    assert (excel_row, field) == (4, "id_number")
    assert reason.startswith("身份证号与第2行重复")
    assert value == twin[:6] + "********" + twin[-4:]  # never stored in clear, even in quarantine


def test_every_failure_of_a_row_is_reported_at_once(write_xlsx, isolated_env):
    bad = member(name=None, id_number="123", status="不清楚", outflow="2035-01-01")
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"流动党员": [HEADER, GOOD, bad]})
    db = isolated_env / "q.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.rows_rejected == 1
    assert {f for _, f, *_ in quarantine(db)} == {
        "name",
        "id_number",
        "contact_status",
        "outflow_date",
    }


def test_sample_with_bad_rows_quarantines_exactly_eight(samples_db):
    db, _ = samples_db
    con = connect_readonly(db)
    rows = con.execute(
        "select excel_row, field from quarantine where file_name like ? order by excel_row",
        ["金乡镇%"],
    ).fetchall()
    con.close()
    assert rows == [
        (13, "outflow_date"),
        (14, "id_number"),
        (16, "contact_status"),
        (22, "id_number"),
        (27, "id_number"),
        (37, "return_date"),
        (46, "jobs_created"),
        (48, "name"),
    ]


def test_same_member_in_two_branch_files_is_rejected_in_the_later_file(
    write_xlsx, isolated_env, tmp_path
):
    twin = valid_id("33032719900101123")
    first = write_xlsx(
        "2022-04_灵溪镇_一支部.xlsx",
        {"s": [HEADER, member(name="王五", id_number=twin, branch="第一党支部")]},
    )
    other = member(seq=1, name="李四", id_number=valid_id("33032719850307123"), branch="第二党支部")
    second = write_xlsx(
        "2022-04_灵溪镇_二支部.xlsx",
        {"s": [HEADER, other, member(seq=2, name="王五", id_number=twin, branch="第二党支部")]},
    )
    db = isolated_env / "q.duckdb"
    report = ingest_paths([first, second], db=db)
    assert [(f.rows_loaded, f.rows_rejected) for f in report.files] == [(1, 0), (1, 1)]
    [(excel_row, field, _label, _value, reason)] = quarantine(db)
    assert (excel_row, field) == (3, "id_number")
    assert "2022-04_灵溪镇_一支部.xlsx" in reason and "第2行重复" in reason
    # re-submitting the first branch's own file later is a replacement, not a duplicate
    again = write_xlsx(
        "2022-04_灵溪镇_一支部_更正.xlsx",
        {
            "s": [
                HEADER,
                member(name="王五", id_number=twin, branch="第一党支部", phone="13900001111"),
            ]
        },
    )
    [result] = ingest_paths([again], db=db).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("replaced", 1, 0)


def test_same_member_in_two_townships_registers_is_marked_for_review(write_xlsx, isolated_env):
    """Spec §3 rejects a member twice in one township-wave; in two townships both stay, and
    the county's figures count the person twice: both files (the earlier one of the batch
    too, and a later batch's file against the warehouse) say so, naming no file of the other
    township's."""
    twin = valid_id("33032719900101123")
    first = write_xlsx(
        "2022-04_桥墩镇.xlsx",
        {"s": [HEADER, member(name="王五", id_number=twin, township="桥墩镇")]},
    )
    second = write_xlsx(
        "2022-04_矾山镇.xlsx",
        {"s": [HEADER, GOOD, member(seq=2, name="王五", id_number=twin, township="矾山镇")]},
    )
    db = isolated_env / "q.duckdb"
    report = ingest_paths([first, second], db=db)
    assert [(f.rows_loaded, f.rows_rejected) for f in report.files] == [(1, 0), (2, 0)]
    notices = [f.notices for f in report.files]
    assert notices == [
        ["需核对：1 名党员（身份证号相同）也登记在矾山镇的名单中，县级合计会把他们各计一次；"
         "请与该乡镇核实后，从不该登记的名单中删除再重新上传"],
        ["需核对：1 名党员（身份证号相同）也登记在桥墩镇的名单中，县级合计会把他们各计一次；"
         "请与该乡镇核实后，从不该登记的名单中删除再重新上传"],
    ]  # fmt: skip
    con = connect_readonly(db)
    stored = con.execute("select notice from file_notices order by notice").fetchall()
    con.close()
    assert [n for (n,) in stored] == sorted(n for [n] in notices)
    third = write_xlsx(
        "2022-04_藻溪镇.xlsx",
        {"s": [HEADER, member(name="王五", id_number=twin, township="藻溪镇")]},
    )
    [result] = ingest_paths([third], db=db).files
    assert [n.split("，")[0] for n in result.notices] == [
        "需核对：1 名党员（身份证号相同）也登记在桥墩镇的名单中",
        "需核对：1 名党员（身份证号相同）也登记在矾山镇的名单中",
    ]

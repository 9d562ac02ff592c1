"""How each demo file is laid out: one `FileSpec` per township and wave.

Every file differs, the way registers from different township offices do; together
they cover the layouts and value spellings of spec §1. `bad` lists the rows planted
to be quarantined (see `demo._plant`).
"""

from __future__ import annotations

from pipeline.demo.writer import Col, FileSpec


def _cols(*pairs: str, group: str | None = None) -> list[Col]:
    """`_cols("姓名", "name", "性别", "gender")` → columns, optionally under one top header."""
    return [Col(h, f, group) for h, f in zip(pairs[::2], pairs[1::2], strict=True)]


RETURN_COLS = _cols("是否返乡", "returned", "返乡时间", "return_date", "创办企业", "enterprise",
                    "创业行业", "industry", "带动就业人数", "jobs")  # fmt: skip

CANONICAL = _cols(
    "序号", "seq", "姓名", "name", "性别", "gender", "出生年月", "birth", "身份证号", "id",
    "所在党支部", "branch", "所属乡镇", "township", "流出时间", "outflow", "流入地", "dest",
    "流动范围", "scope", "从事职业", "occupation", "联系电话", "phone", "流入地党组织", "inflow_org",
    "是否持流动党员证", "certificate", "最近联系时间", "last_contact", "联系状态", "status",
) + RETURN_COLS + _cols("备注", "remark")  # fmt: skip

SIGN = "填表人：          审核人：          联系电话："


def _seed() -> FileSpec:
    cols = (
        _cols("序号", "seq", "姓名", "name", "性别", "gender", "身份证号", "id", "所在党支部", "branch", "流出时间", "outflow")
        + _cols("省", "dest_province", "市", "dest_city", "县(区)", "dest_county", group="流入地")
        + _cols("从事职业", "occupation", "联系电话", "phone", "联系状态", "status", "最近联系时间", "last_contact",
                "是否持流动党员证", "certificate", "流入地党组织", "inflow_org")
    )  # fmt: skip
    return FileSpec(
        "2022-04_灵溪镇_流动党员普查.xlsx", "灵溪镇", "2022-04", cols,
        "种子普查：标题行 + 填报单位/普查时间行，两级表头（流入地 → 省/市/县(区)），合计行、签名行；支部情况表（60个支部）",
        sheet="流动党员", title="灵溪镇流动党员普查登记表",
        fill_row="填报单位：中共灵溪镇委员会    普查时间：2022年4月",
        order="shuffle", total_row=True, signature=SIGN, summary=True,
        outflow_style="dot_month", dest="split",
    )  # fmt: skip


def file_specs() -> list[FileSpec]:
    specs = [_seed()]
    # ------------------------------------------------------------ 2022-04
    specs.append(FileSpec(
        "宜山镇_2022-04_系统导出.csv", "宜山镇", "2022-04",
        [Col("公民身份号码", "id") if c.field == "id" else Col("外出时间", "outflow") if c.field == "outflow"
         else Col("手机号码", "phone") if c.field == "phone" else c for c in CANONICAL],
        "系统导出 CSV（GB18030），单行表头，日期 20210315，是否 Y/N",
        fmt="csv-gb18030", order="shuffle", outflow_style="compact", day_style="compact",
        yes_no=("Y", "N"), bad=("bad_check", "missing_name"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "钱库镇流动党员登记表_2022年4月.xlsx", "钱库镇", "2022-04",
        _cols("序号", "seq", "所在党支部", "branch", "姓名", "name", "性别", "gender", "出生年月", "birth",
              "身份证号码", "id", "外出时间", "outflow", "外出地点", "dest", "从事职业", "occupation",
              "手机号码", "phone", "联系情况", "status", "最近联系时间", "last_contact", "持证情况", "certificate",
              "是否回乡", "returned", "回乡时间", "return_date", "创业项目", "enterprise",
              "带动就业人数", "jobs", "备注", "remark"),
        "标题行（含乡镇和月份），所在党支部纵向合并，支部之间空行，自由文本外出地点，手机号存为数字，"
        "日期 2021年3月，持证 有/无，注释行与分栏签名行；支部情况表",
        sheet="流动党员登记表", title="钱库镇流动党员登记表（2022年4月）",
        merge_branch=True, block_gaps=True, total_row=True,
        notes=("注：外出时间精确到月；外出地点填写到县（市、区），县内流动填写乡镇。",),
        signature=["填表人：", "陈晓燕", None, "审核人：", "林建国", None, "填报日期：2022年4月26日"],
        summary=True, outflow_style="cn_month", day_style="slash", birth_style="cn_month",
        cert_yes_no=("有", "无"), phone_numeric=True, dest="free", lost_words=("失去联系", "联系不上"),
        bad=("future_date", "return_before_outflow"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "金乡镇_2022-04_流动党员登记表.xlsx", "金乡镇", "2022-04",
        _cols("序号", "seq", "姓名", "name", "性别", "gender", "身份證號碼", "id", "所在党支部", "branch",
              "流出時間", "outflow", "流入地", "dest", "从事职业", "occupation", "聯繫電話", "phone",
              "聯繫狀態", "status", "最近联系时间", "last_contact", "流入地党组织", "inflow_org",
              "是否持证", "certificate"),
        "每个支部一张表（表名即支部名，无支部列），每表标题行 + 填报时间行，部分繁体表头，Excel 日期单元格；支部情况表",
        per_branch=True, branch_title="{township}{branch}流动党员登记表", fill_row="填报时间：2022年4月",
        signature="填表人：", summary=True, outflow_style="excel", day_style="excel",
        bad=("dup_id", "unknown_vocab"), vocab_field="status", vocab_word="待核实",
    ))  # fmt: skip
    specs.append(FileSpec(
        "马站镇流动党员普查表（2022年4月）.xlsx", "马站镇", "2022-04",
        _cols("序号", "seq", "姓  名", "name", "性 别", "gender", "出生年月", "birth", " 身份证号码", "id",
              "所在支部", "branch", "外出时间", "outflow", "现居住地", "dest", "从事行业", "occupation",
              "联系电话 ", "phone", "最近联系时间", "last_contact", "联系状态", "status",
              "是否返乡", "returned", "返乡时间", "return_date",
              "创业项目", "enterprise", "带动就业人数（人）", "jobs"),
        "标题行 + 填报单位（盖章）/填报日期行，表头含多余空格和全角括号，日期 2021/3/15（部分全角数字），是否 √/×，"
        "合计、注释、签名行；支部情况表；无持证列、无流入地党组织列（持证率、双重管理未填报）",
        title="马站镇流动党员普查表",
        fill_row="填报单位（盖章）：中共马站镇委员会        填报日期：2022年4月28日",
        order="shuffle", total_row=True, notes=("注：本表所列为截至2022年4月底仍在外或已返乡的流动党员。",),
        signature=SIGN, summary=True, outflow_style="slash", day_style="slash", fullwidth_every=7,
        yes_no=("√", "×"), bad=("negative_jobs", "missing_name"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "矾山镇2022年4月流动党员情况统计表.xlsx", "矾山镇", "2022-04",
        _cols("序号", "seq", "姓名", "name", "性别", "gender", "身份证号", "id", "所在党支部", "branch",
              "流出时间", "outflow")
        + _cols("省", "dest_province", "市", "dest_city", "县（区）", "dest_county", group="流入地")
        + _cols("从事职业", "occupation", "联系电话", "phone", "联系状态", "status",
                "最近联系时间", "last_contact", "是否持流动党员证", "certificate")
        + _cols("是否返乡", "returned", "返乡时间", "return_date", "创办企业", "enterprise",
                "带动就业人数", "jobs", group="返乡创业情况"),
        "标题行 + 统计时间行，两级表头（流入地 → 省/市/县（区），返乡创业情况 → 四列），Excel 日期单元格（显示为年月），"
        "电话存为数字；无支部情况表",
        title="矾山镇流动党员情况统计表", fill_row="统计时间：2022年4月", total_row=True, signature=SIGN,
        outflow_style="excel_cn", day_style="excel", dest="split", phone_numeric=True,
        bad=("id_lost_digits", "bad_check"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "桥墩镇_2022年4月_流动党员台账.xlsx", "桥墩镇", "2022-04",
        _cols("序号", "seq", "所属乡镇", "township", "所在党支部", "branch", "姓名", "name", "性别", "gender",
              "身份证号", "id", "流出时间", "outflow", "流入地", "dest", "流动范围", "scope",
              "从事职业", "occupation", "联系电话", "phone", "流入地党组织", "inflow_org",
              "是否持流动党员证", "certificate", "最近联系时间", "last_contact", "联系状态", "status",
              "党费缴纳至", "dues") + RETURN_COLS,
        "无标题，单行表头，所属乡镇列，日期 2021.3，自由文本流入地，电话存为数字，党费缴纳至，合计行；支部情况表；无错误行",
        sheet="台账", total_row=True, summary=True, outflow_style="dot_month_np", day_style="iso",
        dest="free", phone_numeric=True,
    ))  # fmt: skip
    specs.append(FileSpec(
        "岱岭畲族乡流动党员名册（2022.4）.xlsx", "岱岭畲族乡", "2022-04",
        _cols("序号", "seq", "姓名", "name", "身份证号", "id", "所在党支部", "branch", "外出时间", "outflow",
              "外出地点", "dest", "从事职业", "occupation", "联系电话", "phone", "联系状态", "status",
              "持证", "certificate"),
        "小乡名册：标题行 + 截至日期行，无性别/出生年月列（由身份证推出），无返乡列；支部情况表；无错误行",
        sheet="名册", title="岱岭畲族乡流动党员名册", fill_row="截至2022年4月30日",
        signature="填表人：雷建国    审核人：蓝秀芳", summary=True, outflow_style="cn_month", dest="free",
    ))  # fmt: skip
    # ------------------------------------------------------------ 2023-08
    specs.append(FileSpec(
        "2023-08_灵溪镇_流动党员普查.xlsx", "灵溪镇", "2023-08", CANONICAL,
        "单行表头（标准列全），所属乡镇和流动范围列，Excel 日期单元格；支部情况表",
        sheet="流动党员", summary=True, outflow_style="excel", day_style="excel",
        bad=("bad_check", "return_before_outflow", "negative_jobs"), warn=("scope_conflict",),
    ))  # fmt: skip
    specs.append(FileSpec(
        "宜山镇_2023-08_系统导出.csv", "宜山镇", "2023-08", CANONICAL,
        "系统导出 CSV（UTF-8 带 BOM），单行表头，ISO 日期，联系状态写作“联系不上”",
        fmt="csv-utf-8-sig", order="shuffle", lost_words=("联系不上",), bad=("dup_id",),
    ))  # fmt: skip
    specs.append(FileSpec(
        "钱库镇流动党员登记表_2023年8月.xlsx", "钱库镇", "2023-08",
        _cols("序号", "seq", "姓名", "name", "性别", "gender", "出生年月", "birth", "身份证号", "id",
              "所在党支部", "branch", "外出时间", "outflow", "现居住地", "dest", "从事职业", "occupation",
              "手机号码", "phone", "联系情况", "status", "最近联系时间", "last_contact",
              "是否持流动党员证", "certificate", "是否回乡", "returned", "回乡时间", "return_date",
              "创办企业", "enterprise", "创业行业", "industry", "吸纳就业人数", "jobs"),
        "每个支部一张表（无标题、无支部列，乡镇和月份只在文件名里），日期 2021.03，持证 有/无；支部情况表；"
        "上次普查报送过的最后一个支部本次缺报",
        per_branch=True, missing_branches=1, summary=True, outflow_style="dot_month", day_style="iso", birth_style="dot_month",
        cert_yes_no=("有", "无"), lost_words=("无法联系",), bad=("missing_name", "future_contact"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "金乡镇流动党员普查_2023年8月.xlsx", "金乡镇", "2023-08",
        _cols("序号", "seq", "所在党支部", "branch", "姓名", "name", "性别", "gender", "身份证号", "id",
              "流出时间", "outflow", "流入地", "dest", "从事职业", "occupation", "手机号码", "phone",
              "联系情况", "status", "最近联系时间", "last_contact", "是否持流动党员证", "certificate",
              "是否回乡", "returned", "返乡时间", "return_date", "创办企业", "enterprise",
              "创业行业", "industry", "带动就业人数", "jobs"),
        "标题行（含乡镇和月份）+ 填报单位行，所在党支部纵向合并，支部之间空行，日期存为数字 20210315，"
        "是否 √/×，自由文本流入地，合计、注释、签名行；支部情况表",
        title="金乡镇流动党员普查登记表（2023年8月）", fill_row="填报单位：中共金乡镇委员会组织办",
        merge_branch=True, block_gaps=True, total_row=True,
        notes=("注：日期按“年月日”八位数字填写。",), signature=SIGN, summary=True,
        outflow_style="compact_num", day_style="compact_num", yes_no=("√", "×"), phone_numeric=True,
        dest="free", bad=("unknown_vocab", "return_before_outflow"), vocab_field="returned", vocab_word="不详",
    ))  # fmt: skip
    specs.append(FileSpec(
        "马站镇流动党员台账_2023年8月.xls", "马站镇", "2023-08",
        _cols("序号", "seq", "姓名", "name", "性别", "gender", "身份证号", "id", "所在党支部", "branch",
              "外出时间", "outflow", "外出地点", "dest", "从事职业", "occupation", "联系电话", "phone",
              "联系情况", "status", "最近联系时间", "last_contact", "是否持流动党员证", "certificate",
              "是否回乡", "returned", "返乡时间", "return_date", "创办企业", "enterprise",
              "带动就业人数", "jobs"),
        "旧版 .xls（xlwt），标题行 + 填报单位/普查时间行，日期 2021.3 与 2021/3/15，电话存为数字，是否 Y/N，合计、签名行",
        sheet="流动党员台账", title="马站镇流动党员台账",
        fill_row="填报单位：马站镇党委    普查时间：2023年8月", fmt="xls", total_row=True, signature=SIGN,
        outflow_style="dot_month_np", day_style="slash", yes_no=("Y", "N"), phone_numeric=True,
        bad=("id_lost_digits", "future_date"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "矾山镇_2023-08_流动党员普查.xlsx", "矾山镇", "2023-08",
        _cols("序号", "seq", "姓名", "name", "性别", "gender", "出生年月", "birth", "身份证号", "id",
              "所在党支部", "branch", "流出时间", "outflow", "现居住地", "dest", "从事职业", "occupation",
              "手机号码", "phone", "联系状态", "status", "最近联系时间", "last_contact", "流入地党组织", "inflow_org",
              "是否持流动党员证", "certificate", "是否回乡", "returned", "返乡时间", "return_date",
              "创办企业", "enterprise", "带动就业人数", "jobs"),
        "标题行（含乡镇和月份）后空一行再表头，日期 2021年3月，自由文本现居住地，是否 Y/N；支部情况表；无错误行",
        sheet="普查表", title="矾山镇流动党员普查表（2023年8月）", blank_after_title=True, summary=True,
        outflow_style="cn_month", day_style="iso", birth_style="cn_month", yes_no=("Y", "N"), dest="free",
    ))  # fmt: skip
    specs.append(FileSpec(
        "桥墩镇2023年8月流动党员台账.xlsx", "桥墩镇", "2023-08",
        _cols("序号", "seq", "所在党支部", "branch", "姓名", "name", "性别", "gender", "身份证号", "id",
              "流出时间", "outflow", "流入地", "dest", "流动范围", "scope", "从事职业", "occupation",
              "联系电话", "phone", "联系情况", "status", "最近联系时间", "last_contact",
              "流入地党组织", "inflow_org", "是否持流动党员证", "certificate")
        + RETURN_COLS,
        "标题行 + 普查时间行，所在党支部纵向合并（无空行），日期 2021.03（部分全角数字），电话存为数字；支部情况表",
        title="桥墩镇流动党员台账", fill_row="普查时间：2023年8月", merge_branch=True, total_row=True,
        signature=SIGN, summary=True, outflow_style="dot_month", day_style="iso", fullwidth_every=3,
        phone_numeric=True, bad=("before_1950", "missing_name"),
    ))  # fmt: skip
    specs.append(FileSpec(
        "岱岭畲族乡流动党员名册（2023.8）.xlsx", "岱岭畲族乡", "2023-08",
        _cols("序号", "seq", "姓名", "name", "身份证号", "id", "所在党支部", "branch", "外出时间", "outflow",
              "外出地点", "dest", "从事职业", "occupation", "联系电话", "phone", "联系状态", "status",
              "持证", "certificate", "是否回乡", "returned", "回乡时间", "return_date"),
        "同 2022 年名册，另加是否回乡/回乡时间；无错误行",
        sheet="名册", title="岱岭畲族乡流动党员名册", fill_row="截至2023年8月31日",
        signature="填表人：雷建国    审核人：蓝秀芳", summary=True, outflow_style="cn_month", dest="free",
    ))  # fmt: skip
    return specs

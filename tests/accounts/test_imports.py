"""Unit and judge imports: encodings, formats, every kind of bad row."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from judging.accounts import service
from judging.accounts.imports import KnownUnit, resolve_unit, validate_units
from judging.accounts.models import Judge, Role, Unit, User
from judging.extensions import db
from judging.tables import TableError, read_table
from tests.conftest import UNITS_CSV, csrf_token

GOOD_UNITS = (
    "名称,简称,别名,类型,联系人,联系电话,电子邮箱\n"
    "重庆大学,重大,,本科,张三,023-65102345,zs@cqu.edu.cn\n"
    "重庆医科大学,重医,重医大|重庆医大,本科,李四,13800138000,ls@cqmu.edu.cn\n"
)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_read_table_gbk_csv_from_excel():
    data = GOOD_UNITS.encode("gbk")

    table = read_table(
        data, filename="学校.csv", columns=service.UNIT_COLUMNS, required={"name"}
    )

    assert [cells["name"] for _n, cells in table.rows] == ["重庆大学", "重庆医科大学"]
    assert table.rows[1][1]["aliases"] == "重医大|重庆医大"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_read_table_encodings_agree(encoding):
    table = read_table(
        GOOD_UNITS.encode(encoding),
        filename="s.csv",
        columns=service.UNIT_COLUMNS,
        required={"name"},
    )

    assert table.rows[0] == (
        2,
        {
            "name": "重庆大学",
            "short_name": "重大",
            "aliases": "",
            "kind": "本科",
            "contact_name": "张三",
            "phone": "023-65102345",
            "email": "zs@cqu.edu.cn",
        },
    )


def test_read_table_xlsx():
    data = _xlsx(
        [
            ["name", "short_name"],
            ["重庆大学", "重大"],
            [None, None],
            ["西南大学", "西大"],
        ]
    )

    table = read_table(
        data, filename="s.xlsx", columns=service.UNIT_COLUMNS, required={"name"}
    )

    assert [(n, c["name"]) for n, c in table.rows] == [(2, "重庆大学"), (3, "西南大学")]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "s.csv", "文件为空"),
        ("简称\n重大\n".encode(), "s.csv", "缺少必需的列：名称"),
        (b"PK\x03\x04garbage", "s.xlsx", "无法读取"),
        (b"\xff\xfe\x00\x00\x81", "s.csv", "编码"),
    ],
)
def test_read_table_refuses_bad_files(data, filename, message):
    with pytest.raises(TableError) as info:
        read_table(
            data, filename=filename, columns=service.UNIT_COLUMNS, required={"name"}
        )

    assert message in str(info.value)


def test_validate_units_reports_every_bad_row():
    text = (
        "name,short_name,email\n重庆大学,重大,bad-mail\n,西大,\n"
        "重庆大学,重大2,\n西南大学,重大,\n"
    )
    table = read_table(
        text.encode(),
        filename="s.csv",
        columns=service.UNIT_COLUMNS,
        required={"name"},
    )

    _rows, errors = validate_units(table)

    assert [str(e) for e in errors] == [
        "第 2 行：电子邮箱格式不正确（bad-mail）",
        "第 3 行：单位名称为空",
        "第 4 行：单位名称“重庆大学”与第 2 行重复",
        "第 5 行：简称“重大”与第 2 行重复",
    ]


@pytest.mark.parametrize(
    ("affiliation", "expected"),
    [
        ("重庆大学", 1),
        ("重大", 1),
        ("重医大", 2),
        ("重庆医科大学附属第一医院", 2),
        ("重庆市总工会", None),
        ("重庆社会科学院", None),
    ],
)
def test_resolve_unit_every_name_form(affiliation, expected):
    units = [
        KnownUnit(1, "重庆大学", "重大", ()),
        KnownUnit(2, "重庆医科大学", "重医", ("重医大",)),
    ]

    assert resolve_unit(affiliation, units) == expected


def test_import_shared_unit_list(app):
    result = service.import_units(
        actor=None, data=UNITS_CSV.read_bytes(), filename="units.csv"
    )
    db.session.commit()

    assert (result.created, result.errors) == (67, [])
    assert db.session.scalar(select(func.count(Unit.id))) == 67
    first = db.session.scalar(select(User).where(User.username == "unit01"))
    assert (first.unit.name, first.role, first.must_change_password) == (
        "重庆大学",
        Role.UNIT,
        True,
    )
    medical = db.session.scalar(select(Unit).where(Unit.name == "重庆医科大学"))
    assert medical.alias_list == ["重医大"]


def test_import_same_file_twice_changes_nothing(app):
    data = UNITS_CSV.read_bytes()
    service.import_units(actor=None, data=data, filename="s.csv")
    db.session.commit()

    again = service.import_units(actor=None, data=data, filename="s.csv")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 67)
    assert again.credentials == []
    assert db.session.scalar(select(func.count(User.id))) == 67


def test_import_bad_file_writes_nothing(app):
    data = (GOOD_UNITS + "重庆大学,重大,,本科,,,\n").encode()

    result = service.import_units(actor=None, data=data, filename="s.csv")
    db.session.rollback()

    assert [str(e) for e in result.errors] == [
        "第 4 行：单位名称“重庆大学”与第 2 行重复",
        "第 4 行：简称“重大”与第 2 行重复",
    ]
    assert db.session.scalar(select(func.count(Unit.id))) == 0


def test_import_judges_resolves_affiliation(app):
    service.import_units(actor=None, data=GOOD_UNITS.encode(), filename="s.csv")
    data = (
        "姓名,职称,工作单位,研究方向,电子邮箱\n王建国,教授,重大,劳动关系、工会,w@x.cn\n"
        "高建华,高级经济师,重庆市总工会,工会工作,\n"
    ).encode("gbk")

    result = service.import_judges(actor=None, data=data, filename="j.csv")
    db.session.commit()

    judges = db.session.scalars(select(Judge).order_by(Judge.id)).all()
    assert result.errors == []
    assert [
        (j.name, j.unit.name if j.unit else None, j.expertise_list) for j in judges
    ] == [("王建国", "重庆大学", ["劳动关系", "工会"]), ("高建华", None, ["工会工作"])]
    assert [c.username for c in result.credentials] == ["judge01", "judge02"]


def test_import_judges_unknown_unit_refused(app):
    data = "name,affiliation\n王建国,重庆不存在大学\n李四,\n,重庆市总工会\n".encode()

    result = service.import_judges(actor=None, data=data, filename="j.csv")

    assert [str(e) for e in result.errors] == [
        "第 2 行：工作单位“重庆不存在大学”像是高校，但不在学校名单中"
        "（请先导入该校或改用名单中的名称）",
        "第 3 行：工作单位为空",
        "第 4 行：姓名为空",
    ]
    assert db.session.scalar(select(func.count(Judge.id))) == 0


def test_credentials_sheet_reads_back(app):
    result = service.import_units(
        actor=None, data=GOOD_UNITS.encode(), filename="s.csv"
    )

    book = load_workbook(io.BytesIO(service.credentials_xlsx(result.credentials)))
    rows = list(book.active.iter_rows(values_only=True))

    assert rows[0][:3] == ("用户名", "初始密码", "角色")
    assert [(r[0], r[2], r[4]) for r in rows[1:]] == [
        ("unit01", "单位联络员", "重庆大学"),
        ("unit02", "单位联络员", "重庆医科大学"),
    ]
    assert all(len(r[1]) == 10 for r in rows[1:])


def test_web_import_shows_errors_and_writes_nothing(client, make_user):
    from tests.conftest import login

    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/admin/units/import")
    bad = "name,email\n重庆大学,not-an-email\n".encode("gbk")

    response = client.post(
        "/admin/units/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "学校.csv")},
        content_type="multipart/form-data",
    )

    html = response.get_data(as_text=True)
    assert "第 2 行：电子邮箱格式不正确（not-an-email）" in html
    assert db.session.scalar(select(func.count(Unit.id))) == 0


def test_web_import_then_download_credentials(client, make_user):
    from tests.conftest import login

    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/admin/units/import")
    response = client.post(
        "/admin/units/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(GOOD_UNITS.encode()), "s.xlsx.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "新增 2，更新 0，未变 0" in response.get_data(as_text=True)
    users = db.session.scalars(select(User).where(User.role == Role.UNIT)).all()

    sheet = client.post(
        "/admin/credentials.xlsx",
        data={
            "csrf_token": token,
            "rows-0": "\t".join(
                [users[0].username, "pw", "单位联络员", "张三", "重庆大学"]
            ),
        },
    )

    assert sheet.headers["Content-Disposition"].startswith("attachment")
    assert sheet.headers["Cache-Control"] == "no-store"
    rows = list(
        load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
    )
    assert rows[1][:5] == (users[0].username, "pw", "单位联络员", "张三", "重庆大学")


IDENTITIES_CSV = UNITS_CSV.parent / "universities-chongqing-identities.csv"


def test_import_identities_file_completes_existing_units(app):
    service.import_units(actor=None, data=UNITS_CSV.read_bytes(), filename="units.csv")
    db.session.commit()

    result = service.import_units(
        actor=None, data=IDENTITIES_CSV.read_bytes(), filename="identities.csv"
    )
    db.session.commit()

    assert (result.created, result.updated, result.errors) == (0, 16, [])
    cqu = db.session.scalar(select(Unit).where(Unit.name == "重庆大学"))
    assert (
        cqu.short_name,
        cqu.english_name_list,
        cqu.abbreviation_list,
        cqu.domain_list,
    ) == ("重大", ["Chongqing University"], ["CQU"], ["cqu.edu.cn"])
    assert db.session.scalar(select(func.count(Unit.id))) == 67


def test_import_identity_columns_cleaned_and_checked(app):
    good = (
        "名称,英文名称,英文缩写,域名,二级学院\n"
        "重庆大学,Chongqing University,CQU,http://www.CQU.edu.cn/,"
        "重庆大学经济与管理学院|重庆大学法学院\n"
    )
    result = service.import_units(actor=None, data=good.encode(), filename="s.csv")
    db.session.commit()
    cqu = db.session.scalar(select(Unit).where(Unit.name == "重庆大学"))
    assert (result.errors, cqu.domain_list, cqu.institute_list) == (
        [],
        ["cqu.edu.cn"],
        ["重庆大学经济与管理学院", "重庆大学法学院"],
    )

    bad = (
        "名称,英文名称,英文缩写,域名\n"
        "西南大学,西南大学,S W U,swu\n"
        "西南政法大学,,,cqu.edu.cn\n"
    )
    refused = service.import_units(actor=None, data=bad.encode(), filename="s.csv")

    assert [str(e) for e in refused.errors] == [
        "第 2 行：英文名称应为英文且不超过 120 字符（西南大学）",
        "第 2 行：英文缩写格式不正确（S W U）",
        "第 2 行：域名格式不正确（swu），例如 cqu.edu.cn",
        "第 3 行：域名“cqu.edu.cn”已被“重庆大学”使用",
    ]
    assert db.session.scalar(select(func.count(Unit.id))) == 1


UNITS_WITH_KINDS = (
    "单位名称,简称,单位类型,是否试点单位,分组\n"
    "重庆市人民医院,市人民医院,医院,是,卫生系统\n"
    "重庆图书馆,重图,文化单位,否,\n"
    "重庆市南开中学,南开中学,中学,,教育系统|试点联系校\n"
)


def test_import_units_with_kinds_pilots_and_groups_from_gbk(app):
    result = service.import_units(
        actor=None, data=UNITS_WITH_KINDS.encode("gbk"), filename="单位.csv"
    )

    units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
    assert result.errors == []
    assert [(u.name, u.kind, u.is_pilot, u.group_list) for u in units] == [
        ("重庆市人民医院", "医疗卫生机构", True, ["卫生系统"]),
        ("重庆图书馆", "文化单位", False, []),
        ("重庆市南开中学", "中小学", False, ["教育系统", "试点联系校"]),
    ]


def test_import_units_refuses_an_unknown_kind_or_pilot_word(app):
    data = "名称,类型,是否试点单位\n甲单位,外星机构,是\n乙单位,企业,也许\n".encode()

    result = service.import_units(actor=None, data=data, filename="u.csv")

    assert [str(e) for e in result.errors] == [
        "第 2 行：单位类型“外星机构”无法识别（可填：本科院校、高职院校、开放大学、"
        "中小学、科研院所、医疗卫生机构、文化单位、体育单位、企业、机关事业单位、"
        "其他）",
        "第 3 行：是否试点单位应填“是”或“否”，而不是“也许”",
    ]
    assert db.session.scalar(select(func.count(Unit.id))) == 0


def test_a_file_of_pilot_flags_only_changes_only_the_flags(app):
    service.import_units(actor=None, data=UNITS_WITH_KINDS.encode(), filename="u.csv")

    service.import_units(
        actor=None, data="name,is_pilot\n重庆图书馆,是\n".encode(), filename="p.csv"
    )

    library = db.session.scalar(select(Unit).where(Unit.name == "重庆图书馆"))
    assert (library.kind, library.is_pilot, library.short_name) == (
        "文化单位",
        True,
        "重图",
    )

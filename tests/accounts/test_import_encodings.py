"""Judge imports that would silently skip the conflict rule: wrong encodings,
misspelt units, lenient numbers. Each is refused with a Chinese message and
writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from judging.accounts import service
from judging.accounts.models import Judge
from judging.extensions import db
from judging.tables import TableError, decode_text

UNITS = "名称,简称\n重庆大学,重大\n西南大学,西大\n".encode()
JUDGES = "姓名,工作单位,评审上限\n王建国,{unit},{capacity}\n"


def _judges(app, unit: str, capacity: str = "", encoding: str = "utf-8"):  # noqa: ANN001, ANN202
    service.import_units(actor=None, data=UNITS, filename="s.csv")
    data = JUDGES.format(unit=unit, capacity=capacity).encode(encoding)
    result = service.import_judges(actor=None, data=data, filename="j.csv")
    db.session.rollback()
    return [str(e) for e in result.errors]


def test_big5_judges_file_refused_naming_big5(app):
    service.import_units(actor=None, data=UNITS, filename="s.csv")
    data = "姓名,工作單位,職稱\n王建國,重慶大學,教授\n".encode("big5")

    result = service.import_judges(actor=None, data=data, filename="j.csv")

    errors = [str(e) for e in result.errors]

    assert errors == [
        "第 1 行：文件编码为 Big5（繁体中文），系统只接受 UTF-8、GB18030（GBK）或 "
        "UTF-16 编码的 CSV。请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重新上传。"
    ]
    assert db.session.scalar(select(func.count(Judge.id))) == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_proven_encodings_read_the_same(encoding):
    text = "姓名,工作单位\n王建国,重庆大学\n"

    assert decode_text(text.encode(encoding)) == text


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [
        ("姓名\n張三\n", "big5", "Big5（繁体中文）"),
        ("氏名,所属\n山田太郎,東京大学\n", "shift_jis", "Shift-JIS（日文）"),
    ],
)
def test_unproven_encodings_refused_by_name(text, encoding, named):
    with pytest.raises(TableError) as info:
        decode_text(text.encode(encoding))

    assert str(info.value).startswith(f"文件编码为 {named}，")


def test_misspelt_listed_unit_asked_not_taken_as_outside_body(app):
    errors = _judges(app, "重庆大雪")

    assert errors == [
        "第 2 行：工作单位“重庆大雪”不在单位名单中，是否为「重庆大学」？"
        "（请改用名单中的名称）"
    ]
    assert db.session.scalar(select(func.count(Judge.id))) == 0


def test_real_outside_body_still_accepted(app):
    assert _judges(app, "重庆市总工会") == []


@pytest.mark.parametrize("capacity", ["1_0", "1e1", "+5", "0", "²"])
def test_capacity_only_plain_digits(app, capacity):
    assert _judges(app, "重庆市总工会", capacity) == [
        f"第 2 行：评审上限应为正整数（{capacity}）"
    ]


def test_capacity_full_width_digits_read(app):
    service.import_units(actor=None, data=UNITS, filename="s.csv")
    data = JUDGES.format(unit="重庆市总工会", capacity="１２").encode()

    service.import_judges(actor=None, data=data, filename="j.csv")

    assert db.session.scalar(select(Judge.capacity)) == 12

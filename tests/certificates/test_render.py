"""Certificate PDFs read back with pypdf; the font's cmap; Chinese dates."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from judging.certificates.fonts import FONT_PATH, missing_glyphs
from judging.certificates.render import (
    CertificateData,
    chinese_date,
    render_certificates,
)
from judging.certificates.textwrap_zh import NO_LINE_START


def make_seal_png() -> bytes:
    """A small red ring on a transparent background."""
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 116, 116), outline=(200, 16, 30, 220), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_certificate(**overrides: object) -> CertificateData:
    values: dict[str, object] = {
        "serial": "CQ26-7F3A-9C21-D0E4",
        "verify_url": "https://judging.example.edu.cn/verify/CQ26-7F3A-9C21-D0E4",
        "authors": ("王建国", "欧阳玥", "张堃"),
        "title": "新时代高校教职工思想政治工作的实践路径研究",
        "tier": "一等奖",
        "competition": "2026年重庆市高校教职工主题征文比赛",
        "issuer": "重庆市教科文卫体工会",
        "issued_on": date(2026, 11, 20),
        "seal_png": None,
        "unit": "重庆大学",
    }
    values.update(overrides)
    return CertificateData(**values)  # type: ignore[arg-type]


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def page_fonts(resources: DictionaryObject) -> list[DictionaryObject]:
    """Fonts of a resource dictionary and of the forms it uses, recursively."""
    fonts = [font.get_object() for font in resources.get("/Font", {}).values()]
    for xobject in resources.get("/XObject", {}).values():
        xobject = xobject.get_object()
        if "/Resources" in xobject:
            fonts += page_fonts(xobject["/Resources"].get_object())
    return fonts


def test_render_certificates_one_page_per_item() -> None:
    items = [make_certificate(serial=f"S-{i}") for i in range(3)]

    reader = read(render_certificates(items))

    assert len(reader.pages) == 3


def test_render_certificates_page_is_a4_landscape() -> None:
    reader = read(render_certificates([make_certificate()]))

    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_render_certificates_font_embedded_as_subset() -> None:
    reader = read(render_certificates([make_certificate()]))

    fonts = page_fonts(reader.pages[0]["/Resources"])
    assert fonts != []
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor
        assert re.fullmatch(r"/[A-Z]{6}\+UKaiCN", str(font["/BaseFont"])) is not None


def test_render_certificates_text_has_names_title_tier_serial() -> None:
    item = make_certificate()

    text = read(render_certificates([item])).pages[0].extract_text()

    for expected in (
        "荣誉证书",
        "王建国",
        "欧阳玥",
        "张堃",
        "重庆大学",
        "《新时代高校教职工思想政治工作的实践路径研究》",
        "一等奖",
        "2026年重庆市高校教职工主题征文比赛",
        "重庆市教科文卫体工会",
        "二〇二六年十一月",
        "CQ26-7F3A-9C21-D0E4",
    ):
        assert expected in text


def test_render_certificates_long_title_wraps_by_the_rules() -> None:
    title = (
        "人工智能（AI）赋能高校教育管理：机遇、挑战与对策——基于ChatGPT、DeepSeek"
        "等大语言模型在教学评价、学生管理、科研辅助中的应用场景与治理框架的系统性"
        "实证研究（2020—2026年）"
    )

    text = read(render_certificates([make_certificate(title=title)])).pages[0]
    lines = text.extract_text().splitlines()

    start = next(i for i, line in enumerate(lines) if line.startswith("《"))
    end = next(i for i, line in enumerate(lines) if line.endswith("》"))
    title_lines = lines[start : end + 1]
    assert "".join(title_lines) == f"《{title}》"
    assert 2 <= len(title_lines) <= 3
    assert [line for line in title_lines if line[0] in NO_LINE_START] == []


def test_render_certificates_without_unit_omits_it() -> None:
    text = read(render_certificates([make_certificate(unit=None)])).pages[0]

    assert "重庆大学" not in text.extract_text()


def test_render_certificates_writes_out_and_reports_progress() -> None:
    items = [make_certificate(serial="A"), make_certificate(serial="B")]
    calls: list[tuple[int, int]] = []
    out = io.BytesIO()

    data = render_certificates(
        items, out=out, progress=lambda done, total: calls.append((done, total))
    )

    assert out.getvalue() == data
    assert calls == [(1, 2), (2, 2)]


def test_render_certificates_same_items_same_bytes() -> None:
    items = [make_certificate(), make_certificate(serial="S-2")]

    assert render_certificates(items) == render_certificates(iter(items))


def test_render_certificates_seal_stored_once_with_transparency() -> None:
    seal = make_seal_png()
    items = [make_certificate(serial=f"S-{i}", seal_png=seal) for i in range(4)]

    reader = read(render_certificates(items))

    images = {
        obj.idnum
        for page in reader.pages
        for form in page["/Resources"]["/XObject"].values()
        for obj in form.get_object().get("/Resources", {}).get("/XObject", {}).values()
    }
    assert len(images) == 1
    image = reader.get_object(images.pop())
    assert "/SMask" in image


def test_render_certificates_empty_input_gives_valid_pdf() -> None:
    reader = read(render_certificates([]))

    assert len(reader.pages) == 1


def test_certificate_data_is_frozen() -> None:
    item = make_certificate()

    with pytest.raises(AttributeError):
        item.tier = "二等奖"  # type: ignore[misc]
    assert replace(item, tier="二等奖").tier == "二等奖"


@pytest.mark.parametrize(
    ("day", "with_day", "expected"),
    [
        (date(2026, 11, 5), False, "二〇二六年十一月"),
        (date(2030, 1, 31), False, "二〇三〇年一月"),
        (date(2026, 10, 20), True, "二〇二六年十月二十日"),
        (date(2027, 12, 31), True, "二〇二七年十二月三十一日"),
        (date(2026, 6, 10), True, "二〇二六年六月十日"),
    ],
)
def test_chinese_date_cases(day: date, with_day: bool, expected: str) -> None:
    assert chinese_date(day, with_day=with_day) == expected


def test_missing_glyphs_common_names_none() -> None:
    assert missing_glyphs("王建国 欧阳玥 张堃 李喆 〇《》“”（）——") == []


def test_missing_glyphs_reports_each_unsupported_char_once() -> None:
    assert missing_glyphs("张𠀀三😀𠀀\n") == ["𠀀", "😀"]


def test_font_file_is_vendored_truetype() -> None:
    header = FONT_PATH.read_bytes()[:4]

    assert header == b"\x00\x01\x00\x00"

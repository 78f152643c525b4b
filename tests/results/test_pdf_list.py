"""The award list PDF: order, layout, page numbers and the embedded font."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from judging.results.pdf_list import AwardListRow, render_award_list, sort_rows

TIERS = ("一等奖", "二等奖", "三等奖", "优秀奖")


def make_row(**overrides: object) -> AwardListRow:
    values: dict[str, object] = {
        "tier": "一等奖",
        "rank": 1,
        "code": "E001",
        "title": "新时代高校教职工思想政治工作的实践路径研究",
        "authors": ("王建国", "欧阳玥"),
        "advisor": "刘明",
        "unit": "重庆大学",
    }
    values.update(overrides)
    return AwardListRow(**values)  # type: ignore[arg-type]


def many_rows(count: int) -> list[AwardListRow]:
    rows = []
    for index in range(count):
        rows.append(
            make_row(
                tier=TIERS[index * len(TIERS) // count],
                rank=index + 1,
                code=f"E{index:03d}",
                title="“双一流”建设背景下地方高校教师发展中心的功能定位与运行机制研究"
                "——以重庆市五所高校为例",
                authors=("王建国", "李晓红", "欧阳玥", "张堃"),
                unit="重庆邮电大学移通学院",
            )
        )
    return rows


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def test_sort_rows_by_tier_order_then_rank() -> None:
    rows = [
        make_row(tier="三等奖", rank=5, code="C"),
        make_row(tier="一等奖", rank=2, code="B"),
        make_row(tier="三等奖", rank=4, code="D"),
        make_row(tier="一等奖", rank=1, code="A"),
    ]

    ordered = sort_rows(rows, tier_order=TIERS)

    assert [row.code for row in ordered] == ["A", "B", "D", "C"]


def test_sort_rows_unknown_tier_goes_last() -> None:
    rows = [make_row(tier="特别奖", code="X"), make_row(tier="优秀奖", code="Y")]

    ordered = sort_rows(rows, tier_order=TIERS)

    assert [row.code for row in ordered] == ["Y", "X"]


def test_render_award_list_page_is_a4_portrait() -> None:
    reader = read(render_award_list([make_row()], title="获奖名单", tier_order=TIERS))

    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_render_award_list_text_in_tier_then_rank_order() -> None:
    rows = [
        make_row(tier="二等奖", rank=3, code="E203"),
        make_row(tier="一等奖", rank=1, code="E101", title="第一名的论文"),
        make_row(tier="二等奖", rank=2, code="E202", advisor=None),
    ]

    reader = read(
        render_award_list(
            rows,
            title="2026年征文比赛获奖名单",
            subtitle="二〇二六年十一月",
            tier_order=TIERS,
        )
    )
    text = reader.pages[0].extract_text()

    found = [m.group(0) for m in re.finditer(r"E\d{3}|一等奖|二等奖", text)]
    assert found == ["一等奖", "E101", "二等奖", "E202", "E203"]
    assert "《第一名的论文》" in text
    assert "王建国、欧阳玥" in text
    assert "2026年征文比赛获奖名单" in text
    assert "二〇二六年十一月" in text


def test_render_award_list_long_list_numbers_every_page() -> None:
    reader = read(render_award_list(many_rows(120), title="名单", tier_order=TIERS))

    total = len(reader.pages)
    texts = [page.extract_text() for page in reader.pages]
    assert total > 3
    assert [f"第 {n} 页 共 {total} 页" in t for n, t in enumerate(texts, 1)] == [
        True
    ] * total
    # The column header repeats on every page.
    assert ["作品题目" in t for t in texts] == [True] * total
    codes = re.findall(r"E\d{3}", "".join(texts))
    assert codes == [f"E{i:03d}" for i in range(120)]


def test_render_award_list_font_embedded_as_subset() -> None:
    reader = read(render_award_list(many_rows(10), title="名单", tier_order=TIERS))

    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts != []
    for font in fonts:
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
        assert re.fullmatch(r"/[A-Z]{6}\+UKaiCN", str(font["/BaseFont"])) is not None


def test_render_award_list_cells_wrap_without_splitting_names() -> None:
    reader = read(render_award_list(many_rows(4), title="名单", tier_order=TIERS))

    lines = reader.pages[0].extract_text().splitlines()

    name_lines = [line for line in lines if "、" in line and "《" not in line]
    names = {name for line in name_lines for name in line.split("、") if name}
    assert names == {"王建国", "李晓红", "欧阳玥", "张堃"}


def test_render_award_list_writes_out() -> None:
    out = io.BytesIO()

    data = render_award_list([make_row()], title="名单", tier_order=TIERS, out=out)

    assert out.getvalue() == data


def test_render_award_list_empty_says_so() -> None:
    reader = read(render_award_list([], title="名单", tier_order=TIERS))

    assert "暂无获奖作品" in reader.pages[0].extract_text()

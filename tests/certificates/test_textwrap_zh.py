"""Chinese line breaking: 禁则, unsplit Latin words, names kept whole, shrinking."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from judging.certificates.fonts import register_font
from judging.certificates.textwrap_zh import (
    NO_LINE_END,
    NO_LINE_START,
    balance_lines,
    fit_names,
    fit_text,
    wrap_names,
    wrap_zh,
)

FONT = register_font()
SIZE = 10.0
EM = SIZE  # every CJK glyph of the font is one em wide

TRICKY_TITLES = [
    "“双一流”建设背景下地方高校教师发展中心的功能定位与运行机制研究——以重庆市五所"
    "高校为例",
    "人工智能（AI）赋能高校教育管理：机遇、挑战与对策——基于ChatGPT、DeepSeek等大语言"
    "模型的实证研究（2020—2026年）",
    "论《资本论》中的“劳动价值论”，及其在新时代的发展！？",
    "高校工会“三化”建设：问题、路径与展望……兼论《工会法》（2021年修正）第十条",
    "Python与R语言在教育统计中的比较研究：以《教育统计学》课程为例",
]


def test_wrap_zh_comma_never_starts_line() -> None:
    lines = wrap_zh("一二三四五，六七", 5 * EM, FONT, SIZE)

    assert lines == ["一二三四", "五，六七"]


def test_wrap_zh_opening_mark_never_ends_line() -> None:
    lines = wrap_zh("一二三四《五六》", 5 * EM, FONT, SIZE)

    assert lines == ["一二三四", "《五六》"]


def test_wrap_zh_closing_marks_in_a_row_move_together() -> None:
    lines = wrap_zh("一二三四五》，六", 6 * EM, FONT, SIZE)

    assert lines == ["一二三四", "五》，六"]


def test_wrap_zh_dash_pair_not_split() -> None:
    lines = wrap_zh("一二三四——五六", 5 * EM, FONT, SIZE)

    assert lines == ["一二三四", "——五六"]


def test_wrap_zh_latin_word_not_split() -> None:
    lines = wrap_zh("基于PyTorch框架", 4 * EM, FONT, SIZE)

    assert lines == ["基于", "PyTorch", "框架"]


def test_wrap_zh_word_wider_than_line_is_cut() -> None:
    lines = wrap_zh("Internationalization", 3 * EM, FONT, SIZE)

    assert "".join(lines) == "Internationalization"
    assert all(stringWidth(line, FONT, SIZE) <= 3 * EM for line in lines)


def test_wrap_zh_blank_text_gives_no_lines() -> None:
    assert wrap_zh("  ", 100, FONT, SIZE) == []


def test_wrap_zh_spaces_dropped_at_line_ends() -> None:
    lines = wrap_zh("Deep learning for essay scoring", 8 * EM, FONT, SIZE)

    assert [line.strip() for line in lines] == lines
    assert " ".join(lines) == "Deep learning for essay scoring"


@pytest.mark.parametrize("title", TRICKY_TITLES)
@pytest.mark.parametrize("ems", [4, 5, 7, 9, 13, 20])
def test_wrap_zh_tricky_titles_follow_rules(title: str, ems: int) -> None:
    lines = wrap_zh(title, ems * EM, FONT, SIZE)

    assert "".join(lines) == title.replace(" ", "")
    assert [line for line in lines if line[0] in NO_LINE_START] == []
    assert [line for line in lines[:-1] if line[-1] in NO_LINE_END] == []
    for word in ("ChatGPT", "DeepSeek", "Python", "2020", "2026", "2021"):
        if word in title:
            assert [line for line in lines if word in line] != []
    # Only a hanging closing mark may stick out past the margin.
    overflowing = [
        line
        for line in lines
        if stringWidth(line, FONT, SIZE) > ems * EM + 0.01
        and line[-1] not in NO_LINE_START
    ]
    assert overflowing == []


def test_wrap_names_never_splits_a_name() -> None:
    names = ("欧阳玥", "王建国", "李晓红", "张堃")

    lines = wrap_names(names, 8 * EM, FONT, SIZE)

    assert lines == ["欧阳玥、王建国、", "李晓红、张堃"]


def test_wrap_names_ideographic_space_separator_dropped_at_line_end() -> None:
    lines = wrap_names(
        ("欧阳玥", "王建国", "李晓红"), 7 * EM, FONT, SIZE, separator="　"
    )

    assert lines == ["欧阳玥　王建国", "李晓红"]


def test_fit_text_long_title_shrinks_to_max_lines() -> None:
    title = "《" + TRICKY_TITLES[1] + "》"

    fitted = fit_text(
        title, width_pt=300, font_name=FONT, max_size=22, min_size=10, max_lines=3
    )

    assert fitted.font_size < 22
    assert len(fitted.lines) <= 3
    assert "".join(fitted.lines) == title


def test_fit_text_short_title_keeps_max_size() -> None:
    fitted = fit_text(
        "《短题》", width_pt=300, font_name=FONT, max_size=22, min_size=10, max_lines=3
    )

    assert (fitted.lines, fitted.font_size) == (("《短题》",), 22)


def test_fit_text_at_min_size_keeps_every_character() -> None:
    text = "很长" * 200

    fitted = fit_text(
        text, width_pt=100, font_name=FONT, max_size=12, min_size=10, max_lines=2
    )

    assert fitted.font_size == 10
    assert "".join(fitted.lines) == text


def test_fit_names_many_authors_shrink() -> None:
    names = tuple(f"作者{i}号" for i in range(12))

    fitted = fit_names(
        names, width_pt=400, font_name=FONT, max_size=26, min_size=12, max_lines=2
    )

    assert len(fitted.lines) <= 2
    assert fitted.font_size < 26


def test_balance_lines_same_count_even_lengths() -> None:
    title = "《" + TRICKY_TITLES[0] + "》"
    greedy = wrap_zh(title, 30 * EM, FONT, SIZE)

    balanced = balance_lines(title, width_pt=30 * EM, font_name=FONT, font_size=SIZE)

    assert len(greedy) == len(balanced) == 2
    assert "".join(balanced) == title
    assert abs(len(balanced[0]) - len(balanced[1])) <= 2

"""Tests for judging.documents.normalise: one form for what a reader sees."""

from __future__ import annotations

import pytest

from judging.documents.normalise import fold, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("重庆⼤学", "重庆大学"),  # Kangxi radical U+2F24
        ("⻓江师范学院", "长江师范学院"),  # CJK Radicals Supplement U+2ED3
        ("⻄南大学", "西南大学"),  # U+2EC4
        ("重慶大學", "重庆大学"),  # traditional
        ("重 庆\n大\u200b学", "重庆大学"),  # space, line break, zero-width
        ("重·庆-大*学", "重庆大学"),  # light punctuation
        ("ＣＱＵ", "CQU"),  # full-width Latin
        ("\ufa11", "\ufa11"),  # a unified ideograph in the compatibility block stays
    ],
)
def test_fold_reads_like_a_reader(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_normalise_keeps_sentence_punctuation_in_compact_form() -> None:
    assert normalise("在重庆，大学生", compact=True).text == "在重庆,大学生"


def test_normalise_span_points_back_into_original() -> None:
    original = "作者：重 慶\n⼤學。"
    n = normalise(original, compact=True)
    start = n.text.index("重庆大学")
    a, b = n.span(start, start + 4)
    assert original[a:b] == "重 慶\n⼤學"


def test_normalise_without_compact_keeps_spaces() -> None:
    assert normalise("Chongqing  Ｕniversity").text == "Chongqing  University"

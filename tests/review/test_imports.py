"""Score values against the rubric, and paper score rows against the assignments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from judging.review.imports import (
    KnownAssignment,
    KnownJudge,
    RubricItem,
    criterion_column,
    parse_points,
    point_errors,
    score_columns,
    total_points,
    validate_paper_scores,
)
from judging.tables import read_table

RUBRIC = [RubricItem(1, "选题", 20), RubricItem(2, "论证", 30)]
JUDGES = [
    KnownJudge(10, "judge01", "王建国"),
    KnownJudge(11, "judge02", "李秀英"),
    KnownJudge(12, "judge03", "李秀英"),
]
ASSIGNMENTS = [
    KnownAssignment(100, "ZW-0001", 10),
    KnownAssignment(101, "ZW-0001", 11),
    KnownAssignment(102, "ZW-0002", 10),
]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", None),
        ("  ", None),
        ("17", Decimal("17")),
        ("17.5", Decimal("17.5")),
        (" 0 ", Decimal("0")),
        ("１５", Decimal("15")),
    ],
)
def test_parse_points_accepts_numbers(text, value):
    assert parse_points(text) == value


@pytest.mark.parametrize(
    "text", ["abc", "NaN", "Infinity", "7,5", "十", "1_9", "1e1", "+5", "١٢"]
)
def test_parse_points_refuses_non_numbers(text):
    with pytest.raises(ValueError):
        parse_points(text)


@pytest.mark.parametrize(
    ("points", "complete", "errors"),
    [
        ({1: Decimal("20"), 2: Decimal("0")}, True, []),
        ({1: Decimal("12.5"), 2: None}, False, []),
        ({1: Decimal("12.5"), 2: None}, True, ["“论证”：请填写分数。"]),
        (
            {1: Decimal("21"), 2: Decimal("3")},
            True,
            ["“选题”：分数须在 0 到 20 之间（填写的是 21）。"],
        ),
        (
            {1: Decimal("-1"), 2: None},
            False,
            ["“选题”：分数须在 0 到 20 之间（填写的是 -1）。"],
        ),
        (
            {1: Decimal("7.3"), 2: None},
            False,
            ["“选题”：分数须为 0.5 的整数倍（填写的是 7.3）。"],
        ),
        ({9: Decimal("1")}, False, ["评分项（编号 9）不属于本竞赛的评分细则。"]),
    ],
)
def test_point_errors_follow_the_rubric(points, complete, errors):
    assert point_errors(RUBRIC, points, complete=complete) == errors


def test_total_is_exact_decimal_sum():
    assert total_points([Decimal("0.5")] * 3 + [Decimal("19.5")]) == Decimal("21.0")
    assert total_points([]) == Decimal(0)


def _table(csv_text: str):
    return read_table(
        csv_text.encode(),
        filename="scores.csv",
        columns=score_columns(RUBRIC),
        required={"entry_code", "judge"},
    )


def test_paper_rows_valid_file_gives_rows():
    table = _table(
        "作品编号,评审专家,选题,论证,评语\n"
        "zw-0001,王建国,18.5,25,很好\n"
        "ZW-0001,judge02,10,20,\n"
    )

    rows, errors = validate_paper_scores(
        table, rubric=RUBRIC, judges=JUDGES, assignments=ASSIGNMENTS
    )

    assert errors == []
    assert [(r.row, r.assignment_id, r.points, r.comment) for r in rows] == [
        (2, 100, {1: Decimal("18.5"), 2: Decimal("25")}, "很好"),
        (3, 101, {1: Decimal("10"), 2: Decimal("20")}, ""),
    ]


def test_paper_rows_every_problem_numbered():
    table = _table(
        "作品编号,评审专家,选题,论证\n"
        "ZW-0001,王建国,21,abc\n"
        "ZW-0002,judge02,1,1\n"
        "ZW-0009,王建国,1,1\n"
        "ZW-0001,李秀英,1,1\n"
        "ZW-0001,赵六,1,1\n"
        "ZW-0002,王建国,1,\n"
        "ZW-0002,judge01,1,1\n"
        ",王建国,1,1\n"
    )

    _rows, errors = validate_paper_scores(
        table, rubric=RUBRIC, judges=JUDGES, assignments=ASSIGNMENTS
    )

    assert [str(e) for e in errors] == [
        "第 2 行：“论证”的分数“abc”不是有效数字",
        "第 2 行：“选题”：分数须在 0 到 20 之间（填写的是 21）",
        "第 3 行：评审专家“judge02”未被分配评审作品 ZW-0002",
        "第 4 行：作品编号“ZW-0009”不存在",
        "第 5 行：评审专家“李秀英”有重名，请改填其用户名",
        "第 6 行：评审专家“赵六”不存在（请填写姓名或用户名）",
        "第 7 行：“论证”：请填写分数",
        "第 8 行：作品 ZW-0002 与评审专家“judge01”的评分与第 7 行重复",
        "第 9 行：作品编号和评审专家都必须填写",
    ]


def test_paper_rows_missing_criterion_column_refused():
    table = _table("作品编号,评审专家,选题\nZW-0001,王建国,18\n")

    rows, errors = validate_paper_scores(
        table, rubric=RUBRIC, judges=JUDGES, assignments=ASSIGNMENTS
    )

    assert rows == []
    assert [str(e) for e in errors] == [
        "第 1 行：缺少评分项列：论证（列名须与评分细则一致）"
    ]


def test_criterion_column_matches_table_header_normalising():
    table = _table("作品编号,评审专家, Topic  Relevance \n")

    assert criterion_column("Topic Relevance") in table.header


def test_example_file_matches_default_rubric():
    from pathlib import Path

    from judging.competitions.rules import DEFAULT_RUBRIC

    rubric = [
        RubricItem(i, c.name, c.max_points) for i, c in enumerate(DEFAULT_RUBRIC, 1)
    ]
    data = (Path(__file__).parent / "examples" / "paper-scores.csv").read_bytes()
    table = read_table(
        data,
        filename="paper-scores.csv",
        columns=score_columns(rubric),
        required={"entry_code", "judge"},
    )
    judges = [KnownJudge(1, "judge03", "李秀英"), KnownJudge(2, "judge01", "王建国")]
    assignments = [
        KnownAssignment(10, "ZW2026-0417", 1),
        KnownAssignment(11, "ZW2026-0417", 2),
        KnownAssignment(12, "ZW2026-2093", 1),
    ]

    rows, errors = validate_paper_scores(
        table, rubric=rubric, judges=judges, assignments=assignments
    )

    assert errors == []
    assert [total_points(r.points.values()) for r in rows] == [
        Decimal("84.0"),
        Decimal("77.5"),
        Decimal("59.5"),
    ]

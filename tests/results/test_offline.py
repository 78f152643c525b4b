"""Tests for ranking from SCORES.csv + RUBRIC.csv into RANKING.csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from judging.results.offline import (
    RANKING_COLUMNS,
    ScoresFileError,
    decode_csv,
    rank_files,
    rank_scores,
    read_rubric,
    read_scores,
)

RUBRIC = "criterion,max_points\n立意,40\n结构,30\n语言,30\n"


def make_scores(
    n_entries: int = 10, judges: tuple[str, ...] = ("甲", "乙", "丙")
) -> str:
    lines = ["entry,judge,criterion,points"]
    for i in range(n_entries):
        for offset, judge in enumerate(judges):
            lines.append(f"A{i:02d},{judge},立意,{min(40, 20 + 2 * i + offset)}")
            lines.append(f"A{i:02d},{judge},结构,{min(30, 10 + i)}")
            lines.append(f"A{i:02d},{judge},语言,{min(30, 12 + i)}")
    return "\n".join(lines) + "\n"


def read_ranking(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_decode_csv_accepts_encodings(encoding: str) -> None:
    assert decode_csv(RUBRIC.encode(encoding)) == RUBRIC


def test_read_scores_sums_criteria_per_review() -> None:
    rubric = read_rubric(RUBRIC.encode())

    reviews = read_scores(make_scores(n_entries=1).encode(), rubric=rubric)

    assert [(r.entry_id, r.judge_id, r.total) for r in reviews] == [
        ("A00", "甲", 42),
        ("A00", "乙", 43),
        ("A00", "丙", 44),
    ]


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ("A1,甲,文采,10", "评分文件第 2 行：评分项“文采”不在评分细则中"),
        ("A1,甲,立意,abc", "评分文件第 2 行：分数“abc”不是数字"),
        ("A1,甲,立意,1_9", "评分文件第 2 行：分数“1_9”不是数字"),
        ("A1,甲,立意,1e1", "评分文件第 2 行：分数“1e1”不是数字"),
        ("A1,甲,立意,41", "评分文件第 2 行：评分项“立意”的分数 41 超出范围 0–40"),
        ("A1,甲,立意,-1", "评分文件第 2 行：评分项“立意”的分数 -1 超出范围 0–40"),
        (
            "A1,甲,立意,10\nA1,甲,结构,10\nA1,甲,语言,10\nA1,甲,立意,12",
            "评分文件第 5 行：与第 2 行重复（作品 A1、评审专家 甲、评分项 立意）",
        ),
        (
            "A1,甲,立意,10\nA1,甲,结构,10",
            "评分文件第 2、3 行（作品 A1、评审专家 甲）缺少评分项：语言",
        ),
    ],
)
def test_read_scores_reports_row_numbered_error(rows: str, error: str) -> None:
    rubric = read_rubric(RUBRIC.encode())
    data = f"entry,judge,criterion,points\n{rows}\n".encode()

    with pytest.raises(ScoresFileError) as info:
        read_scores(data, rubric=rubric)

    assert error in info.value.errors


def test_read_scores_reports_all_errors_at_once() -> None:
    rubric = read_rubric(RUBRIC.encode())
    data = "entry,judge,criterion,points\nA1,甲,文采,1\nA1,甲,立意,x\n".encode()

    with pytest.raises(ScoresFileError) as info:
        read_scores(data, rubric=rubric)

    assert len(info.value.errors) == 2


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("criterion,max_points\n立意,0\n", "评分细则文件第 2 行：满分“0”须为正数"),
        (
            "criterion,max_points\n立意,40\n立意,30\n",
            "评分细则文件第 3 行：评分项“立意”与第 2 行重复",
        ),
        ("name,points\n立意,40\n", "评分细则文件第 1 行：缺少列 criterion、max_points"),
    ],
)
def test_read_rubric_invalid_raises(text: str, error: str) -> None:
    with pytest.raises(ScoresFileError) as info:
        read_rubric(text.encode())

    assert error in info.value.errors[0]


@pytest.mark.parametrize(
    "method", ["mean", "median", "trimmed", "zscore", "calibrated"]
)
def test_rank_scores_writes_ranking_columns(method: str) -> None:
    result = rank_scores(
        scores=make_scores().encode("gb18030"),
        rubric=RUBRIC.encode("utf-8-sig"),
        method=method,
        tiers="10,20,30",
    )

    rows = read_ranking(result.csv_text)
    assert tuple(rows[0]) == RANKING_COLUMNS
    assert rows[0]["entry"] == "A09"
    assert rows[0]["rank"] == "1"
    assert [r["tier"] for r in rows].count("一等奖") == 1
    assert [r["tier"] for r in rows].count("二等奖") == 2
    assert [r["tier"] for r in rows].count("三等奖") == 3
    assert [r["tier"] for r in rows].count("未获奖") == 4


def test_rank_scores_unknown_method_raises() -> None:
    with pytest.raises(ScoresFileError, match="未知的汇总方法"):
        rank_scores(scores=make_scores().encode(), rubric=RUBRIC.encode(), method="x")


def test_rank_files_writes_utf8_bom(tmp_path: Path) -> None:
    scores = tmp_path / "SCORES.csv"
    rubric = tmp_path / "RUBRIC.csv"
    out = tmp_path / "RANKING.csv"
    scores.write_text(make_scores(), encoding="utf-8")
    rubric.write_text(RUBRIC, encoding="utf-8")

    result = rank_files(scores_path=scores, rubric_path=rubric, out_path=out)

    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.read_text(encoding="utf-8-sig") == result.csv_text
    assert read_ranking(result.csv_text)[-1]["entry"] == "A00"

"""`flask results` and `flask rank-scores`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

EXAMPLES = Path(__file__).resolve().parent / "examples"


def test_results_prints_ranking_and_writes_files(runner, build_scored, tmp_path):
    s = build_scored()
    xlsx, pdf = tmp_path / "list.xlsx", tmp_path / "list.pdf"

    result = runner.invoke(
        args=[
            "results",
            str(s.competition.id),
            "--method",
            "mean",
            "--xlsx",
            str(xlsx),
            "--pdf",
            str(pdf),
        ]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "code\tscore\tlow\thigh\trank\ttier\tcategory"
    assert lines[2].split("\t")[:2] + lines[2].split("\t")[4:] == [
        "ZW-004",
        "80.50",
        "1",
        "一等奖",
        s.entries[3].category,
    ]
    assert lines[7].split("\t")[0] == "ZW-003"
    sheet = load_workbook(xlsx).active
    assert [r[2] for r in sheet.iter_rows(min_row=2, max_row=5, values_only=True)] == [
        "ZW-004",
        "ZW-001",
        "ZW-005",
        "ZW-002",
    ]
    assert "ZW-001" in PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()


def test_results_unknown_competition_fails(runner, app):
    result = runner.invoke(args=["results", "999"])

    assert result.exit_code == 1
    assert "没有编号为 999" in result.output


def test_rank_scores_writes_ranking(runner, tmp_path):
    out = tmp_path / "ranking.csv"

    result = runner.invoke(
        args=[
            "rank-scores",
            str(EXAMPLES / "scores.csv"),
            "--rubric",
            str(EXAMPLES / "rubric.csv"),
            "--tiers",
            "10,20,30",
            "--out",
            str(out),
        ]
    )

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 12
    assert [r["rank"] for r in rows[:3]] == ["1", "2", "3"]
    assert [r["tier"] for r in rows].count("一等奖") == 1
    assert "12 篇作品，方法：校准" in result.output


def test_rank_scores_reports_every_error(runner, tmp_path):
    bad = tmp_path / "scores.csv"
    bad.write_text(
        "entry,judge,criterion,points\nZW-1,J1,理论深度,99\nZW-1,J1,未知项,3\n",
        encoding="utf-8",
    )

    result = runner.invoke(
        args=[
            "rank-scores",
            str(bad),
            "--rubric",
            str(EXAMPLES / "rubric.csv"),
            "--out",
            str(tmp_path / "out.csv"),
        ]
    )

    assert result.exit_code == 1
    assert "评分文件第 2 行：评分项“理论深度”的分数 99 超出范围 0–25" in result.output
    assert "评分文件第 3 行：评分项“未知项”不在评分细则中" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_unwritable_output_path_is_a_message_not_a_traceback(
    runner, build_scored, tmp_path
):
    s = build_scored()
    target = tmp_path / "missing-folder" / "list.xlsx"

    args = ["results", str(s.competition.id), "--xlsx", str(target)]
    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"无法读写文件 {target}：文件或其所在的文件夹不存在" in result.output
    assert not target.exists()

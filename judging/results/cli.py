"""Results commands: `results` (a competition's ranking and files) and
`rank-scores` (rank from CSV files alone, no database)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from judging.commands import (
    competition_argument,
    fail,
    find_competition,
)
from judging.extensions import db
from judging.results.methods import METHOD_LABELS

METHOD_CHOICE = click.Choice(list(METHOD_LABELS))


def ranking_lines(table) -> list[str]:  # noqa: ANN001 (service.ResultsTable)
    """The ranking as tab-separated text: code, score, low, high, rank, tier and
    category (the group it was ranked in when categories are ranked apart)."""
    from judging.results.service import EXCLUDED, entry_key

    lines = ["code\tscore\tlow\thigh\trank\ttier\tcategory"]
    for r in table.rows:
        tier = EXCLUDED if r.is_excluded else r.tier
        if r.is_overridden and not r.is_excluded:
            tier += "（调整）"
        lines.append(
            f"{entry_key(r.entry)}\t{r.score:.2f}\t{r.low:.2f}\t{r.high:.2f}\t"
            f"{r.rank or '-'}\t{tier}\t{r.category or '-'}"
        )
    return lines


def register(app: Flask) -> None:
    """Register `results` and `rank-scores`."""

    @app.cli.command("results")
    @competition_argument
    @click.option(
        "--method",
        type=METHOD_CHOICE,
        default=None,
        help="汇总方法（定稿后固定为定稿时的方法），默认 calibrated",
    )
    @click.option(
        "--xlsx",
        type=click.Path(dir_okay=False),
        default=None,
        help="把获奖名单写入该 XLSX 文件",
    )
    @click.option(
        "--pdf",
        type=click.Path(dir_okay=False),
        default=None,
        help="把获奖名单写入该 PDF 文件",
    )
    def results_command(
        competition: str, method: str | None, xlsx: str | None, pdf: str | None
    ) -> None:
        """Print a competition's ranking; optionally write the award list."""
        from judging.competitions.rules import PHASE_LABELS
        from judging.results import exports, service

        found = find_competition(competition)
        if found.phase not in service.REVIEW_PHASES:
            fail(
                f"竞赛“{found.title}”处于{PHASE_LABELS[found.phase]}阶段，"
                "进入评审阶段后才有评审结果。"
            )
        competition = found
        try:
            table = service.results_table(competition, method=method)
        except service.ResultsError as exc:
            fail(str(exc))
        db.session.commit()  # a computation made here serves the pages too
        state = "定稿结果" if table.is_frozen else "初步结果（未定稿）"
        click.echo(f"{competition.title} · {state} · {table.method_label}")
        for line in ranking_lines(table):
            click.echo(line)
        for note in (*table.warnings, *table.notes):
            click.echo(f"注：{note}")
        if xlsx:
            Path(xlsx).write_bytes(exports.award_list_xlsx(table))
            click.echo(f"获奖名单已写入 {xlsx}")
        if pdf:
            Path(pdf).write_bytes(exports.award_list_pdf(table))
            click.echo(f"获奖名单已写入 {pdf}")

    @app.cli.command("rank-scores")
    @click.argument("scores", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--rubric",
        required=True,
        type=click.Path(exists=True, dir_okay=False),
        help="评分细则 CSV：criterion,max_points",
    )
    @click.option(
        "--method",
        type=METHOD_CHOICE,
        default="calibrated",
        help="汇总方法，默认 calibrated",
    )
    @click.option("--tiers", default="10,20,30", help="各奖项百分比，如 10,20,30")
    @click.option(
        "--out", required=True, type=click.Path(dir_okay=False), help="输出的排名 CSV"
    )
    def rank_scores_command(
        scores: str, rubric: str, method: str, tiers: str, out: str
    ) -> None:
        """Rank from SCORES.csv and RUBRIC.csv into RANKING.csv (no database)."""
        from judging.results.offline import rank_files

        try:
            result = rank_files(
                scores_path=Path(scores),
                rubric_path=Path(rubric),
                out_path=Path(out),
                method=method,
                tiers=tiers,
            )
        except ValueError as exc:
            errors = getattr(exc, "errors", None) or [str(exc)]
            for line in errors:
                click.echo(line, err=True)
            sys.exit(1)
        ranking = result.allocation
        click.echo(f"{len(ranking.awards)} 篇作品，方法：{METHOD_LABELS[method]}")
        for tier in ranking.tiers:
            click.echo(f"  {tier.name}：{tier.actual} 名")
        for note in (*result.aggregation.warnings, *ranking.notes):
            click.echo(f"注：{note}")
        click.echo(f"排名已写入 {out}")

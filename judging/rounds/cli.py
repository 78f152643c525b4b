"""Round commands: `flask --app judging start-round` (preview or start)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from judging.commands import PLAIN_INT, competition_argument, fail, find_competition
from judging.dbtypes import utcnow
from judging.extensions import db


def register(app: Flask) -> None:
    """Add the round commands to the app's CLI."""

    @app.cli.command("start-round")
    @competition_argument
    @click.option("--top", type=PLAIN_INT, default=None, help="入围篇数（前 N 篇）")
    @click.option("--share", type=float, default=None, help="入围比例（前 X %）")
    @click.option("--per-category", is_flag=True, help="各类别分别入围")
    @click.option("--method", default="calibrated", help="按哪种汇总方法排名")
    @click.option("--name", default="", help="轮次名称（默认 复评/终评）")
    @click.option("--k", type=PLAIN_INT, default=3, help="本轮每篇评审人数")
    @click.option(
        "--judge", "judges", multiple=True, type=PLAIN_INT, help="本轮评审专家编号"
    )
    @click.option(
        "--rubric-file",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="本轮评分标准（UTF-8 文本，每行“评分项 满分 说明”；不给则沿用竞赛的）",
    )
    @click.option("--dry-run", is_flag=True, help="只预览入围名单，不写入")
    def start_round(
        competition: str,
        top: int | None,
        share: float | None,
        per_category: bool,
        method: str,
        name: str,
        k: int,
        judges: tuple[int, ...],
        rubric_file: str | None,
        dry_run: bool,
    ) -> None:
        """Shortlist the current round and (unless --dry-run) start the next."""
        from judging.rounds import service

        c = find_competition(competition)
        try:
            preview = service.preview_shortlist(
                c, top_n=top, top_share=share, per_category=per_category, method=method
            )
        except service.RoundError as exc:
            fail(str(exc))
        click.echo(preview.rule)
        for note in preview.notes:
            click.echo(note)
        codes = "、".join(e.code or f"#{e.id}" for e in preview.selected)
        click.echo(f"入围 {len(preview.selected)} 篇：{codes}")
        if dry_run:
            click.echo("（预览，未写入）")
            return
        try:
            row = service.start_next_round(
                actor=None,
                competition=c,
                name=name,
                reviews=k,
                deadline=None,
                judge_ids=list(judges),
                now=utcnow(),
                top_n=top,
                top_share=share,
                per_category=per_category,
                method=method,
                rubric=(
                    Path(rubric_file).read_text(encoding="utf-8-sig")
                    if rubric_file
                    else ""
                ),
            )
        except service.RoundError as exc:
            fail(str(exc))
        db.session.commit()
        click.echo(f"已开始第 {row.number} 轮（{row.name}），请分配评审专家。")

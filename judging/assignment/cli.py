"""Assignment commands: `flask --app judging assign` and `remind`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click
from flask import Flask, current_app, url_for

from judging.commands import (
    PLAIN_INT,
    competition_argument,
    fail,
    find_competition,
)
from judging.dbtypes import utcnow
from judging.extensions import db


def _track(label: str):  # noqa: ANN202
    def wrap(items: Sequence) -> Iterable:
        with click.progressbar(items, label=label) as bar:
            yield from bar

    return wrap


UNSET_BASE_URL = (
    "未设置 PUBLIC_BASE_URL（本站供评审专家访问的网址），邮件中的登录地址只能写成 "
    "{url}，评审专家无法打开。请在 instance/config.py 中加一行 "
    'PUBLIC_BASE_URL = "https://评审系统的网址"，或在命令前设置环境变量 '
    "JUDGING_PUBLIC_BASE_URL=https://评审系统的网址，然后重新运行。"
)


def _login_url() -> tuple[str, bool]:
    """The login address for messages and whether it is real: without
    PUBLIC_BASE_URL a command only knows http://localhost/login."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    with current_app.test_request_context():
        path = url_for("accounts.login")
        if base:
            return base.rstrip("/") + path, True
        return url_for("accounts.login", _external=True), False


def _groups(components: int) -> str:
    """The judge groups in plain words (the CLI speaks Chinese, the msgid)."""
    from judging.results import explain

    said = explain.render(explain.connectivity(components), str)
    if components <= 1:
        return said
    return said + (
        "可用更大的 --k 重新生成方案，或在网页的分配方案页为各组增派评审专家。"
    )


def register(app: Flask) -> None:
    """Add the assignment commands to the app's CLI."""

    @app.cli.command("assign")
    @competition_argument
    @click.option("--seed", type=PLAIN_INT, default=None, help="随机种子（默认随机）")
    @click.option(
        "--k",
        type=PLAIN_INT,
        default=None,
        help="每篇评审人数，至少 1（默认按竞赛设置）",
    )
    @click.option("--dry-run", is_flag=True, help="只预览方案，不写入")
    def assign(
        competition: str, seed: int | None, k: int | None, dry_run: bool
    ) -> None:
        """Assign judges to a competition's entries (conflict-free, balanced)."""
        from judging.assignment import service, solver

        if k is not None and k < 1:
            fail(f"每篇评审人数 --k 至少为 1（填写的是 {k}）。")
        competition = find_competition(competition)
        seed = service.new_seed() if seed is None else seed
        k = service.round_k(competition) if k is None else k
        click.echo(f"随机种子 {seed}，每篇 {k} 位评审专家。")
        try:
            if dry_run:
                preview = service.preview_plan(competition=competition, k=k, seed=seed)
            else:
                preview = service.apply_plan(
                    actor=None,
                    competition=competition,
                    k=k,
                    seed=seed,
                    now=utcnow(),
                    track=_track("写入分配"),
                )
        except solver.AssignmentInfeasible as exc:
            fail(
                ["无法生成满足规则的方案，未写入任何数据："]
                + [f"  {r}" for r in exc.reasons]
            )
        except service.AssignmentError as exc:
            fail(str(exc))
        stats = preview.plan.stats
        for e in preview.blocked:
            click.echo(f"暂不分配（匿名性问题未处理）：{e.code or e.id}")
        click.echo(
            f"作品 {len(preview.entries)} 篇，新增分配 {len(preview.new_pairs)} 条"
        )
        click.echo(f"评审量 最少 {preview.min_load}，最多 {preview.max_load}")
        click.echo("回避冲突 0")
        click.echo(_groups(stats.components))
        click.echo(f"两位专家平均共评 {stats.mean_shared_all:.2f} 篇")
        click.echo(f"同单位专家共评的作品 {stats.same_affiliation_entries} 篇")
        if dry_run:
            click.echo("预览（--dry-run），未写入。")
            db.session.rollback()
            return
        db.session.commit()
        click.echo(f"已写入分配（随机种子 {seed}）。")

    @app.cli.command("remind")
    @competition_argument
    def remind(competition: str) -> None:
        """E-mail judges with unfinished reviews, or print the messages to send."""
        from judging.assignment import notify
        from judging.assignment.service import active_assignment_count

        competition = find_competition(competition)
        if not active_assignment_count(competition):
            fail(f"竞赛“{competition.title}”还没有分配评审，无需催评。")
        login_url, real = _login_url()
        notices = notify.build_notices(
            competition, kind="reminder", login_url=login_url
        )
        if not notices:
            click.echo("所有评审专家均已完成评分，无需催评。")
            return
        mail = notify.mail_configured(current_app.config)
        if not real and mail:  # never e-mail every judge a link nobody can open
            fail(["未发送任何邮件。", UNSET_BASE_URL.format(url=login_url)])
        if not real:
            click.echo("注意：" + UNSET_BASE_URL.format(url=login_url), err=True)
        if not mail:
            click.echo("未配置邮件服务器（MAIL_SERVER），以下是要发送的内容：")
            for n in notices:
                click.echo(f"\n收件人：{n.name} <{n.email or '无邮箱'}>")
                click.echo(f"主题：{n.subject}\n\n{n.body}")
            return
        try:
            result = notify.send_notices(
                actor=None,
                competition=competition,
                notices=notices,
                kind="reminder",
                config=current_app.config,
            )
        except notify.NotifyError as exc:
            fail(str(exc))
        db.session.commit()
        click.echo(f"已发送 {result.sent} 封催评邮件。")
        for name in result.no_email + result.failed:
            click.echo(f"未能发送：{name}", err=True)

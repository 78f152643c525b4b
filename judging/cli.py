"""Command-line interface: `flask --app judging <command>`."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlalchemy import inspect

from judging.commands import fail as _fail
from judging.commands import guard_commands
from judging.extensions import bind_migrations, db


def write_private(path: Path, data: bytes) -> None:
    """Write a file that only its owner may read (0600), like backups.

    The mode is set before any byte is written, also when the file already
    existed with a wider one: it holds one-time passwords.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(data)


def init_database() -> None:
    """Bring an empty or older database to the newest schema (Alembic upgrade)."""
    bind_migrations(current_app)
    from flask_migrate import upgrade

    upgrade()


class MigrationCommands(click.Group):
    """Flask-Migrate's ``flask db …`` commands, loaded when one is asked for:
    Alembic stays out of every other command and of the web processes. The
    group's own options and callback are Flask-Migrate's (``-d``, ``-x``)."""

    def _real(self) -> click.Group:
        bind_migrations(current_app)
        from flask_migrate.cli import db as commands

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


@click.group("db", cls=MigrationCommands)
@click.option("-d", "--directory", default=None, help="迁移脚本目录（默认 migrations）")
@click.option("-x", "--x-arg", multiple=True, help="传给 env.py 的额外参数")
@with_appcontext
def migration_commands(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Database migrations (Flask-Migrate / Alembic): upgrade, current, …"""
    g.directory = directory  # read by Flask-Migrate, as its own group does
    g.x_arg = x_arg


def _schema_revision() -> str | None:
    """The Alembic revision the database is at, or None for an empty one."""
    if "alembic_version" not in inspect(db.engine).get_table_names():
        return None
    query = db.text("SELECT version_num FROM alembic_version")
    return db.session.execute(query).scalar()


def register_commands(app: Flask) -> None:
    """Register every command. Capabilities with many commands keep them in their
    own `cli.py` with a `register(app)` function, called from here."""
    from judging.backup import register as register_backup

    register_backup(app)
    from judging.certificates.cli import register as register_certificates

    register_certificates(app)
    from judging.results.cli import register as register_results

    register_results(app)
    from judging.assignment.cli import register as register_assignment

    register_assignment(app)
    from judging.rounds.cli import register as register_rounds

    register_rounds(app)
    from judging.messages.cli import register as register_messages

    register_messages(app)
    app.cli.add_command(migration_commands)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema to the newest migration."""
        before = _schema_revision()
        db.session.rollback()
        init_database()
        after = _schema_revision()
        if before is None:
            click.echo(f"已创建数据库（结构版本 {after}）。")
        elif before != after:
            click.echo(f"已把数据库从结构版本 {before} 升级到 {after}。")
        else:
            click.echo(f"数据库已是最新结构（版本 {after}），未作改动。")

    @app.cli.command("competitions")
    def competitions() -> None:
        """List every competition: id, code prefix, phase and title."""
        from sqlalchemy import select

        from judging.competitions.models import Competition
        from judging.competitions.rules import KIND_LABELS, PHASE_LABELS

        rows = db.session.scalars(select(Competition).order_by(Competition.id)).all()
        if not rows:
            click.echo("还没有任何竞赛或征集。")
            return
        click.echo("编号\t代码\t类型\t阶段\t标题")
        for c in rows:
            click.echo(
                f"{c.id}\t{c.code_prefix}\t{KIND_LABELS[c.kind]}\t"
                f"{PHASE_LABELS[c.phase]}\t{c.title}"
            )

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="并行线程数")
    def worker(workers: int) -> None:
        """Run the background job consumer (certificate batches, mail, OCR)."""
        from judging.jobs import run_consumer

        click.echo(f"后台任务进程已启动（{current_app.config['JOBS_BACKEND']}）。")
        run_consumer(current_app._get_current_object(), workers=workers)

    @app.cli.command("demo")
    @click.option("--password", default=None, help="所有演示账号的密码")
    @click.option("--force", is_flag=True, help="数据库已有非演示数据时仍然添加")
    def demo(password: str | None, force: bool) -> None:
        """Create demo data (idempotent): organiser, units, judges, a competition."""
        from judging.demo import DEMO_STAGES, build_demo, demo_state, set_demo_password
        from judging.production import is_production

        if is_production(current_app):
            _fail(["生产模式（JUDGING_ENV=production）不允许添加演示数据。"])
        init_database()
        state = demo_state()
        if state == "other" and not force:
            _fail(
                [
                    "数据库中已有非演示数据，未添加演示账号（公开的演示密码会带来风险）。",
                    "确需添加时请加 --force。",
                ]
            )
        chosen = password
        password = password or current_app.config["DEMO_PASSWORD"]
        with click.progressbar(length=DEMO_STAGES, label="演示数据") as bar:

            def advance(label: str) -> None:
                bar.label = f"演示数据：{label}"
                bar.update(1)

            lines = build_demo(password=password, today=date.today(), progress=advance)
        changed = None
        if state == "demo" and chosen is not None:
            changed = set_demo_password(chosen)
        db.session.commit()
        click.echo("演示数据已就绪。登录方式：")
        for line in lines:
            click.echo("  " + line)
        if changed is not None:
            click.echo(f"已将 {changed} 个已有演示账号的密码改为 {chosen}。")
        elif state != "empty" and chosen is None:
            click.echo("（已有演示账号的密码未更改；用 --password 可重新设置。）")
        elif state == "other":
            click.echo("注意：已有账号的密码未更改，上述密码只适用于新建的演示账号。")

    @app.cli.command("create-organiser")
    @click.argument("username")
    @click.option("--password", default=None, help="省略时交互输入")
    def create_organiser(username: str, password: str | None) -> None:
        """Create an organiser account."""
        from judging.accounts.service import AccountError
        from judging.accounts.service import create_organiser as create
        from judging.passwords import MIN_DISTINCT, minimum_length

        if password is None:
            click.echo(
                f"密码要求：至少 {minimum_length('organiser')} 位；不能是常见密码，"
                "不能由用户名、系统名称或单位名称加数字构成，"
                f"至少含 {MIN_DISTINCT} 个不同字符。"
            )
            password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
        try:
            create(username=username, password=password)
        except AccountError as exc:
            _fail(str(exc))
        db.session.commit()
        click.echo(f"已创建主办方管理员 {username}。")

    def _import(kind: str, file: str, credentials: str | None) -> None:
        from judging.accounts import service

        importer = service.import_units if kind == "units" else service.import_judges
        path = Path(file)
        result = importer(actor=None, data=path.read_bytes(), filename=path.name)
        if result.errors:
            _fail(
                [f"导入失败，未写入任何数据（{len(result.errors)} 处错误）："]
                + [f"  {e}" for e in result.errors]
            )
        db.session.commit()
        click.echo(
            f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}。"
        )
        if credentials and result.credentials:
            write_private(
                Path(credentials), service.credentials_xlsx(result.credentials)
            )
            click.echo(f"新账号及初始密码已写入 {credentials}")
        elif result.credentials:
            click.echo("新账号（初始密码仅显示一次）：")
            for c in result.credentials:
                click.echo(f"  {c.username}\t{c.password}\t{c.name}\t{c.organisation}")

    @app.cli.command("anonymity-check")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--unit", required=True, help="提交单位的名称、简称或别名")
    @click.option(
        "--author", "authors", multiple=True, help="作者或指导教师姓名，可多次"
    )
    def anonymity_check(file: str, unit: str, authors: tuple[str, ...]) -> None:
        """Check a file for identity leaks before submitting it (JSON lines)."""
        import json

        from judging.accounts.imports import closest_units, resolve_unit
        from judging.accounts.models import Unit
        from judging.accounts.service import known_units
        from judging.anonymity.service import all_identities, identity
        from judging.documents.inspection import DocumentRejected, inspect_document
        from judging.documents.scan import scan_document

        units = known_units()
        unit_id = resolve_unit(unit, units)
        if unit_id is None:
            close = closest_units(unit, units)
            if close:
                _fail(f"未找到单位“{unit}”。您要找的是否是：{'、'.join(close)}？")
            _fail(
                f"未找到单位“{unit}”，也没有名称相近的单位；"
                "请用单位的全称、简称或别名，或先导入单位（import-units）。"
            )
        own = identity(db.session.get(Unit, unit_id))
        try:
            doc = inspect_document(Path(file).read_bytes(), max_bytes=200 * 2**20)
        except DocumentRejected as exc:
            rejected = {"kind": "rejected", "message": str(exc)}
            _fail(json.dumps(rejected, ensure_ascii=False))
        for f in scan_document(
            doc, unit=own, people=list(authors), other_units=all_identities()
        ):
            click.echo(
                json.dumps(
                    {
                        "kind": f.kind,
                        "location": f.location,
                        "evidence": f.evidence,
                        "severity": f.severity,
                    },
                    ensure_ascii=False,
                )
            )

    @app.cli.command("import-units")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--credentials",
        type=click.Path(dir_okay=False),
        default=None,
        help="把新账号和初始密码写入该 XLSX 文件",
    )
    def import_units(file: str, credentials: str | None) -> None:
        """Import units (and their contact accounts) from CSV or XLSX."""
        _import("units", file, credentials)

    @app.cli.command("import-judges")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--credentials",
        type=click.Path(dir_okay=False),
        default=None,
        help="把新账号和初始密码写入该 XLSX 文件",
    )
    def import_judges(file: str, credentials: str | None) -> None:
        """Import judges (and their accounts) from CSV or XLSX."""
        _import("judges", file, credentials)

    guard_commands(app)

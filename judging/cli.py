"""Command-line interface: `flask --app judging <command>`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from judging.extensions import db


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    db.session.rollback()
    sys.exit(1)


def init_database() -> None:
    """Bring an empty or older database to the newest schema (Alembic upgrade)."""
    upgrade()


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

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema to the newest migration."""
        init_database()
        click.echo("数据库已是最新结构。")

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="并行线程数")
    def worker(workers: int) -> None:
        """Run the background job consumer (certificate batches, mail, OCR)."""
        from judging.jobs import run_consumer

        click.echo(f"后台任务进程已启动（{current_app.config['JOBS_BACKEND']}）。")
        run_consumer(current_app._get_current_object(), workers=workers)

    @app.cli.command("demo")
    @click.option("--password", default=None, help="所有演示账号的密码")
    def demo(password: str | None) -> None:
        """Create demo data (idempotent): organiser, schools, judges, a competition."""
        from judging.demo import build_demo

        init_database()
        from judging.demo import DEMO_STAGES

        password = password or current_app.config["DEMO_PASSWORD"]
        with click.progressbar(length=DEMO_STAGES, label="演示数据") as bar:

            def advance(label: str) -> None:
                bar.label = f"演示数据：{label}"
                bar.update(1)

            lines = build_demo(password=password, today=date.today(), progress=advance)
        db.session.commit()
        click.echo("演示数据已就绪。登录方式：")
        for line in lines:
            click.echo("  " + line)

    @app.cli.command("create-organiser")
    @click.argument("username")
    @click.option("--password", default=None, help="省略时交互输入")
    def create_organiser(username: str, password: str | None) -> None:
        """Create an organiser account."""
        from judging.accounts.service import AccountError
        from judging.accounts.service import create_organiser as create

        if password is None:
            password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
        try:
            create(username=username, password=password)
        except AccountError as exc:
            _fail([str(exc)])
        db.session.commit()
        click.echo(f"已创建主办方管理员 {username}。")

    def _import(kind: str, file: str, credentials: str | None) -> None:
        from judging.accounts import service

        importer = (
            service.import_schools if kind == "schools" else service.import_judges
        )
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
            Path(credentials).write_bytes(service.credentials_xlsx(result.credentials))
            click.echo(f"新账号及初始密码已写入 {credentials}")
        elif result.credentials:
            click.echo("新账号（初始密码仅显示一次）：")
            for c in result.credentials:
                click.echo(f"  {c.username}\t{c.password}\t{c.name}\t{c.organisation}")

    @app.cli.command("anonymity-check")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--school", required=True, help="提交学校的名称、简称或别名")
    @click.option(
        "--author", "authors", multiple=True, help="作者或指导教师姓名，可多次"
    )
    def anonymity_check(file: str, school: str, authors: tuple[str, ...]) -> None:
        """Check a file for identity leaks before submitting it (JSON lines)."""
        import json

        from judging.accounts.imports import resolve_school
        from judging.accounts.service import known_schools
        from judging.anonymity.service import all_identities
        from judging.documents.inspection import DocumentRejected, inspect_document
        from judging.documents.scan import SchoolIdentity, scan_document

        schools = known_schools()
        school_id = resolve_school(school, schools)
        own = next(
            (
                SchoolIdentity(s.name, s.short_name, s.aliases)
                for s in schools
                if s.id == school_id
            ),
            SchoolIdentity(school),
        )
        try:
            doc = inspect_document(Path(file).read_bytes(), max_bytes=200 * 2**20)
        except DocumentRejected as exc:
            _fail(
                [
                    json.dumps(
                        {"kind": "rejected", "message": str(exc)}, ensure_ascii=False
                    )
                ]
            )
        for f in scan_document(
            doc, school=own, people=list(authors), other_schools=all_identities()
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

    @app.cli.command("import-schools")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--credentials",
        type=click.Path(dir_okay=False),
        default=None,
        help="把新账号和初始密码写入该 XLSX 文件",
    )
    def import_schools(file: str, credentials: str | None) -> None:
        """Import schools (and their contact accounts) from CSV or XLSX."""
        _import("schools", file, credentials)

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

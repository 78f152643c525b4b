"""The `certificates` command: issue and print a competition's certificates."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from judging.commands import (
    competition_argument,
    fail,
    find_competition,
)
from judging.extensions import db


def register(app: Flask) -> None:
    """Register `certificates`."""

    @app.cli.command("certificates")
    @competition_argument
    @click.option(
        "--out",
        type=click.Path(dir_okay=False),
        required=True,
        help="全部证书合为一个 PDF（打印用）写入该文件",
    )
    @click.option(
        "--zip",
        "zip_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="另把每篇一个 PDF 打包写入该 ZIP 文件",
    )
    @click.option(
        "--base-url",
        default=None,
        help="二维码中核验网址的主机，如 https://zhengwen.example.edu.cn",
    )
    def certificates_command(
        competition: str, out: str, zip_path: str | None, base_url: str | None
    ) -> None:
        """Issue any missing certificates, then write them as PDF (and ZIP)."""
        from judging.certificates import service
        from judging.dbtypes import utcnow

        competition = find_competition(competition)
        try:
            created = service.issue_certificates(
                actor=None, competition=competition, now=utcnow()
            )
            rows = service.issued(competition, include_revoked=False)
            items = service.printable_items(
                competition,
                rows,
                prefix=service.verify_prefix(base_url),
                organisations=service.issued_organisations(
                    competition, include_revoked=False
                ),
            )
        except service.CertificateError as exc:
            fail(str(exc))
        db.session.commit()
        if created:
            click.echo(f"新颁发 {len(created)} 张证书。")
        targets = [("pdf", out)] + ([("zip", zip_path)] if zip_path else [])
        for kind, path in targets:
            label = f"生成 {Path(path).name}"
            with click.progressbar(length=len(items), label=label) as bar:
                data = service.batch_file(
                    items, kind=kind, progress=lambda done, _t: bar.update(1)
                )
            Path(path).write_bytes(data)
            click.echo(f"已写入 {path}（{len(items)} 张证书）。")

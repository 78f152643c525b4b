"""``flask --app judging remind-deadlines``: the daily deadline reminders."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from judging.dbtypes import utcnow
from judging.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("remind-deadlines")
    def remind_deadlines() -> None:
        """Remind eligible units below the minimum, 3 days and 1 day before each
        open call's deadline (run daily, e.g. from a systemd timer or cron;
        running it twice a day sends nothing twice)."""
        from judging.competitions.models import Competition, Phase
        from judging.messages.notices import deadline_reminders

        now = utcnow()
        total = 0
        for c in db.session.scalars(
            select(Competition).where(Competition.phase == Phase.OPEN)
        ):
            sent = deadline_reminders(c, now=now)
            if sent:
                click.echo(f"{c.title}：已提醒 {sent} 个账号。")
            total += sent
        db.session.commit()
        click.echo(f"共发出 {total} 条截止提醒。")

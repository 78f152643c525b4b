"""The demo data the page benchmarks serve: built once per run in a temporary
instance folder (or the database in JUDGING_SQLALCHEMY_DATABASE_URI)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

PASSWORD = "bench-2026"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build_data(instance: Path) -> tuple[int, str]:
    """Demo data in ``instance`` (or JUDGING_SQLALCHEMY_DATABASE_URI); the id of
    an open sheet and its judge's user name."""
    os.environ["JUDGING_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import select

    from judging import create_app
    from judging.assignment.models import Assignment, AssignmentStatus
    from judging.cli import init_database
    from judging.competitions.models import Competition, Phase
    from judging.demo import build_demo
    from judging.extensions import db
    from judging.review.models import Review
    from judging.submissions.models import Entry

    app = create_app()
    with app.app_context():
        if db.inspect(db.engine).get_table_names():
            raise SystemExit(f"{db.engine.url!r} is not empty: give an empty database")
        init_database()
        build_demo(password=PASSWORD, today=date.today())
        db.session.commit()
        row = db.session.execute(
            select(Assignment.id, Assignment.judge_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .join(Competition, Competition.id == Entry.competition_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(
                Competition.phase == Phase.REVIEWING,
                Assignment.status == AssignmentStatus.ACTIVE,
                Review.id.is_(None),
            )
            .order_by(Assignment.id)
            .limit(1)
        ).one()
        from judging.accounts.models import Judge

        judge = db.session.get(Judge, row.judge_id)
        username = judge.user.username
        db.engine.dispose()
    return row.id, username

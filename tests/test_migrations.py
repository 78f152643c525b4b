"""An older database upgrades: its schools become university units, their
contacts unit contacts, its findings keep their meaning, and back again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from judging import create_app
from judging.extensions import bind_migrations
from tests.pgtools import scratch_postgres_database

BEFORE_UNITS = "b7e2c4d6f8a1"  # the last schema with a "school" table


@contextmanager
def _empty_database(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("JUDGING_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    with scratch_postgres_database(url, prefix="judging_migrate") as own:
        yield own


def _old_rows(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO school (id, name, short_name, aliases, kind,"
                " english_names, abbreviations, domains, institutes, contact_name,"
                " contact_phone, contact_email, created_at) VALUES"
                " (1, '重庆大学', '重大', '', '本科', '', '', '', '', '', '', '',"
                " '2025-09-01 00:00:00'),"
                " (2, '重庆工业职业技术学院', '重工职院', '', '高职', '', '', '', '',"
                " '', '', '', '2025-09-01 00:00:00'),"
                " (3, '重庆开放大学', '', '', '', '', '', '', '', '', '', '',"
                " '2025-09-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                'INSERT INTO "user" (id, username, password_hash, role, display_name,'
                " school_id, is_enabled, must_change_password, session_version,"
                " created_at) VALUES (1, 'school01', 'x', 'school', '', 1, true, false,"
                " 1, '2025-09-01 00:00:00')"
            )
        )
    engine.dispose()


def test_old_database_upgrades_with_its_schools_as_university_units(tmp_path):
    with _empty_database(tmp_path) as url:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            }
        )
        bind_migrations(app)  # what init-db and `flask db` do
        with app.app_context():
            upgrade(revision=BEFORE_UNITS)
            _old_rows(url)
            upgrade()
            engine = create_engine(url)
            with engine.connect() as conn:
                units = conn.execute(
                    text("SELECT id, name, kind, is_pilot FROM unit ORDER BY id")
                ).all()
                users = conn.execute(text('SELECT role, unit_id FROM "user"')).all()
                calls = conn.execute(
                    text("SELECT count(*) FROM eligible_unit")
                ).scalar()
            engine.dispose()
            downgrade(revision=BEFORE_UNITS)
            engine = create_engine(url)
            with engine.connect() as conn:
                back = conn.execute(text('SELECT role, school_id FROM "user"')).all()
            engine.dispose()
            from judging.extensions import db

            db.engine.dispose()

    assert [tuple(u) for u in units] == [
        (1, "重庆大学", "本科院校", False),
        (2, "重庆工业职业技术学院", "高职院校", False),
        (3, "重庆开放大学", "本科院校", False),
    ]
    assert [tuple(u) for u in users] == [("unit", 1)]
    assert calls == 0
    assert [tuple(u) for u in back] == [("school", 1)]

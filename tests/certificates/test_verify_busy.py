"""The public verification page while writers hold the database.

A GET may not fail because others are saving: on SQLite, a writer that holds
the write lock (as a score save does) used to turn a logged-in lookup into a
500 "database is locked". The lock here is held by a real second connection.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.certificates import service
from judging.certificates.models import Certificate, VerifyHit
from judging.dbtypes import utcnow
from judging.extensions import db
from tests.conftest import login

HOLD_SECONDS = 1.5


class WriteLock:
    """Another connection that takes SQLite's write lock, writes, and commits."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.held = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE user SET display_name = display_name || ''")
        self.held.set()
        threading.Event().wait(HOLD_SECONDS)
        conn.execute("COMMIT")
        conn.close()

    def __enter__(self) -> WriteLock:
        self.thread.start()
        self.held.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(30)


def test_logged_in_lookup_answers_while_writer_holds_lock(app, make_user, finalised):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL: inserting a new row never waits for other writers")
    competition = finalised()
    service.issue_certificates(actor=None, competition=competition, now=utcnow())
    serial = db.session.scalar(select(Certificate.serial).order_by(Certificate.id))
    client = app.test_client()
    login(client, make_user(Role.JUDGE))
    db.session.commit()

    with WriteLock(db.engine.url.database):
        busy = client.get(f"/verify/{serial}")
    calm = client.get(f"/verify/{serial}")

    assert (busy.status_code, calm.status_code) == (200, 200)
    assert "证书真实有效" in busy.get_data(as_text=True)
    # The busy lookup went uncounted; the calm one counts as before.
    assert db.session.scalar(select(func.count(VerifyHit.id))) == 1

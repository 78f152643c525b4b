"""A database connection that dies mid-request: what the judge is answered.

The fault is real at the driver boundary: once armed, every statement the
request sends fails as a dropped PostgreSQL connection does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import has_request_context
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from judging.extensions import db
from judging.review.models import Review
from tests.conftest import csrf_token
from tests.review.conftest import client_for, sheet_form


class DroppedConnection:
    """Fail every statement of a request from a chosen moment on.

    ``arm_on_commit``: from the moment the request's transaction commits (the
    database then holds the change; the connection dies right after).
    """

    def __init__(self) -> None:
        self.armed = False
        self.arm_on_commit = False

    def before_execute(self, conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if self.armed and has_request_context():
            raise OperationalError(
                statement, None, Exception("server closed the connection")
            )

    def on_commit(self, conn) -> None:  # noqa: ANN001
        if self.arm_on_commit and has_request_context():
            self.armed = True


@pytest.fixture()
def dropped(app) -> Iterator[DroppedConnection]:  # noqa: ANN001
    fault = DroppedConnection()
    event.listen(db.engine, "before_cursor_execute", fault.before_execute)
    event.listen(db.engine, "commit", fault.on_commit)
    try:
        yield fault
    finally:
        event.remove(db.engine, "before_cursor_execute", fault.before_execute)
        event.remove(db.engine, "commit", fault.on_commit)


def test_save_committed_then_connection_lost_still_redirects(app, reviewing, dropped):
    client = client_for(app, reviewing.judges[0])
    assignment_id = reviewing.assignment(0, 0).id
    path = f"/judge/assignments/{assignment_id}"
    token = csrf_token(client, path)
    dropped.arm_on_commit = True

    response = client.post(path, data=sheet_form(token, reviewing, ["18", "20"]))

    dropped.arm_on_commit = dropped.armed = False
    assert (response.status_code, response.headers["Location"]) == (302, path)
    review = db.session.scalar(select(Review))
    assert sorted(s.points for s in review.scores) == [Decimal(18), Decimal(20)]


def test_error_while_loading_user_keeps_request_id(app, reviewing, dropped, caplog):
    client = client_for(app, reviewing.judges[0])
    dropped.armed = True

    with caplog.at_level(logging.ERROR, logger="judging"):
        response = client.get("/judge", headers={"X-Request-Id": "probe-7f3a"})

    dropped.armed = False
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "probe-7f3a"
    assert "request probe-7f3a failed: GET /judge" in caplog.text

"""Concurrency against a real multi-worker gunicorn on the test database.

Score saves and submissions arrive from many HTTP clients at once, as on the
last evening of a competition. Nothing may fail with a server error, no
acknowledged save may be lost, nothing may be stored twice, a unit's maximum
holds, and the deadline holds to the second.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select

from judging.accounts.models import Role, User
from judging.anonymity.service import close_submissions
from judging.assignment.models import Assignment
from judging.audit.models import AuditEvent
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.review.models import Review, ReviewStatus, Score
from judging.submissions import service as submissions
from judging.submissions.models import Entry, EntryStatus
from tests.conftest import PASSWORD
from tests.submissions.conftest import entry_form, fixture_bytes

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REFUSAL = re.compile(r'class="flash flash-error"[^>]*>([^<]+)<')


# --- the server ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(app: Flask, tmp_path: Path) -> Iterator[str]:
    """gunicorn (3 gthread workers × 4 threads) on the test database; always stopped."""
    port = _free_port()
    env = dict(
        os.environ,
        JUDGING_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        JUDGING_SECRET_KEY="live-secret",
        JUDGING_UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
        JUDGING_PASSWORD_HASH_METHOD=app.config["PASSWORD_HASH_METHOD"],
        JUDGING_INSTANCE_PATH=str(tmp_path / "live-instance"),
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "--workers=3",
            "--worker-class=gthread",
            "--threads=4",
            "--preload",
            f"--bind=127.0.0.1:{port}",
            "--error-logfile=-",
            "judging:create_app()",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    db.session.commit()
    try:
        _wait_ready(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    errors = (tmp_path / "gunicorn.log").read_text()  # tracebacks, worker timeouts
    assert "Traceback" not in errors and "CRITICAL" not in errors, errors[-5000:]


def _wait_ready(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn did not start"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not answer within 30 s")


class Browser:
    """One user's HTTP client: a session cookie and CSRF tokens from pages."""

    def __init__(self, address: str) -> None:
        self.host, port = address.split(":")
        self.port = int(port)
        # Several threads share one user's session: each keeps its own copy of
        # the cookies (flash messages travel in them) and its own last Location,
        # so one thread's answer is never read as another's. A thread starts
        # from the cookies of the thread that made the browser (its login and
        # the pages it read for tokens).
        self._local = threading.local()
        self._local.cookies = {}
        self._session = self._local.cookies

    @property
    def cookies(self) -> dict[str, str]:
        if not hasattr(self._local, "cookies"):
            self._local.cookies = dict(self._session)
        return self._local.cookies

    @property
    def location(self) -> str:  # the Location of this thread's last answer
        return getattr(self._local, "location", "")

    def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            self._local.location = response.getheader("Location") or ""
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                self.cookies.update({k: m.value for k, m in cookie.items()})
            return response.status, text
        finally:
            conn.close()

    def token(self, path: str) -> str:
        status, html = self.request("GET", path)
        assert status == 200, (path, status)
        return TOKEN.search(html).group(1)

    def post(self, path: str, fields: dict) -> int:
        body = urlencode(fields).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")[0]

    def post_multipart(self, path: str, fields: dict) -> tuple[int, str]:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
            if isinstance(value, tuple):  # (file object, file name)
                data = value[0].getvalue()
                head += f'; filename="{value[1]}"\r\n'
                head += "Content-Type: application/octet-stream"
            else:
                data = str(value).encode()
            parts.append(head.encode() + b"\r\n\r\n" + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST", path, body, f"multipart/form-data; boundary={boundary}"
        )

    def log_in(self, user: User) -> Browser:
        token = self.token("/login")
        status = self.post(
            "/login",
            {"username": user.username, "password": PASSWORD, "csrf_token": token},
        )
        assert status == 302
        return self


def _run(jobs: list[Callable[[], None]]) -> None:
    """Run the jobs in parallel threads; a failure in any fails the test."""
    failures: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 (re-raised below)
                failures.append(exc)

        return run

    threads = [threading.Thread(target=guarded(job)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    db.session.rollback()  # end the test's own snapshot to see the server's rows
    if failures:
        raise failures[0]


# --- score saves ------------------------------------------------------------------

JUDGES = 5
ENTRIES = 4
DRAFTS = 5  # per writer; two writers per sheet
SUBMITS = 3  # identical submissions of each sheet at once (double clicks)


@dataclass
class Sheet:
    judge: int
    assignment_id: int
    statuses: list[int] = field(default_factory=list)
    last: dict[int, str] = field(default_factory=dict)  # writer → last value saved


def _review_competition(make_user, make_unit, make_competition):  # noqa: ANN001, ANN202
    organiser = make_user(Role.ORGANISER)
    competition = make_competition(phase=Phase.OPEN, actor=organiser)
    contact = make_user(Role.UNIT, unit=make_unit())
    entries = [
        submissions.create_entry(
            actor=contact,
            competition=competition,
            data=submissions.EntryInput(
                title=f"并发评审测试作品{i}",
                category="理论研究",
                authors=(submissions.AuthorInput(name="作者"),),
            ),
            upload=submissions.Upload(
                data=fixture_bytes("clean.pdf"), filename="a.pdf"
            ),
            now=utcnow(),
        )
        for i in range(ENTRIES)
    ]
    close_submissions(competition, organiser)
    competition.phase = Phase.REVIEWING
    judges = [make_user(Role.JUDGE) for _ in range(JUDGES)]
    assignments = {}
    for j, judge in enumerate(judges):
        for e, entry in enumerate(entries):
            assignments[(j, e)] = Assignment(entry_id=entry.id, judge_id=judge.judge.id)
            db.session.add(assignments[(j, e)])
    db.session.commit()
    criteria = [c.id for c in competition.criteria]
    return judges, assignments, criteria


def _sheet_fields(token: str, criteria: list[int], value: str, action: str) -> dict:
    fields = {"csrf_token": token, "comment": f"评语{value}", "action": action}
    fields.update({f"points_{cid}": value for cid in criteria})
    return fields


def test_hundreds_of_parallel_score_saves_lose_and_duplicate_nothing(
    app, server, make_user, make_unit, make_competition
):
    judges, assignments, criteria = _review_competition(
        make_user, make_unit, make_competition
    )
    browsers = [Browser(server).log_in(judge) for judge in judges]
    sheets = [Sheet(j, a.id) for (j, _e), a in assignments.items()]
    tokens = {
        s.assignment_id: browsers[s.judge].token(
            f"/judge/assignments/{s.assignment_id}"
        )
        for s in sheets
    }

    def writer(sheet: Sheet, w: int) -> Callable[[], None]:
        def run() -> None:
            path = f"/judge/assignments/{sheet.assignment_id}"
            for i in range(DRAFTS):
                value = f"{w * 4 + i * 0.5}"
                fields = _sheet_fields(
                    tokens[sheet.assignment_id], criteria, value, "save"
                )
                status = browsers[sheet.judge].post(path, fields)
                sheet.statuses.append(status)
                if status == 302:
                    sheet.last[w] = value

        return run

    def submitter(sheet: Sheet) -> Callable[[], None]:
        def run() -> None:
            path = f"/judge/assignments/{sheet.assignment_id}"
            fields = _sheet_fields(
                tokens[sheet.assignment_id], criteria, "9.5", "submit"
            )
            sheet.statuses.append(browsers[sheet.judge].post(path, fields))

        return run

    _run([writer(s, w) for s in sheets for w in (0, 1)])

    drafts = {r.assignment_id: r for r in db.session.scalars(select(Review))}
    for sheet in sheets:
        review = drafts[sheet.assignment_id]
        points = {s.criterion_id: str(s.points.normalize()) for s in review.scores}
        value = review.comment.removeprefix("评语")
        assert sorted(points) == criteria
        assert set(points.values()) == {str(Decimal(value).normalize())}
        assert value in sheet.last.values()  # the last save of one of the writers
        assert review.total == Decimal(value) * len(criteria)

    _run([submitter(s) for s in sheets for _ in range(SUBMITS)])

    requests = len(sheets) * (2 * DRAFTS + SUBMITS)
    statuses = [status for s in sheets for status in s.statuses]
    assert len(statuses) == requests == 260
    assert statuses == [302] * requests  # no 5xx, no refusal
    reviews = db.session.scalars(select(Review)).all()
    assert sorted(r.assignment_id for r in reviews) == sorted(
        s.assignment_id for s in sheets
    )
    assert {(r.status, r.total) for r in reviews} == {
        (ReviewStatus.SUBMITTED, Decimal("9.5") * len(criteria))
    }
    assert db.session.scalar(select(func.count(Score.id))) == len(sheets) * len(
        criteria
    )
    actions = dict(
        db.session.execute(
            select(AuditEvent.action, func.count(AuditEvent.id))
            .where(AuditEvent.action.like("review.%"))
            .group_by(AuditEvent.action)
        ).all()
    )
    assert actions == {
        "review.save": len(sheets) * 2 * DRAFTS,  # every acknowledged draft
        "review.submit": len(sheets),  # double clicks changed nothing
    }


# --- submissions ------------------------------------------------------------------

UNITS = 4
MAXIMUM = 3
TRIES = 6  # per unit at once, more than the maximum


@dataclass
class Attempt:
    unit: int
    sent: float  # seconds since the epoch, on the server's clock
    answered: float
    status: int
    accepted: bool
    message: str  # the refusal shown to the unit; "" when accepted


def _submit(browser: Browser, unit: int, competition_id: int, title: str):  # noqa: ANN202
    path = f"/unit/competitions/{competition_id}/entries/new"
    token = browser.token(path)
    fields = entry_form(
        token, file=(fixture_bytes("clean.pdf"), "论文.pdf"), title=title
    )
    sent = time.time()
    status, html = browser.post_multipart(path, fields)
    answered = time.time()
    assert status == 302, html[-2000:]  # a refusal redirects to the form again
    accepted = browser.location.endswith("/unit")
    if not accepted:
        assert browser.location.endswith(path), browser.location
        status, html = browser.request("GET", path)
    message = "" if accepted else REFUSAL.search(html).group(1)
    return Attempt(unit, sent, answered, status, accepted, message)


def test_parallel_submissions_keep_maximum_and_deadline(
    app, server, make_user, make_unit, make_competition
):
    quota = make_competition(title="名额", max_entries=MAXIMUM)
    race = make_competition(title="截止", max_entries=100)
    contacts = [make_user(Role.UNIT) for _ in range(UNITS)]
    browsers = [Browser(server).log_in(c) for c in contacts]
    quota_id, race_id = quota.id, race.id  # threads have no app context
    attempts: list[Attempt] = []

    def quota_job(s: int, i: int) -> Callable[[], None]:
        return lambda: attempts.append(_submit(browsers[s], s, quota_id, f"名额{i}"))

    _run([quota_job(s, i) for s in range(UNITS) for i in range(TRIES)])

    entries = db.session.scalars(
        select(Entry).where(Entry.competition_id == quota.id)
    ).all()
    per_unit = {c.unit_id: 0 for c in contacts}
    for entry in entries:
        per_unit[entry.unit_id] += 1
    assert list(per_unit.values()) == [MAXIMUM] * UNITS
    assert sum(a.accepted for a in attempts) == MAXIMUM * UNITS
    assert {a.message for a in attempts if not a.accepted} == {
        f"本校已报送 {MAXIMUM} 篇，达到每校 {MAXIMUM} 篇的上限。"
    }
    assert sorted({e.slot for e in entries}) == list(range(1, MAXIMUM + 1))

    race.closes_at = utcnow() + timedelta(seconds=2)
    db.session.commit()
    deadline = race.closes_at.timestamp()
    racing: list[Attempt] = []

    def race_job(s: int) -> Callable[[], None]:
        def run() -> None:
            i = 0
            while time.time() < deadline + 1:
                racing.append(_submit(browsers[s], s, race_id, f"截止{s}-{i}"))
                i += 1

        return run

    _run([race_job(s) for s in range(UNITS)])

    late = db.session.scalars(
        select(Entry).where(Entry.competition_id == race.id)
    ).all()
    assert all(e.submitted_at < race.closes_at for e in late)
    assert all(e.status == EntryStatus.SUBMITTED for e in late)
    assert len(late) == sum(a.accepted for a in racing)
    before = [a for a in racing if a.answered < deadline]
    after = [a for a in racing if a.sent >= deadline]
    assert before and after
    assert all(a.accepted for a in before)
    assert {a.message for a in after} == {"已过截止时间，作品不能再提交、修改或撤回。"}

"""The job queue: inline in tests, a real consumer process, lost workers."""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from judging import jobs
from judging.accounts.models import Unit
from judging.config import REPO_ROOT
from judging.dbtypes import utcnow
from judging.extensions import db
from tests.jobs import tasks  # noqa: F401  (registers the test tasks)


def test_job_runs_when_its_transaction_commits(app):
    job_id = jobs.enqueue("test.count", steps=3)
    before = jobs.job_status(job_id)

    db.session.commit()
    after = jobs.job_status(job_id)

    assert (before.state, before.done) == ("queued", 0)
    assert (after.state, after.done, after.total) == ("done", 3, 3)
    assert after.result == {"steps": 3, "pid": os.getpid()}
    assert after.attempts == 1


def test_job_of_a_rolled_back_transaction_never_runs(app):
    job_id = jobs.enqueue("test.add_unit", name="不应存在的学校")

    db.session.rollback()
    db.session.commit()

    assert jobs.job_status(job_id) is None
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_job_commits_its_own_writes(app, make_user):
    owner = make_user()
    job_id = jobs.enqueue("test.add_unit", owner_id=owner.id, name="新学校")
    db.session.commit()

    status = jobs.job_status(job_id)
    names = db.session.scalars(select(Unit.name)).all()

    assert (status.state, status.owner_id, status.result) == ("done", owner.id, None)
    assert status.params == {"name": "新学校"}
    assert names == ["新学校"]


def test_refusing_job_fails_with_its_message_and_writes_nothing(app):
    job_id = jobs.enqueue("test.refuse", name="半途学校")
    db.session.commit()

    status = jobs.job_status(job_id)

    assert (status.state, status.error) == ("failed", "数据不完整，任务未执行。")
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_crashing_job_fails_with_a_plain_message(app):
    job_id = jobs.enqueue("test.crash")
    db.session.commit()

    status = jobs.job_status(job_id)

    assert (status.state, status.error) == ("failed", jobs.FAILED_MESSAGE)


def test_unknown_task_and_unknown_id(app):
    with pytest.raises(ValueError):
        jobs.enqueue("no.such.task")

    assert jobs.job_status("0" * 32) is None
    assert jobs.job_status("x" * 500) is None


def _make_stale(job_id: str, *, attempts: int) -> None:
    db.session.execute(
        update(jobs.Job)
        .where(jobs.Job.id == job_id)
        .values(
            state="running",
            attempts=attempts,
            heartbeat_at=utcnow() - timedelta(minutes=10),
        )
    )
    db.session.commit()


def test_job_whose_worker_died_runs_again(app):
    job_id = jobs.enqueue("test.count", steps=2)
    db.session.commit()
    _make_stale(job_id, attempts=1)

    requeued = jobs.requeue_stale()
    status = jobs.job_status(job_id)

    assert requeued == [job_id]
    assert (status.state, status.attempts, status.done) == ("done", 2, 2)


def test_job_lost_too_often_fails(app):
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    job_id = jobs.enqueue("test.count", steps=2)
    db.session.commit()
    _make_stale(job_id, attempts=2)

    requeued = jobs.requeue_stale()
    status = jobs.job_status(job_id)

    assert requeued == []
    assert (status.state, status.error) == ("failed", jobs.LOST_MESSAGE)


def test_live_job_is_not_taken_over(app):
    job_id = jobs.enqueue("test.count", steps=2)
    db.session.commit()
    db.session.execute(
        update(jobs.Job)
        .where(jobs.Job.id == job_id)
        .values(state="running", attempts=1, heartbeat_at=utcnow())
    )
    db.session.commit()

    assert jobs.requeue_stale() == []
    assert jobs.job_status(job_id).state == "running"


def test_finished_jobs_are_pruned_with_their_files(app):
    from judging.storage import get_storage

    job_id = jobs.enqueue("test.count", steps=1)
    db.session.commit()
    key = f"jobs/{job_id}/out.txt"
    get_storage().put(key, io.BytesIO(b"x"))
    db.session.execute(
        update(jobs.Job)
        .where(jobs.Job.id == job_id)
        .values(result=json.dumps({"files": [key]}))
    )
    db.session.commit()

    kept = jobs.prune_finished(older_than=timedelta(hours=1))
    pruned = jobs.prune_finished(older_than=timedelta(0), now=utcnow() + timedelta(1))
    db.session.commit()

    assert (kept, pruned) == (0, 1)
    assert jobs.job_status(job_id) is None
    assert get_storage().exists(key) is False


# --- a real consumer ---------------------------------------------------------


def _worker(app, tmp_path: Path, name: str) -> subprocess.Popen:
    env = os.environ | {
        "JUDGING_INSTANCE_PATH": str(tmp_path / f"instance-{name}"),
        "JUDGING_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "JUDGING_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "JUDGING_SECRET_KEY": "test-secret",
        "JUDGING_JOBS_IMMEDIATE": "false",
        "JUDGING_JOBS_BACKEND": app.config["JOBS_BACKEND"],
        "JUDGING_JOBS_QUEUE_NAME": app.config["JOBS_QUEUE_NAME"],
        "JUDGING_JOBS_SQLITE_PATH": app.config["JOBS_SQLITE_PATH"],
        "JUDGING_JOBS_IMPORTS": '["tests.jobs.tasks"]',
        "JUDGING_JOBS_HEARTBEAT_SECONDS": "0.2",
        "JUDGING_JOBS_STALE_SECONDS": "2",
        "JUDGING_JOBS_REAP_SECONDS": "0.5",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "judging", "worker", "--workers", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / f"{name}.log").open("wb"),
    )


def _wait(job_id: str, until, timeout: float = 60):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while True:
        db.session.commit()  # a fresh snapshot each time
        status = jobs.job_status(job_id)
        if until(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def queued_app(request, app, tmp_path):  # noqa: ANN001, ANN201
    """The test's app hands jobs to a real queue (embedded SQLite, or Redis)."""
    if request.param == "redis" and not _redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["JOBS_IMMEDIATE"] = False
    app.config["JOBS_BACKEND"] = request.param
    app.config["JOBS_QUEUE_NAME"] = f"judging-test-{secrets.token_hex(6)}"
    app.config["JOBS_SQLITE_PATH"] = str(tmp_path / "queue.sqlite3")
    started: list[subprocess.Popen] = []
    yield app, lambda name: started.append(_worker(app, tmp_path, name)) or started[-1]
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_consumer_process_runs_queued_job(queued_app):
    app, start_worker = queued_app
    assert (
        jobs.queue(app)
        .storage.__class__.__name__.lower()
        .startswith(app.config["JOBS_BACKEND"])
    )
    job_id = jobs.enqueue("test.count", steps=5)
    db.session.commit()
    waiting = jobs.job_status(job_id)
    worker = start_worker("a")

    status = _wait(job_id, lambda s: s.state in ("done", "failed"))

    assert waiting.state == "queued"
    assert (status.state, status.done, status.total) == ("done", 5, 5)
    assert status.result == {"steps": 5, "pid": worker.pid}


def test_killed_consumer_job_finishes_on_another(queued_app):
    app, start_worker = queued_app
    first = start_worker("first")
    job_id = jobs.enqueue("test.count", steps=400, delay=0.02)
    db.session.commit()
    midway = _wait(job_id, lambda s: s.state == "running" and s.done > 0)
    first.kill()  # SIGKILL: no chance to clean up
    first.wait()
    second = start_worker("second")

    status = _wait(job_id, lambda s: s.state in ("done", "failed"), timeout=120)

    assert midway.state == "running"
    assert (status.state, status.done, status.attempts) == ("done", 400, 2)
    assert status.result == {"steps": 400, "pid": second.pid}

"""Background jobs: a Huey queue for the work, the ``job`` table for its state.

Anything that can take more than a second or two (certificate batches, mail,
OCR, large exports) is a *task*: a function registered with :func:`task` and
started with :func:`enqueue`. The queue is Huey with an embedded SQLite file
(``instance/queue.sqlite3``, no server needed; ``flask --app judging worker``
consumes it, ``scripts/run.sh`` starts it) or Redis for several hosts
(``JOBS_BACKEND = "redis"``, ``JOBS_REDIS_URL``). With ``JOBS_IMMEDIATE`` (on
under ``TESTING``) a job runs inline, when the transaction that enqueued it
commits, so tests need no consumer.

The job's state, progress and result live in the database, so any host can show
them, and a job only reaches the queue once the row that describes it (and the
caller's own change) has committed: a refused request leaves no job behind.

Huey removes a task from the queue before running it, so a worker killed in the
middle would lose it. Each running job therefore beats a heartbeat; every
consumer regularly looks for running jobs whose heartbeat stopped
(``JOBS_STALE_SECONDS``) and queues them again, up to ``JOBS_MAX_ATTEMPTS``.
A task must therefore be safe to run twice (write its result under the job's
own name, or check before writing).
"""

from __future__ import annotations

import importlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import (
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db
from judging.i18n import N_, message_of, restored_text, said, stored_text

log = logging.getLogger("judging.jobs")

STATES = ("queued", "running", "done", "failed")
FAILED_MESSAGE = N_("任务失败，请重试。")
LOST_MESSAGE = N_("任务多次中断，已停止，请重新开始。")
_PENDING = "judging_jobs_pending"
_WRITE_EVERY = 0.3  # seconds between progress writes of one job
TaskFn = Callable[..., dict | None]
_TASKS: dict[str, TaskFn] = {}


class Job(db.Model):
    """One background job: what to run, for whom, and how far it has come."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_heartbeat", "state", "heartbeat_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    params: Mapped[str] = mapped_column(Text)  # JSON
    state: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # message and error: i18n.stored_text, so pages say them in their language
    message: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    error: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobError(Exception):
    """A task's refusal meant for the user: its message (Chinese, a ``Said`` to
    be said in the reader's language) is kept and shown on the job's page."""


@dataclass(frozen=True)
class JobStatus:
    """What any host can say about a job."""

    id: str
    name: str
    owner_id: int | None
    params: dict
    state: str  # queued / running / done / failed
    done: int
    total: int
    message: str  # a Said or a catalogue label: show with i18n.say
    result: dict | None
    error: str  # likewise
    attempts: int
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.state == "done"

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


def task(name: str) -> Callable[[TaskFn], TaskFn]:
    """Register ``fn(progress, **params) -> dict | None`` as the task `name`.

    The function runs later in a worker, inside an app context with a session
    of its own; what it returns (JSON-serialisable) becomes the job's result.
    It commits its own writes. Raise :class:`JobError` for a refusal the user
    should read; any other exception fails the job with a generic message.
    """

    def register(fn: TaskFn) -> TaskFn:
        if name in _TASKS and _TASKS[name] is not fn:
            raise ValueError(f"task {name!r} registered twice")
        _TASKS[name] = fn
        return fn

    return register


def enqueue(name: str, /, *, owner_id: int | None = None, **params: Any) -> str:
    """Add the job `name` with `params` and return its id.

    The job row joins the caller's transaction; the job is handed to the queue
    (or, with JOBS_IMMEDIATE, run inline) when that transaction commits, and
    forgotten if it rolls back. Call ``db.session.commit()`` as usual.
    """
    if name not in _TASKS:
        raise ValueError(f"unknown task {name!r}")
    payload = json.dumps(params, ensure_ascii=False)
    job = Job(id=secrets.token_hex(16), name=name, owner_id=owner_id, params=payload)
    db.session.add(job)
    db.session.flush()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.info.setdefault(_PENDING, []).append((app, job.id))
    return job.id


def job_status(job_id: str) -> JobStatus | None:
    """The job's state as stored now, or None for an unknown id."""
    if not isinstance(job_id, str) or len(job_id) > 32:
        return None
    # populate_existing: another host may have moved the job on since we looked
    row = db.session.execute(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        return None
    return JobStatus(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        params=json.loads(row.params),
        state=row.state,
        done=row.done,
        total=row.total,
        message=restored_text(row.message),
        result=json.loads(row.result) if row.result else None,
        error=restored_text(row.error),
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def queue_length() -> int:
    """Jobs waiting or running, from the database (for metrics and health)."""
    active = Job.state.in_(("queued", "running"))
    return db.session.scalar(select(func.count()).select_from(Job).where(active)) or 0


# --- progress ----------------------------------------------------------------


class Progress:
    """Handed to a task: ``progress.update(done, total, message)``.

    Writes go through a connection of their own and are best effort (at most
    every 0.3 s, and never waiting long for a lock): progress is for the eye,
    the job's final state is written reliably by the runner.
    """

    def __init__(self, engine: Engine, job_id: str, attempt: int) -> None:
        self._engine = engine
        self.job_id = job_id  # a task may name its result files after it
        self._attempt = attempt
        self._last = 0.0
        self.done = 0
        self.total = 0

    def update(self, done: int, total: int, message: str = "") -> None:
        """`message`: a ``Said`` or a label marked with ``N_``, said on the page
        in the reader's language."""
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self._last < _WRITE_EVERY and done < total:
            return
        self._last = now
        _write_quietly(
            self._engine,
            self.job_id,
            self._attempt,
            done=done,
            total=total,
            message=stored_text(message),
            heartbeat_at=utcnow(),
            updated_at=utcnow(),
        )


def _write_quietly(engine: Engine, job_id: str, attempt: int, **values: Any) -> None:
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # the task may hold the write lock: don't wait for it
                # on the driver's own cursor: through `conn` the BEGIN (which
                # may take the write lock) would come first, under 30 s
                conn.connection.driver_connection.execute("PRAGMA busy_timeout=1000")
            try:
                conn.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.attempts == attempt)
                    .where(Job.state == "running")
                    .values(**values)
                )
                conn.commit()
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
    except SQLAlchemyError:
        log.warning("progress of job %s not written", job_id, exc_info=True)


# --- running -----------------------------------------------------------------


def run_job(job_id: str) -> None:
    """Claim the queued job `job_id` and run it to a final state (app context).

    The claim is one conditional UPDATE, so of two workers handed the same job
    (a retry racing a slow original) only one runs it.
    """
    engine = db.engine
    with engine.begin() as conn:
        claimed = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(
                state="running",
                attempts=Job.attempts + 1,
                heartbeat_at=utcnow(),
                updated_at=utcnow(),
            )
        ).rowcount
        if not claimed:
            return
        row = conn.execute(
            select(Job.name, Job.params, Job.attempts).where(Job.id == job_id)
        ).one()
    fn = _TASKS.get(row.name)
    attempt = row.attempts
    progress = Progress(engine, job_id, attempt)
    beat = _Heartbeat(engine, job_id, attempt)
    beat.start()
    try:
        if fn is None:
            raise JobError(said(N_("未知的任务类型：%(name)s"), name=row.name))
        result = fn(progress, **json.loads(row.params))
        db.session.commit()
        final: dict[str, Any] = {
            "state": "done",
            "result": json.dumps(result, ensure_ascii=False)
            if result is not None
            else None,
            "done": max(progress.done, progress.total),
            "total": progress.total,
        }
    except JobError as exc:
        db.session.rollback()
        final = {"state": "failed", "error": stored_text(message_of(exc))}
    except Exception:  # the job must always reach a final state
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, row.name)
        final = {"state": "failed", "error": FAILED_MESSAGE}
    finally:
        beat.stop()
        db.session.remove()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempts == attempt, Job.state == "running")
            .values(**final, updated_at=now, finished_at=now, heartbeat_at=now)
        )


class _Heartbeat:
    """Tells the other hosts this job's worker is alive while the task runs."""

    def __init__(self, engine: Engine, job_id: str, attempt: int) -> None:
        self._args = (engine, job_id, attempt)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        interval = current_app.config["JOBS_HEARTBEAT_SECONDS"]
        if current_app.config["JOBS_IMMEDIATE"]:
            return  # inline: nobody else could take the job over

        def beat() -> None:
            while not self._stop.wait(interval):
                _write_quietly(*self._args, heartbeat_at=utcnow())

        self._thread = threading.Thread(target=beat, daemon=True, name="heartbeat")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def requeue_stale(now: datetime | None = None) -> list[str]:
    """Queue again every running job whose worker stopped beating; return them.

    A job that has used up JOBS_MAX_ATTEMPTS fails instead. Each change is a
    conditional UPDATE, so two consumers reaping at once requeue a job once.
    """
    config = current_app.config
    now = now or utcnow()
    cutoff = now - timedelta(seconds=config["JOBS_STALE_SECONDS"])
    stale = db.session.execute(
        select(Job.id, Job.attempts).where(
            Job.state == "running", Job.heartbeat_at < cutoff
        )
    ).all()
    db.session.rollback()
    requeued = []
    with db.engine.begin() as conn:
        for job_id, attempts in stale:
            again = attempts < config["JOBS_MAX_ATTEMPTS"]
            values = (
                {"state": "queued", "message": ""}
                if again
                else {"state": "failed", "error": LOST_MESSAGE, "finished_at": now}
            )
            changed = conn.execute(
                update(Job)
                .where(Job.id == job_id, Job.attempts == attempts)
                .where(Job.state == "running", Job.heartbeat_at < cutoff)
                .values(**values, updated_at=now)
            ).rowcount
            if changed and again:
                requeued.append(job_id)
    for job_id in requeued:
        log.warning("job %s lost its worker; queued again", job_id)
        _push(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
    return requeued


def prune_finished(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete finished jobs older than `older_than`, with the files their result
    lists under ``"files"`` (storage keys); the caller commits."""
    from judging.storage import get_storage

    cutoff = (now or utcnow()) - older_than
    rows = db.session.scalars(
        select(Job).where(Job.state.in_(("done", "failed")), Job.updated_at < cutoff)
    ).all()
    for row in rows:
        for key in (json.loads(row.result) if row.result else {}).get("files", []):
            get_storage().delete(key)
        db.session.delete(row)
    return len(rows)


# --- the queue ---------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Read the JOBS_* settings; import the modules in JOBS_IMPORTS (their
    tasks register themselves). The queue itself is opened on first use."""
    if app.config.get("JOBS_IMMEDIATE") is None:
        app.config["JOBS_IMMEDIATE"] = bool(app.config.get("TESTING"))
    for module in app.config.get("JOBS_IMPORTS") or ():
        importlib.import_module(module)
    app.extensions["judging_huey"] = None


_QUEUE_LOCK = threading.Lock()


def queue(app: Flask):  # noqa: ANN201  (a huey.Huey; huey is imported lazily)
    """This app's Huey queue, opened the first time it is needed."""
    with _QUEUE_LOCK:
        if app.extensions["judging_huey"] is None:
            app.extensions["judging_huey"] = _make_huey(app)
        return app.extensions["judging_huey"]


def _make_huey(app: Flask):  # noqa: ANN202
    from huey import RedisHuey, SqliteHuey

    backend = app.config["JOBS_BACKEND"]
    name = app.config["JOBS_QUEUE_NAME"]
    if backend == "redis":
        huey = RedisHuey(name, url=app.config["JOBS_REDIS_URL"], results=False)
    elif backend == "sqlite":
        path = app.config.get("JOBS_SQLITE_PATH") or str(
            Path(app.instance_path) / "queue.sqlite3"
        )
        huey = SqliteHuey(name, filename=path, results=False)
    else:
        raise ValueError(f"JOBS_BACKEND must be sqlite or redis, not {backend!r}")

    @huey.task(name="judging.run_job")
    def run(job_id: str) -> None:
        with app.app_context():
            run_job(job_id)

    huey.judging_run = run
    return huey


def _push(app: Flask, job_id: str) -> None:
    if app.config["JOBS_IMMEDIATE"]:
        with app.app_context():  # a session of its own, like a worker
            run_job(job_id)
    else:
        queue(app).judging_run(job_id)


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    """The enqueued rows are committed: now the workers may see them."""
    if session.in_nested_transaction():
        return
    for app, job_id in session.info.pop(_PENDING, []):
        try:
            _push(app, job_id)
        except Exception:  # the commit stands; the reaper cannot see a queued job
            log.exception("job %s could not be queued", job_id)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:  # noqa: ANN001
    """Jobs of a transaction that ended without commit never run."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def run_consumer(app: Flask, *, workers: int) -> None:
    """Run the queue's consumer here, with a thread that requeues lost jobs."""
    stop = threading.Event()

    def reap() -> None:
        while not stop.wait(app.config["JOBS_REAP_SECONDS"]):
            try:
                with app.app_context():
                    requeue_stale()
            except Exception:
                log.exception("looking for lost jobs failed")

    with app.app_context():
        requeue_stale()
    threading.Thread(target=reap, daemon=True, name="reaper").start()
    try:
        queue(app).create_consumer(workers=workers, worker_type="thread").run()
    finally:
        stop.set()

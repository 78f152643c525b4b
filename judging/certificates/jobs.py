"""Certificate batches: the PDF or ZIP itself, and background jobs with progress.

A batch of hundreds of pages takes a while. The organiser starts a job; a thread
renders it, writing its progress to ``<jobs>/<id>.json`` and the finished file
next to it. Any worker on the machine can read those files, so the page that
polls the progress may be answered by a different gunicorn worker than the one
rendering. No database is touched in the thread: the pages are prepared (and
checked) by the request that starts the job.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from judging.certificates.render import CertificateData, render_certificates
from judging.escaping import path_segment

log = logging.getLogger("judging")

KINDS = {"pdf": "application/pdf", "zip": "application/zip"}
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: A running job whose progress has not moved for this long died with its worker.
STALE_SECONDS = 300
#: Finished jobs and their files are removed after a day.
KEEP_SECONDS = 24 * 3600
_WRITE_EVERY = 0.3  # seconds between progress writes


def zip_member_name(item: CertificateData) -> str:
    """``<serial>-<title>.pdf`` with characters unsafe in file names removed."""
    title = re.sub(r"[\s_]+", "_", path_segment(item.title, fallback=""))
    title = title.strip("._")[:60] or "证书"
    return path_segment(f"{item.serial}-{title}.pdf")


def build_batch(
    items: list[CertificateData],
    *,
    kind: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """All pages as one PDF for printing (``pdf``) or one PDF per entry (``zip``).

    ``progress(done, total)`` is called after every page or file.
    """
    if kind == "pdf":
        return render_certificates(items, progress=progress)
    if kind != "zip":
        raise ValueError(f"unknown batch kind {kind!r}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, item in enumerate(items, start=1):
            archive.writestr(zip_member_name(item), render_certificates([item]))
            if progress is not None:
                progress(done, len(items))
    return out.getvalue()


@dataclass(frozen=True)
class Job:
    """What ``<id>.json`` holds: who started it, for what, and how far it is."""

    id: str
    owner_id: int
    competition_id: int
    kind: str
    filename: str
    state: str  # running / done / failed
    done: int
    total: int
    message: str
    updated_at: float

    @property
    def finished(self) -> bool:
        return self.state == "done"


def _write_json(directory: Path, job: Job) -> None:
    """Replace the status file atomically: a reader never sees half of it."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".job-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(job), out, ensure_ascii=False)
    os.replace(tmp, directory / f"{job.id}.json")


def result_path(directory: Path, job: Job) -> Path:
    return directory / f"{job.id}.{job.kind}"


def _prune(directory: Path, now: float) -> None:
    for path in directory.iterdir():
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
        except OSError:  # another worker pruned it first
            continue


def start_job(
    *,
    directory: Path,
    owner_id: int,
    competition_id: int,
    kind: str,
    filename: str,
    items: list[CertificateData],
) -> Job:
    """Start rendering `items` in a background thread and return the new job."""
    if kind not in KINDS:
        raise ValueError(f"unknown batch kind {kind!r}")
    directory.mkdir(parents=True, exist_ok=True)
    _prune(directory, time.time())
    job = Job(
        id=secrets.token_urlsafe(16),
        owner_id=owner_id,
        competition_id=competition_id,
        kind=kind,
        filename=filename,
        state="running",
        done=0,
        total=len(items),
        message="",
        updated_at=time.time(),
    )
    _write_json(directory, job)
    thread = threading.Thread(
        target=_run, args=(directory, job, items), name=f"certificates-{job.id}"
    )
    thread.daemon = True
    thread.start()
    return job


def _run(directory: Path, job: Job, items: list[CertificateData]) -> None:
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.time()
        if now - last >= _WRITE_EVERY:
            last = now
            _write_json(directory, _replace(job, done=done, updated_at=now))

    try:
        data = build_batch(items, kind=job.kind, progress=progress)
        part = directory / f"{job.id}.part"
        part.write_bytes(data)
        os.replace(part, result_path(directory, job))
    except Exception:  # the thread must always leave a final state behind
        log.exception("certificate job %s failed", job.id)
        _write_json(
            directory,
            _replace(job, state="failed", message="生成失败，请重试。"),
        )
        return
    _write_json(directory, _replace(job, state="done", done=job.total))


def _replace(job: Job, **changes: object) -> Job:
    values = asdict(job) | {"updated_at": time.time()} | changes
    return Job(**values)  # type: ignore[arg-type]


def read_job(directory: Path, job_id: str) -> Job | None:
    """The job's current state, or None for an unknown or malformed id.

    A job still "running" whose file has not changed for STALE_SECONDS is
    reported as failed: its worker was restarted or killed.
    """
    if not _JOB_ID.fullmatch(job_id):
        return None
    try:
        values = json.loads((directory / f"{job_id}.json").read_text("utf-8"))
        job = Job(**values)
    except (OSError, ValueError, TypeError):
        return None
    if job.state == "running" and time.time() - job.updated_at > STALE_SECONDS:
        return _replace(job, state="failed", message="生成任务已中断，请重新生成。")
    if job.state == "done" and not result_path(directory, job).exists():
        return _replace(job, state="failed", message="文件已过期，请重新生成。")
    return job

"""scripts/run.sh serves the app and runs queued jobs with no Redis and no S3."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from judging import create_app, jobs
from judging.config import REPO_ROOT
from judging.extensions import db
from tests.jobs import tasks  # noqa: F401  (registers the test tasks)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    not (REPO_ROOT / ".venv/bin/flask").exists(), reason="needs the project's .venv"
)
def test_run_script_serves_and_consumes(tmp_path: Path):
    port = _free_port()
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUDGING_")} | {
        "JUDGING_INSTANCE_PATH": str(instance),
        "JUDGING_JOBS_IMPORTS": '["tests.jobs.tasks"]',
        "PORT": str(port),
    }
    process = subprocess.Popen(
        ["bash", str(REPO_ROOT / "scripts/run.sh")],
        env=env,
        stdout=(tmp_path / "run.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body = _get(f"http://127.0.0.1:{port}/login", timeout=300)
        status = _run_job_through(instance)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)

    assert "登录" in body
    assert (status.state, status.done, status.total) == ("done", 3, 3)
    assert status.result["pid"] != os.getpid()


def _run_job_through(instance: Path):  # noqa: ANN202
    """Queue a job in the instance's embedded queue; wait for run.sh's worker."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'judging.sqlite3'}",
            "SECRET_KEY": "unused",
            "JOBS_IMMEDIATE": False,
            "JOBS_SQLITE_PATH": str(instance / "queue.sqlite3"),
            "UPLOAD_FOLDER": str(instance / "uploads"),
        }
    )
    with app.app_context():
        job_id = jobs.enqueue("test.count", steps=3)
        db.session.commit()
        deadline = time.monotonic() + 60
        while True:
            status = jobs.job_status(job_id)
            db.session.commit()
            if status.state in ("done", "failed") or time.monotonic() > deadline:
                db.engine.dispose()
                return status
            time.sleep(0.1)


def _get(url: str, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)

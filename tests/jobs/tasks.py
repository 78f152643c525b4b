"""Tasks for the job queue's tests, imported by the test process and, through
JOBS_IMPORTS, by the real consumer processes the tests start."""

from __future__ import annotations

import os
import time

from judging import jobs
from judging.accounts.models import Unit
from judging.extensions import db


@jobs.task("test.count")
def count(progress: jobs.Progress, *, steps: int, delay: float = 0.0) -> dict:
    """Count to `steps`, reporting each step; say which process did it."""
    for done in range(1, steps + 1):
        time.sleep(delay)
        progress.update(done, steps, f"第 {done} 步")
    return {"steps": steps, "pid": os.getpid()}


@jobs.task("test.add_unit")
def add_unit(progress: jobs.Progress, *, name: str) -> None:
    """A task that writes: its change is committed with the job's success."""
    db.session.add(Unit(name=name, short_name=name[:4], aliases=""))
    progress.update(1, 1)


@jobs.task("test.refuse")
def refuse(progress: jobs.Progress, *, name: str) -> None:
    """Write, then refuse: nothing written may remain."""
    db.session.add(Unit(name=name, short_name=name[:4], aliases=""))
    db.session.flush()
    raise jobs.JobError("数据不完整，任务未执行。")


@jobs.task("test.crash")
def crash(progress: jobs.Progress) -> None:
    raise RuntimeError("a bug, not a refusal")

"""The live results recomputed on the job queue, once per change of the scores.

A page never aggregates: it compares the stored fingerprint with the current one
(judging.results.computed.status) and, when they differ, asks for a
recomputation here. Services that change what the results depend on (a review
submitted or reopened, paper scores, an override) call `scores_changed`, so the
results are usually ready before anyone looks. At most one job per competition
waits in the queue: asking again while one waits returns that one.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from judging import jobs
from judging.competitions.models import Competition, Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_
from judging.results import computed

TASK = "results.compute"
RETRY_FAILED_AFTER = timedelta(minutes=5)  # a failed computation is tried again
LIVE_PHASES = (Phase.REVIEWING,)


def pending_job(competition_id: int) -> jobs.JobStatus | None:
    """The newest queued or running recomputation of this competition."""
    rows = db.session.execute(
        select(jobs.Job.id, jobs.Job.params)
        .where(jobs.Job.name == TASK, jobs.Job.state.in_(("queued", "running")))
        .order_by(jobs.Job.created_at.desc())
    ).all()
    for job_id, params in rows:
        if json.loads(params).get("competition_id") == competition_id:
            return jobs.job_status(job_id)
    return None


def latest_job(competition_id: int) -> jobs.JobStatus | None:
    """The newest recomputation of this competition, finished or not."""
    rows = db.session.execute(
        select(jobs.Job.id, jobs.Job.params)
        .where(jobs.Job.name == TASK)
        .order_by(jobs.Job.created_at.desc())
        .limit(50)
    ).all()
    for job_id, params in rows:
        if json.loads(params).get("competition_id") == competition_id:
            return jobs.job_status(job_id)
    return None


def request_recompute(
    competition: Competition, *, fingerprint: str, owner_id: int | None = None
) -> str:
    """Queue a recomputation unless one that will see these scores is pending.

    A queued job reads the scores when it starts, so it will see them; a running
    one will too if it was asked for this very fingerprint. The caller commits.
    """
    pending = pending_job(competition.id)
    if pending is not None and (
        pending.state == "queued" or pending.params.get("fingerprint") == fingerprint
    ):
        return pending.id
    last = latest_job(competition.id)
    if (
        last is not None
        and last.state == "failed"
        and last.params.get("fingerprint") == fingerprint
        and utcnow() - last.updated_at < RETRY_FAILED_AFTER
    ):
        return last.id  # the page shows the failure; no new job per view
    return jobs.enqueue(
        TASK, owner_id=owner_id, competition_id=competition.id, fingerprint=fingerprint
    )


def scores_changed(competition: Competition) -> None:
    """Something the live results depend on changed in this transaction: queue
    their recomputation (after commit) if they were ever computed. Before that
    nobody has looked, and the results page will ask when somebody does."""
    if competition.phase not in LIVE_PHASES or not computed.has_stored(competition.id):
        return
    pending = pending_job(competition.id)
    if pending is not None and pending.state == "queued":
        return
    jobs.enqueue(TASK, competition_id=competition.id, fingerprint="")


@jobs.task(TASK)
def run_compute(
    progress: jobs.Progress, *, competition_id: int, fingerprint: str = ""
) -> dict:
    """Read the scores, compute every method and the reliability, store them.

    After finalising nothing is recomputed; the only exception is a competition
    finalised before results were stored, which gets its statistics once.
    """
    progress.update(0, 1, N_("读取评分"))  # before any read holds the database
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise jobs.JobError(N_("该竞赛已不存在。"))
    if competition.phase not in LIVE_PHASES and computed.has_stored(competition.id):
        return {"skipped": "frozen"}
    inputs = computed.load_inputs(competition)
    if computed.stored_fingerprint(competition.id) != inputs.fingerprint:
        names = computed.judge_names(inputs)
        db.session.commit()  # no read transaction held while computing
        data = computed.compute(inputs, judge_names=names, progress=progress.update)
        computed.store(inputs, data)
        db.session.commit()
    return {"entries": len(inputs.keys), "reviews": len(inputs.reviews)}

"""查重 as background work: reading every text and comparing them can take
minutes for a large competition, so it runs on the job queue."""

from __future__ import annotations

import json

from sqlalchemy import select

from judging import jobs
from judging.accounts.models import User
from judging.audit.service import record
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_
from judging.originality import service
from judging.submissions.models import Entry

TASK = "originality.check"


def start_check(
    *, actor: User | None, competition: Competition, entry_ids: list[int] | None = None
) -> str:
    """Queue a check of ``entry_ids`` (None: every submitted entry) of the
    competition; the caller commits, then it runs. Returns the job id."""
    job_id = jobs.enqueue(
        TASK,
        owner_id=actor.id if actor else None,
        competition_id=competition.id,
        entry_ids=entry_ids,
    )
    if actor is not None:
        record(
            actor_id=actor.id,
            action="originality.start",
            obj=competition,
            competition_id=competition.id,
            job=job_id,
        )
    return job_id


def latest_check(competition: Competition) -> jobs.JobStatus | None:
    """The newest full check of this competition (any host may ask)."""
    rows = db.session.execute(
        select(jobs.Job.id, jobs.Job.params)
        .where(jobs.Job.name == TASK)
        .order_by(jobs.Job.created_at.desc())
        .limit(50)
    ).all()
    for job_id, params in rows:
        wanted = json.loads(params)
        if wanted.get("competition_id") == competition.id and not wanted["entry_ids"]:
            return jobs.job_status(job_id)
    return None


@jobs.task(TASK)
def run_check(
    progress: jobs.Progress, *, competition_id: int, entry_ids: list[int] | None
) -> dict:
    """Read the texts, compare, keep the pairs (see service.check_entries)."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise jobs.JobError(N_("该竞赛已不存在。"))
    if entry_ids:  # new files: their texts are read again
        found = db.session.scalars(select(Entry).where(Entry.id.in_(entry_ids)))
        entries = [e for e in found if e.competition_id == competition.id]
        for entry in entries:
            service.forget_text(entry)
    else:
        entries = service.submitted_entries(competition)
    # Texts one at a time, each committed; then the comparison, which only
    # reads, and the pairs, written in one short transaction.
    service.read_texts(
        competition=competition,
        entries=entries,
        now=utcnow(),
        progress=progress.update,
        after_each=db.session.commit,
    )
    result = service.check_entries(
        competition=competition,
        entries=entries,
        now=utcnow(),
        progress=progress.update,
        read=False,
    )
    db.session.commit()
    return {"checked": result.checked, "pairs": result.pairs}

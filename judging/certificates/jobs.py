"""Certificate batches as background jobs: hundreds of pages, with progress.

The request that starts a batch checks that it can be printed, then queues the
task; a worker on any host renders it into a temporary file, stores that in the
file storage under the job's own key, and the job's row says where it is. A
retried job writes the same key again, so running it twice is harmless.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta

from flask import current_app

from judging import jobs, storage
from judging.accounts.models import User
from judging.audit.service import record
from judging.certificates import service
from judging.competitions.models import Competition
from judging.extensions import db
from judging.i18n import N_, message_of

TASK = "certificates.batch"
KINDS = service.KINDS


def start_batch(*, actor: User, competition: Competition, kind: str) -> str:
    """Check that `competition`'s certificates can be printed, queue the batch,
    audit it and return the job id (the caller commits, then the job runs).

    Raises service.CertificateError (shown to the organiser) when they cannot.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown batch kind {kind!r}")
    rows = service.issued(competition, include_revoked=False)
    units = service.issued_organisations(competition, include_revoked=False)
    service.printable_items(
        competition, rows, prefix=service.verify_prefix(), organisations=units
    )
    _prune()
    job_id = jobs.enqueue(
        TASK,
        owner_id=actor.id,
        competition_id=competition.id,
        kind=kind,
        filename=f"荣誉证书-{competition.title}.{kind}",
        prefix=service.verify_prefix(),
    )
    record(
        actor_id=actor.id,
        action="certificates.batch",
        obj=competition,
        competition_id=competition.id,
        job=job_id,
        kind=kind,
        pages=len(rows) + len(units),
    )
    return job_id


def _prune() -> None:
    """Finished batches are kept JOBS_KEEP_HOURS, then removed with their files."""
    keep = timedelta(hours=current_app.config["JOBS_KEEP_HOURS"])
    jobs.prune_finished(older_than=keep)


@jobs.task(TASK)
def render_batch(
    progress: jobs.Progress,
    *,
    competition_id: int,
    kind: str,
    filename: str,
    prefix: str,
) -> dict:
    """Render the batch (as checked when it was queued) into the file storage."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise jobs.JobError(N_("该征文活动已不存在。"))
    rows = service.issued(competition, include_revoked=False)
    units = service.issued_organisations(competition, include_revoked=False)
    try:
        items = service.printable_items(
            competition, rows, prefix=prefix, organisations=units
        )
    except service.CertificateError as exc:
        raise jobs.JobError(message_of(exc)) from exc
    db.session.rollback()  # nothing to write: don't hold the database meanwhile
    progress.update(0, len(items))
    key = f"jobs/{progress.job_id}/batch.{kind}"
    with tempfile.TemporaryFile() as out:
        service.write_batch(items, kind=kind, out=out, progress=progress.update)
        out.seek(0)
        storage.get_storage().put(key, out)
    return {"file": key, "files": [key], "filename": filename, "kind": kind}

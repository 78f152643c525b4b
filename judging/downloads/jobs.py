"""Files too large to build inside a request, built on the job queue instead.

At national scale (5,000 entries, 15,000 reviews) the score sheet takes seconds
to write and the dossier ZIP is bounded only by the entries' files, so above
DOWNLOADS_DIRECT_LIMIT entries (1,000 by default, where the score sheet takes
about half a second) the organiser starts a job, watches its progress and
downloads the file from the storage once it is ready (as certificate batches
do). Below it the same builders answer the request directly. A retried job
writes the same storage key again, so running it twice is harmless.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select

from judging import jobs, storage
from judging.accounts.models import User
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.i18n import N_, message_of
from judging.submissions.models import Entry

TASK = "downloads.build"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Progress = Callable[[int, int, str], None]


class DownloadError(ValueError):
    """The file cannot be built now; the message is Chinese (a ``Said`` or a
    constant marked with ``N_``), for the user, said in the reader's language."""


@dataclass(frozen=True)
class Kind:
    """One file a job can build: its label, its name, its area and builder."""

    label: str  # msgid
    area: str  # "results" or "submissions": where the page links back to
    suffix: str  # the file name after the competition's title
    mimetype: str
    build: Callable[[Competition, str | None, BinaryIO, Progress], None]


def _results_table(competition: Competition, method: str | None):  # noqa: ANN202
    """Every row of the results as stored (frozen, or live as last computed)."""
    from judging.results import service

    if competition.phase not in service.REVIEW_PHASES:
        raise DownloadError(N_("评审开始后才有评审结果。"))
    if competition.phase != Phase.REVIEWING:
        return service.frozen_table(competition)
    chosen = service.method_or_default(competition, method)
    try:
        table = service.stored_table(competition, method=chosen)
    except service.ResultsError as exc:
        raise DownloadError(message_of(exc)) from exc
    if table is None:
        raise DownloadError(
            N_("结果正在计算，请打开评审结果页，计算完成后再生成文件。")
        )
    return table


def _let_go(competition: Competition) -> None:
    """Keep what was read and end the read transaction before the long write:
    the job's progress (another connection) must not wait for it."""
    list(competition.criteria), list(competition.tiers)  # used by the files
    db.session.expunge_all()
    db.session.rollback()


def _scores(c: Competition, method: str | None, out: BinaryIO, p: Progress) -> None:
    from judging.results import exports, service

    table = _results_table(c, method)
    reviews = service.review_details(c)
    _let_go(c)
    p(1, 2, N_("写入评分总表"))
    out.write(exports.score_sheet_xlsx(table, reviews))


def _awards(kind: str) -> Callable[[Competition, str | None, BinaryIO, Progress], None]:
    def build(c: Competition, method: str | None, out: BinaryIO, p: Progress) -> None:
        from judging.results import exports

        table = _results_table(c, method)
        _let_go(c)
        p(1, 2, N_("写入获奖名单"))
        write = exports.award_list_pdf if kind == "pdf" else exports.award_list_xlsx
        out.write(write(table))

    return build


def _dossier(c: Competition, method: str | None, out: BinaryIO, p: Progress) -> None:
    from judging.submissions import service

    service.files_zip(c, out, lambda done, total: p(done, total, N_("打包作品文件")))


KINDS: dict[str, Kind] = {
    "scores": Kind(N_("评分总表（XLSX）"), "results", "评分总表.xlsx", XLSX, _scores),
    "awards-xlsx": Kind(
        N_("获奖名单（XLSX）"), "results", "获奖名单.xlsx", XLSX, _awards("xlsx")
    ),
    "awards-pdf": Kind(
        N_("获奖名单（PDF）"),
        "results",
        "获奖名单.pdf",
        "application/pdf",
        _awards("pdf"),
    ),
    "files": Kind(
        N_("档案包（ZIP）"), "submissions", "作品.zip", "application/zip", _dossier
    ),
}


def filename(competition: Competition, kind: str) -> str:
    return f"{competition.title}-{KINDS[kind].suffix}"


def needs_job(competition: Competition) -> bool:
    """Whether this competition's files are built by a job (too many entries)."""
    count = db.session.scalar(
        select(func.count(Entry.id)).where(Entry.competition_id == competition.id)
    )
    return (count or 0) > current_app.config["DOWNLOADS_DIRECT_LIMIT"]


def start(
    *, actor: User, competition: Competition, kind: str, method: str | None = None
) -> str:
    """Check that the file can be built now, queue it, audit it and return the
    job id (the caller commits, then the job runs). Raises DownloadError."""
    if kind not in KINDS:
        raise ValueError(f"unknown download kind {kind!r}")
    if KINDS[kind].area == "results":
        _results_table(competition, method)  # refuse now what the job would
    keep = timedelta(hours=current_app.config["JOBS_KEEP_HOURS"])
    jobs.prune_finished(older_than=keep)
    name = filename(competition, kind)
    job_id = jobs.enqueue(
        TASK,
        owner_id=actor.id,
        competition_id=competition.id,
        kind=kind,
        method=method or "",
        filename=name,
    )
    record(
        actor_id=actor.id,
        action=f"{KINDS[kind].area}.export",
        obj=competition,
        competition_id=competition.id,
        job=job_id,
        file=name,
    )
    return job_id


@jobs.task(TASK)
def build_file(
    progress: jobs.Progress,
    *,
    competition_id: int,
    kind: str,
    method: str = "",
    filename: str = "",
) -> dict:
    """Build the file into the storage under the job's own key."""
    progress.update(0, 2, N_("读取数据"))  # before any read holds the database
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise jobs.JobError(N_("该征文活动已不存在。"))
    spec = KINDS[kind]
    key = f"jobs/{progress.job_id}/{kind}"
    with tempfile.TemporaryFile() as out:
        try:
            spec.build(competition, method or None, out, progress.update)
        except DownloadError as exc:
            raise jobs.JobError(message_of(exc)) from exc
        db.session.rollback()  # nothing to write
        out.seek(0)
        storage.get_storage().put(key, out)
    return {"file": key, "files": [key], "filename": filename, "kind": kind}

"""Files built in the background: start one, watch its progress, download it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from judging import jobs as queue
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.downloads import jobs
from judging.downloads.forms import StartForm
from judging.extensions import db
from judging.responses import job_download, job_progress
from judging.web import error_text

bp = Blueprint("downloads", __name__)


def back_url(competition: Competition, kind: str) -> str:
    """The page the file is offered on."""
    if jobs.KINDS[kind].area == "results":
        return url_for("results.index", competition_id=competition.id)
    return url_for("submissions.overview", competition_id=competition.id)


@bp.route("/competitions/<int:competition_id>/downloads", methods=["POST"])
@organiser_required
def start(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    kind = form.kind.data
    try:
        job_id = jobs.start(
            actor=current_user,
            competition=competition,
            kind=kind,
            method=form.method.data or None,
        )
    except jobs.DownloadError as exc:
        flash(error_text(exc), "error")
        return redirect(back_url(competition, kind))
    db.session.commit()
    return redirect(
        url_for("downloads.page", competition_id=competition.id, job_id=job_id)
    )


def _own_job(competition_id: int, job_id: str) -> queue.JobStatus:
    """The organiser's own file job for this competition, or 404 like a missing one."""
    job = queue.job_status(job_id)
    if (
        job is None
        or job.name != jobs.TASK
        or job.owner_id != current_user.id
        or job.params.get("competition_id") != competition_id
        or job.params.get("kind") not in jobs.KINDS
    ):
        abort(404)
    return job


@bp.route("/competitions/<int:competition_id>/downloads/<job_id>/progress")
@organiser_required
def page(competition_id: int, job_id: str):
    job = _own_job(competition_id, job_id)
    competition = db.get_or_404(Competition, competition_id)
    kind = job.params["kind"]
    return render_template(
        "downloads/job.html",
        c=competition,
        job=job,
        label=jobs.KINDS[kind].label,
        filename=job.params.get("filename", ""),
        back=back_url(competition, kind),
    )


@bp.route("/competitions/<int:competition_id>/downloads/<job_id>")
@organiser_required
def status(competition_id: int, job_id: str):
    job = _own_job(competition_id, job_id)
    url = url_for("downloads.file", competition_id=competition_id, job_id=job.id)
    return job_progress(job, done_url=url)


@bp.route("/competitions/<int:competition_id>/downloads/<job_id>/file")
@organiser_required
def file(competition_id: int, job_id: str):
    job = _own_job(competition_id, job_id)
    return job_download(job, mimetype=jobs.KINDS[job.params["kind"]].mimetype)


def too_large(competition: Competition, kind: str):  # noqa: ANN201
    """The answer of a direct download when the file needs a job: back to the
    page that offers the job's button, saying why."""
    flash(
        _(
            "作品较多，%(file)s 改为后台生成：请在本页点击“后台生成”，完成后下载。",
            file=_(jobs.KINDS[kind].label),
        ),
        "warning",
    )
    return redirect(back_url(competition, kind))

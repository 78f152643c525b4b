"""Certificate pages: the organiser's list, settings, batches and jobs; a unit's
own certificates; and the public verification page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from judging import jobs as queue
from judging.accounts.forms import ActionForm
from judging.accounts.models import Unit
from judging.auth import organiser_required, unit_required
from judging.certificates import jobs, service
from judging.certificates.forms import (
    CorrectionForm,
    JobForm,
    RevokeForm,
    SettingsForm,
)
from judging.certificates.models import Certificate
from judging.competitions.models import Competition
from judging.competitions.rules import PHASE_LABELS
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.responses import download, job_download, job_progress
from judging.submissions.models import Entry
from judging.web import error_text, perform

bp = Blueprint("certificates", __name__)

#: Above this many pages the direct download gives way to a background job.
DIRECT_LIMIT = 100


def _to_index(competition: Competition):  # noqa: ANN202
    return redirect(url_for("certificates.index", competition_id=competition.id))


def _batch_name(competition: Competition, kind: str) -> str:
    return f"荣誉证书-{competition.title}.{kind}"


# --- organiser ------------------------------------------------------------------


@bp.route("/competitions/<int:competition_id>/certificates")
@organiser_required
def index(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    rows = service.issued(competition)
    live = [r for r in rows if not r.is_revoked]
    units = service.issued_organisations(competition)
    return render_template(
        "certificates/index.html",
        c=competition,
        rows=rows,
        units=units,
        problems=service.glyph_problems(competition, live),
        awarded=len(service.awarded_results(competition)),
        printable=competition.phase in service.PRINTABLE_PHASES,
        direct=len(live) <= DIRECT_LIMIT,
        labels=PHASE_LABELS,
        form=ActionForm(),
        revoke_form=RevokeForm(),
        job_form=JobForm(),
    )


@bp.route("/competitions/<int:competition_id>/certificates/issue", methods=["POST"])
@organiser_required
def issue(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        created = service.issue_certificates(
            actor=current_user, competition=competition, now=utcnow()
        )
    except service.CertificateError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
    else:
        db.session.commit()
        flash(_("已颁发 %(n)d 张荣誉证书。", n=len(created)), "success")
    return _to_index(competition)


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@organiser_required
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("请填写撤销原因。"), "error")
    else:
        perform(
            lambda: service.revoke_certificate(
                actor=current_user,
                certificate=certificate,
                reason=form.reason.data,
                now=utcnow(),
            ),
            done=_("证书 %(s)s 已撤销。", s=certificate.serial),
            refused=service.CertificateError,
        )
    competition = (
        certificate.entry.competition
        if certificate.entry is not None
        else db.get_or_404(Competition, certificate.competition_id)
    )
    return _to_index(competition)


@bp.route(
    "/competitions/<int:competition_id>/certificates/settings",
    methods=["GET", "POST"],
)
@organiser_required
def settings(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = SettingsForm(obj=competition if request.method == "GET" else None)
    if form.validate_on_submit():
        if perform(
            lambda: _save_settings(competition, form),
            done=_("证书设置已保存。"),
            refused=service.CertificateError,
        ):
            return _to_index(competition)
    from judging.certificates.render import chinese_date  # reportlab: load late

    day = competition.issued_on or utcnow().date()
    return render_template(
        "certificates/settings.html",
        c=competition,
        form=form,
        printed=chinese_date(day),
    )


def _save_settings(competition: Competition, form: SettingsForm) -> None:
    now = utcnow()
    service.update_settings(
        actor=current_user,
        competition=competition,
        issuer=form.issuer.data or "",
        issued_on=form.issued_on.data,
        now=now,
    )
    upload = form.seal.data
    if form.remove_seal.data:
        service.remove_seal(actor=current_user, competition=competition, now=now)
    elif upload and getattr(upload, "filename", ""):
        service.save_seal(
            actor=current_user, competition=competition, data=upload.read(), now=now
        )


@bp.route("/competitions/<int:competition_id>/certificates/seal.png")
@organiser_required
def seal_image(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    png = service.seal_png(competition)
    if png is None:
        abort(404)
    return download(png, "印章.png", "image/png")


@bp.route(
    "/competitions/<int:competition_id>/certificates/entries/<int:entry_id>",
    methods=["GET", "POST"],
)
@organiser_required
def correct(competition_id: int, entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    if entry.competition_id != competition_id:
        abort(404)
    form = CorrectionForm()
    if request.method == "GET":
        form.title.data = entry.title
        form.authors.data = "\n".join(entry.author_names)
    elif form.validate_on_submit():
        if perform(
            lambda: service.correct_entry(
                actor=current_user,
                entry=entry,
                title=form.title.data,
                authors=form.author_list(),
                now=utcnow(),
            ),
            done=_("已更正。"),
            refused=service.CertificateError,
        ):
            return _to_index(entry.competition)
    return render_template("certificates/correct.html", entry=entry, form=form)


@bp.route("/competitions/<int:competition_id>/certificates.pdf")
@organiser_required
def batch_pdf(competition_id: int):
    return _direct(db.get_or_404(Competition, competition_id), "pdf")


@bp.route("/competitions/<int:competition_id>/certificates.zip")
@organiser_required
def batch_zip(competition_id: int):
    return _direct(db.get_or_404(Competition, competition_id), "zip")


def _direct(competition: Competition, kind: str):  # noqa: ANN202
    """A small batch straight to the browser; a large one needs a job."""
    rows = service.issued(competition, include_revoked=False)
    units = service.issued_organisations(competition, include_revoked=False)
    if len(rows) + len(units) > DIRECT_LIMIT:
        flash(_("证书较多，请使用“后台生成”，完成后下载。"), "warning")
        return _to_index(competition)
    try:
        items = service.printable_items(
            competition, rows, prefix=service.verify_prefix(), organisations=units
        )
    except service.CertificateError as exc:
        flash(error_text(exc), "error")
        return _to_index(competition)
    data = service.batch_file(items, kind=kind)
    return download(data, _batch_name(competition, kind), jobs.KINDS[kind])


@bp.route("/competitions/<int:competition_id>/certificates/jobs", methods=["POST"])
@organiser_required
def start_job(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = JobForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        job_id = jobs.start_batch(
            actor=current_user, competition=competition, kind=form.kind.data
        )
    except service.CertificateError as exc:
        flash(error_text(exc), "error")
        return _to_index(competition)
    db.session.commit()
    return redirect(
        url_for("certificates.job_page", competition_id=competition.id, job_id=job_id)
    )


def _own_job(competition_id: int, job_id: str) -> queue.JobStatus:
    """The organiser's own batch for this competition, or 404 like a missing one."""
    job = queue.job_status(job_id)
    if (
        job is None
        or job.name != jobs.TASK
        or job.owner_id != current_user.id
        or job.params.get("competition_id") != competition_id
    ):
        abort(404)
    return job


@bp.route("/competitions/<int:competition_id>/certificates/jobs/<job_id>/progress")
@organiser_required
def job_page(competition_id: int, job_id: str):
    job = _own_job(competition_id, job_id)
    competition = db.get_or_404(Competition, competition_id)
    return render_template(
        "certificates/job.html", c=competition, job=job, filename=_job_filename(job)
    )


def _job_filename(job: queue.JobStatus) -> str:
    return job.params.get("filename", "")


@bp.route("/competitions/<int:competition_id>/certificates/jobs/<job_id>")
@organiser_required
def job_status(competition_id: int, job_id: str):
    job = _own_job(competition_id, job_id)
    url = url_for("certificates.job_file", competition_id=competition_id, job_id=job.id)
    return job_progress(job, done_url=url)


@bp.route("/competitions/<int:competition_id>/certificates/jobs/<job_id>/file")
@organiser_required
def job_file(competition_id: int, job_id: str):
    job = _own_job(competition_id, job_id)
    return job_download(job, mimetype=jobs.KINDS[job.params["kind"]])


# --- unit -------------------------------------------------------------------------


@bp.route("/unit/competitions/<int:competition_id>/certificates.pdf")
@unit_required
def unit_pdf(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    unit = db.session.get(Unit, current_user.unit_id)
    rows = service.unit_rows(competition, unit)
    units = service.unit_organisation_rows(competition, unit)
    if not rows and not units:
        abort(404)
    try:
        items = service.printable_items(
            competition, rows, prefix=service.verify_prefix(), organisations=units
        )
    except service.CertificateError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("submissions.dashboard"))
    data = service.batch_file(items, kind="pdf")
    return download(data, f"荣誉证书-{unit.name}.pdf", "application/pdf")


# --- public -------------------------------------------------------------------------


@bp.route("/verify/<serial>")
def verify(serial: str):
    # A GET that only reads: the hit is counted apart (see allow_lookup).
    if not service.allow_lookup(address=request.remote_addr or "", now=utcnow()):
        return render_template("certificates/verify_limited.html"), 429
    from judging.publication.service import correction_for_serial

    row = service.lookup(serial)
    unit_award = None if row is not None else service.lookup_organisation(serial)
    status = 200 if row is not None or unit_award is not None else 404
    correction = correction_for_serial(row.certificate.serial) if row else None
    if unit_award is not None:
        competition = db.session.get(Competition, unit_award.competition_id)
        return render_template(
            "certificates/verify_unit.html", cert=unit_award, c=competition
        )
    return (
        render_template("certificates/verify.html", row=row, correction=correction),
        status,
    )

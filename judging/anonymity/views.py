"""The organiser's anonymity queue and a unit's redacted re-upload."""

from __future__ import annotations

import re

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
from sqlalchemy import select

from judging.accounts.models import Unit
from judging.anonymity import service
from judging.anonymity.models import Finding, FindingStatus
from judging.auth import organiser_required, unit_required
from judging.competitions.models import Competition
from judging.competitions.rules import from_local
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.listing import ListSpec, listing
from judging.submissions.forms import (
    CheckForm,
    FieldsRedactionForm,
    FileForm,
    NoteForm,
    RedactionForm,
)
from judging.submissions.models import Entry
from judging.web import error_text, perform

bp = Blueprint("anonymity", __name__)


def _open_filter(value: str):  # noqa: ANN202
    open_ = service.URGENCY < 3
    return {"open": open_, "settled": ~open_}.get(value)


def _severity_filter(value: str):  # noqa: ANN202
    if value not in service.SEVERITY_LABELS:
        return None
    return Entry.id.in_(
        select(Finding.entry_id).where(
            Finding.severity == value, Finding.status == FindingStatus.OPEN
        )
    )


QUEUE = ListSpec(
    sorts={"urgency": service.URGENCY, "code": Entry.code, "unit": Unit.name},
    default="urgency",
    tiebreak=Entry.id,
    search=(Entry.code, Entry.title, Unit.name),
    filters={
        "status": _open_filter,
        "severity": _severity_filter,
        "show": lambda _value: None,  # read below; kept by the pager
    },
    per_page=20,
)


@bp.route("/competitions/<int:competition_id>/anonymity")
@organiser_required
def queue(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    overrides = request.args.get("show") == "overrides"
    page = listing(service.queue_entries(competition, overrides_only=overrides), QUEUE)
    findings = service.findings_of([e.id for e in page.items], overrides_only=overrides)
    return render_template(
        "anonymity/queue.html",
        c=competition,
        overrides=overrides,
        l=page,
        items=[(e, findings[e.id]) for e in page.items],
        kinds=service.KIND_LABELS,
        locations=service.LOCATION_LABELS,
        severities=service.SEVERITY_LABELS,
        redaction_only=service.needs_redaction,
        note_form=NoteForm(),
        redaction_form=RedactionForm(),
        file_form=FileForm(),
    )


@bp.route("/competitions/<int:competition_id>/findings/harmless", methods=["POST"])
@organiser_required
def harmless_bulk(competition_id: int):
    """Settle the ticked findings with one reason, all or none."""
    competition = db.get_or_404(Competition, competition_id)
    form = NoteForm()
    ids = sorted({int(v) for v in request.form.getlist("finding") if v.isdigit()})
    findings = db.session.scalars(
        select(Finding)
        .join(Entry, Entry.id == Finding.entry_id)
        .where(Finding.id.in_(ids), Entry.competition_id == competition.id)
        .order_by(Finding.id)
    ).all()
    if not findings:
        flash(_("请先勾选要处理的问题。"), "error")
    elif not form.validate_on_submit():
        flash(_("请说明为何所选问题无碍匿名。"), "error")
    else:
        n = sum(1 for f in findings if f.status == FindingStatus.OPEN)
        perform(
            lambda: service.mark_harmless_all(
                actor=current_user, findings=list(findings), note=form.note.data
            ),
            done=_("已将 %(n)d 个问题标记为无碍。", n=n),
            refused=service.AnonymityError,
        )
    back = {
        k: v
        for k, v in request.args.items()
        if k in ("q", "sort", "page", "status", "severity", "show")
    }
    return redirect(url_for("anonymity.queue", competition_id=competition.id, **back))


@bp.route("/findings/<int:finding_id>/harmless", methods=["POST"])
@organiser_required
def harmless(finding_id: int):
    finding = db.get_or_404(Finding, finding_id)
    entry = db.session.get(Entry, finding.entry_id)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("请说明为何该问题无碍匿名。"), "error")
    else:
        perform(
            lambda: service.mark_harmless(
                actor=current_user, finding=finding, note=form.note.data
            ),
            done=_("已标记为无碍。"),
            refused=service.AnonymityError,
        )
    return redirect(url_for("anonymity.queue", competition_id=entry.competition_id))


@bp.route("/entries/<int:entry_id>/redaction-request", methods=["POST"])
@organiser_required
def request_redaction(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    form = RedactionForm()
    if not form.validate_on_submit():
        flash(_("请填写重新提交的截止时间。"), "error")
    else:
        perform(
            lambda: service.request_redaction(
                actor=current_user,
                entry=entry,
                until=from_local(form.until.data),
                note=form.note.data or "",
            ),
            done=_("已请学校重新提交该作品的匿名文件。"),
            refused=service.AnonymityError,
        )
    return redirect(url_for("anonymity.queue", competition_id=entry.competition_id))


def _replace(entry: Entry, form: FileForm) -> None:
    upload = service.Redacted(
        data=form.file.data.read(), filename=form.file.data.filename or ""
    )
    try:
        count = service.replace_review_copy(
            actor=current_user, entry=entry, upload=upload, now=utcnow()
        )
    except service.AnonymityError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
    else:
        db.session.commit()
        flash(
            _("新文件已检查，发现 %(n)d 处可能的身份信息。", n=count),
            "success" if count == 0 else "warning",
        )


@bp.route("/entries/<int:entry_id>/redacted-fields", methods=["POST"])
@organiser_required
def redact_fields(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    form = FieldsRedactionForm()
    if not form.validate_on_submit():
        flash(_("作品题目不能为空。"), "error")
    else:
        perform(
            lambda: service.redact_fields(
                actor=current_user,
                entry=entry,
                fields=service.RedactedFields(
                    title=form.title.data or "",
                    abstract=form.abstract.data or "",
                    keywords=form.keywords.data or "",
                ),
            ),
            done=_("作品信息已修改并重新检查。"),
            refused=service.AnonymityError,
        )
    return redirect(url_for("anonymity.queue", competition_id=entry.competition_id))


@bp.route("/entries/<int:entry_id>/redacted", methods=["POST"])
@organiser_required
def upload_redacted(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    form = FileForm()
    if form.validate_on_submit():
        _replace(entry, form)
    else:
        flash(_("请选择文件。"), "error")
    return redirect(url_for("anonymity.queue", competition_id=entry.competition_id))


@bp.route("/unit/entries/<int:entry_id>/redacted", methods=["GET", "POST"])
@unit_required
def unit_redacted(entry_id: int):
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.unit_id != current_user.unit_id:
        abort(404)
    form = FileForm()
    if form.validate_on_submit():
        _replace(entry, form)
        return redirect(url_for("submissions.dashboard"))
    return render_template("anonymity/unit_redacted.html", entry=entry, form=form)


@bp.route("/unit/competitions/<int:competition_id>/check", methods=["GET", "POST"])
@unit_required
def check_file(competition_id: int):
    """A unit checks a draft for identity leaks without submitting it."""
    from judging.submissions.service import visible_to

    competition = db.session.get(Competition, competition_id)
    if (
        competition is None
        or competition.is_collection  # not judged: nothing to keep anonymous
        or not visible_to(competition, current_user.unit)
    ):
        abort(404)
    form = CheckForm()
    results = None
    if form.validate_on_submit():
        upload = service.CheckInput(
            data=form.file.data.read(),
            filename=form.file.data.filename or "",
            title=form.title.data or "",
            abstract=form.abstract.data or "",
            keywords=form.keywords.data or "",
            people=tuple(re.split(r"[,，、;；\s]+", form.people.data or "")),
        )
        try:
            results = service.check_without_submitting(
                actor=current_user, competition=competition, upload=upload
            )
        except service.AnonymityError as exc:
            flash(error_text(exc), "error")
        db.session.rollback()  # a check writes nothing
    return render_template(
        "anonymity/check.html",
        c=competition,
        form=form,
        results=results,
        locations=service.LOCATION_LABELS,
    )

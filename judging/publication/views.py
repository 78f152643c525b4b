"""公示 pages: the provisional list and objections (public and units), the
organiser's 公示 desk, the final publication, corrections and previews."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from judging.accounts.forms import ActionForm
from judging.accounts.models import Role
from judging.auth import organiser_required, unit_required
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import local_day
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import say
from judging.publication import service
from judging.publication.forms import (
    AnswerForm,
    CorrectionForm,
    ObjectionForm,
    PublicityForm,
)
from judging.publication.models import Objection
from judging.storage import stream_download
from judging.submissions.files import open_file
from judging.submissions.models import Entry
from judging.web import perform

bp = Blueprint("publication", __name__)
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _in_publicity(competition_id: int) -> Competition:
    """A competition in 公示 (or after it: the provisional list stays on record)."""
    c = db.session.get(Competition, competition_id)
    if c is None or c.phase not in (Phase.PUBLICITY, Phase.PUBLISHED):
        abort(404)
    if service.publicity_of(c) is None:
        abort(404)
    return c


def _tier_choices(c: Competition) -> list[SelectChoice]:
    return [SelectChoice(t.name, t.name) for t in c.tiers] + [
        SelectChoice(service.NOT_AWARDED, _(service.NOT_AWARDED))
    ]


def _organisations(c: Competition) -> list:
    """The units given the 优秀组织奖, shown with the provisional and final list."""
    from judging.results.rules_service import organisation_rows

    return organisation_rows(c, awarded_only=True)


@bp.route("/publicity/<int:competition_id>")
def public(competition_id: int):
    c = _in_publicity(competition_id)
    p = service.publicity_of(c)
    return render_template(
        "publication/public.html",
        c=c,
        p=p,
        fields=p.field_list,
        labels=service.FIELD_LABELS,
        rows=service.awarded_list(c),
        organisations=_organisations(c),
        window=service.objection_window(p),
        open=service.objections_open(c, utcnow()),
        preview=False,
    )


@bp.route("/publicity/<int:competition_id>/objection", methods=["GET", "POST"])
def object_to(competition_id: int):
    c = _in_publicity(competition_id)
    p = service.publicity_of(c)
    user = current_user if current_user.is_authenticated else None
    if user is not None and user.role != Role.UNIT:
        abort(404)
    form = ObjectionForm()
    form.entry_id.choices = [
        SelectChoice(r.entry.id, r.entry.title) for r in service.awarded_list(c)
    ]
    if request.method == "GET" and user is not None:
        form.name.data = user.display_name or user.username
    if form.validate_on_submit():
        upload = form.file.data
        data = service.ObjectionInput(
            entry_id=form.entry_id.data,
            name=form.name.data,
            phone=form.phone.data or "",
            email=form.email.data or "",
            reasons=form.reasons.data,
            file_data=upload.read() if upload else None,
            file_name=(upload.filename or "") if upload else "",
        )
        if perform(
            lambda: service.lodge_objection(
                actor=user,
                competition=c,
                data=data,
                address=request.remote_addr or "",
                now=utcnow(),
            ),
            done=_("异议已提交，主办方答复后将通知您。"),
            refused=service.PublicationError,
        ):
            if user is not None:
                return redirect(url_for("publication.mine"))
            return redirect(url_for("publication.public", competition_id=c.id))
    return render_template(
        "publication/objection.html",
        c=c,
        p=p,
        form=form,
        open=service.objections_open(c, utcnow()),
        anonymous=user is None,
    )


@bp.route("/unit/objections")
@unit_required
def mine():
    return render_template(
        "publication/mine.html",
        items=service.own_objections(current_user),
        decisions=service.DECISION_LABELS,
    )


# --- the organiser ------------------------------------------------------------------


@bp.route("/competitions/<int:competition_id>/publicity", methods=["GET", "POST"])
@organiser_required
def desk(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    p = service.publicity_of(c)
    form = PublicityForm()
    form.fields.choices = [
        SelectChoice(k, _(v)) for k, v in service.FIELD_LABELS.items()
    ]
    if request.method == "GET":
        today = local_day(utcnow())
        form.starts_on.data = today
        form.ends_on.data = today + timedelta(days=6)
        form.fields.data = list(service.FIELD_LABELS)
    elif form.validate_on_submit():
        settings = service.PublicitySettings(
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            fields=tuple(form.fields.data or ()),
            allow_public=form.allow_public.data,
            note=form.note.data or "",
        )
        if request.form.get("action") == "preview":
            return _preview(c, settings)
        if perform(
            lambda: service.start_publicity(
                actor=current_user, competition=c, settings=settings, now=utcnow()
            ),
            done=_("公示已开始，已通知各参赛单位。"),
            refused=service.PublicationError,
        ):
            return redirect(url_for("publication.desk", competition_id=c.id))
    answer = AnswerForm()
    answer.new_tier.choices = [SelectChoice("", _("不调整"))] + _tier_choices(c)
    return render_template(
        "publication/desk.html",
        c=c,
        p=p,
        form=form,
        answer=answer,
        objections=service.objections(c),
        decisions=service.DECISION_LABELS,
        rows=service.awarded_list(c),
        window=service.objection_window(p) if p else None,
        action=ActionForm(),
    )


def _preview(c: Competition, s: service.PublicitySettings):  # noqa: ANN202
    problems = service.check_settings(s, today=local_day(utcnow()))
    for problem in problems:
        flash(say(problem, _), "error")
    return render_template(
        "publication/public.html",
        c=c,
        p=None,
        fields=[f for f in service.FIELD_LABELS if f in s.fields],
        labels=service.FIELD_LABELS,
        rows=service.awarded_list(c),
        organisations=_organisations(c),
        window=(s.starts_on, s.ends_on),
        open=False,
        preview=True,
        note=s.note,
    )


@bp.route("/objections/<int:objection_id>/answer", methods=["POST"])
@organiser_required
def answer(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    form = AnswerForm()
    c = db.session.get(Competition, objection.competition_id)
    form.new_tier.choices = [SelectChoice("", "")] + _tier_choices(c)
    if not form.validate_on_submit():
        flash(_("请选择处理结果并填写答复。"), "error")
    else:
        perform(
            lambda: service.answer_objection(
                actor=current_user,
                objection=objection,
                decision=form.decision.data,
                reply=form.reply.data,
                new_tier=form.new_tier.data or "",
                change_reason=form.change_reason.data or "",
                now=utcnow(),
            ),
            done=_("已答复，答复已发送给异议人。"),
            refused=service.PublicationError,
        )
    return redirect(url_for("publication.desk", competition_id=c.id))


@bp.route("/objections/<int:objection_id>/file")
@organiser_required
def objection_file(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    if objection.file_id is None:
        abort(404)
    from judging.submissions.models import StoredFile

    stored = db.session.get(StoredFile, objection.file_id)
    return stream_download(
        open_file(stored), filename=objection.file_name, mimetype=MIME[stored.kind]
    )


@bp.route("/competitions/<int:competition_id>/publicity/publish", methods=["POST"])
@organiser_required
def publish(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    perform(
        lambda: service.publish_final(actor=current_user, competition=c, now=utcnow()),
        done=_("最终名单已公布，已通知各单位。"),
        refused=service.PublicationError,
    )
    return redirect(url_for("publication.desk", competition_id=c.id))


@bp.route("/competitions/<int:competition_id>/awards-preview")
@organiser_required
def final_preview(competition_id: int):
    """The public award page as it will look, before publishing it."""
    c = db.get_or_404(Competition, competition_id)
    if c.phase not in (Phase.FINALISED, Phase.PUBLICITY, Phase.PUBLISHED):
        abort(404)
    return render_template(
        "publication/final.html",
        c=c,
        rows=service.awarded_list(c),
        organisations=_organisations(c),
        corrections=service.corrections(c),
        preview=True,
    )


@bp.route("/competitions/<int:competition_id>/corrections", methods=["GET", "POST"])
@organiser_required
def corrections(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = CorrectionForm()
    entries = [r.entry for r in service.awarded_list(c)]
    form.entry_id.choices = [
        SelectChoice(e.id, f"{e.code or e.id} {e.title}") for e in entries
    ]
    form.tier.choices = _tier_choices(c)
    if form.validate_on_submit():
        entry = db.session.get(Entry, form.entry_id.data)
        if perform(
            lambda: service.correct_result(
                actor=current_user,
                competition=c,
                entry=entry,
                tier=form.tier.data,
                reason=form.reason.data,
                now=utcnow(),
            ),
            done=_("已更正：证书已撤销并重新颁发，公布名单已注明更正，已通知该单位。"),
            refused=service.PublicationError,
        ):
            return redirect(url_for("publication.corrections", competition_id=c.id))
    return render_template(
        "publication/corrections.html",
        c=c,
        form=form,
        corrections=service.corrections(c),
    )

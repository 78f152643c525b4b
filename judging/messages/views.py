"""The inbox of every logged-in user; the organiser's outbox and templates."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from judging.accounts.forms import ActionForm
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.extensions import db
from judging.messages import service, texts
from judging.messages.forms import TemplateForm
from judging.messages.models import MessageStatus
from judging.web import error_text, perform

bp = Blueprint("messages", __name__)


@bp.route("/inbox")
@login_required
def inbox():
    return render_template(
        "messages/inbox.html", items=service.inbox(current_user), kinds=texts.KINDS
    )


@bp.route("/inbox/<int:message_id>")
@login_required
def read(message_id: int):
    message = service.own_message(current_user, message_id)
    if message is None:
        abort(404)
    if message.read_at is None:
        service.mark_read(message)
        db.session.commit()
    return render_template("messages/message.html", m=message, kinds=texts.KINDS)


@bp.route("/competitions/<int:competition_id>/messages")
@organiser_required
def outbox(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    status = request.args.get("status", "")
    status = status if status in set(MessageStatus) else ""
    return render_template(
        "messages/outbox.html",
        c=c,
        items=service.outbox(c, status=status),
        counts=service.outbox_counts(c),
        status=status,
        kinds=texts.KINDS,
        statuses=texts.STATUS_LABELS,
        mail=service.mail_configured(),
        form=ActionForm(),
    )


@bp.route("/competitions/<int:competition_id>/messages/resend", methods=["POST"])
@organiser_required
def resend(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("message_id") if i.isdigit()]
    chosen = [
        m
        for m in service.outbox(c, status=MessageStatus.FAILED)
        + service.outbox(c, status=MessageStatus.INBOX)
        if not ids or m.id in ids
    ]
    perform(
        lambda: service.resend(actor=current_user, messages=chosen),
        done=_("已重新排队发送。"),
        refused=service.MessageError,
    )
    return redirect(url_for("messages.outbox", competition_id=c.id))


@bp.route(
    "/competitions/<int:competition_id>/messages/templates", methods=["GET", "POST"]
)
@organiser_required
def templates(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    kind = request.values.get("kind", "entry_received")
    kind = kind if kind in texts.KINDS else "entry_received"
    language = request.values.get("language", "zh")
    language = language if language in texts.LANGUAGES else "zh"
    form = TemplateForm()
    preview = None
    if request.method == "GET":
        form.subject.data, form.body.data = service.template_for(c, kind, language)
    elif form.validate_on_submit():
        subject, body = form.subject.data, form.body.data
        if form.action.data == "save":
            if perform(
                lambda: service.save_template(
                    actor=current_user,
                    competition=c,
                    kind=kind,
                    language=language,
                    subject=subject,
                    body=body,
                ),
                done=_("模板已保存。"),
                refused=service.MessageError,
            ):
                return redirect(
                    url_for(
                        "messages.templates",
                        competition_id=c.id,
                        kind=kind,
                        language=language,
                    )
                )
        elif form.action.data == "reset":
            perform(
                lambda: service.reset_template(
                    actor=current_user, competition=c, kind=kind, language=language
                ),
                done=_("已恢复默认模板。"),
                refused=service.MessageError,
            )
            return redirect(
                url_for(
                    "messages.templates",
                    competition_id=c.id,
                    kind=kind,
                    language=language,
                )
            )
        else:
            try:
                preview = service.preview(kind, subject, body)
            except service.MessageError as exc:
                flash(error_text(exc), "error")
    return render_template(
        "messages/templates.html",
        c=c,
        kind=kind,
        language=language,
        kinds=texts.KINDS,
        form=form,
        preview=preview,
    )

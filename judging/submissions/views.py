"""The unit contact's submission pages and the organiser's submissions overview."""

from __future__ import annotations

import tempfile

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from judging.accounts.forms import ActionForm
from judging.accounts.models import Unit
from judging.anonymity import service as anonymity
from judging.anonymity.models import Finding
from judging.assignment import notify
from judging.auth import organiser_required, unit_required
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import PHASE_LABELS, from_local
from judging.dbtypes import utcnow
from judging.downloads import jobs as downloads
from judging.downloads.forms import StartForm
from judging.downloads.views import too_large
from judging.extensions import db
from judging.listing import ListSpec, listing
from judging.messages.models import Message, MessageStatus
from judging.originality import service as originality
from judging.pending import keep_form, restore_form
from judging.responses import pdf_download, xlsx_download
from judging.storage import stream_download
from judging.submissions import reminders, service
from judging.submissions.files import open_file
from judging.submissions.forms import (
    BulkExtensionForm,
    EntryForm,
    ExtensionForm,
    NewEntryForm,
    RecommendForm,
)
from judging.submissions.models import Attachment, Entry, EntryStatus
from judging.web import perform

bp = Blueprint("submissions", __name__)

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "mp4": "video/mp4",
}


def _own_entry(entry_id: int) -> Entry:
    """The unit contact's own entry, or 404 (the same as a missing one)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.unit_id != current_user.unit_id:
        abort(404)
    return entry


def _visible_competition(competition_id: int) -> Competition:
    """A call the contact's unit may see (eligible, or with entries kept), or 404."""
    competition = db.get_or_404(Competition, competition_id)
    if not service.visible_to(competition, current_user.unit):
        abort(404)
    return competition


def _eligible_competition(competition_id: int) -> Competition:
    """A call the contact's unit may submit to, or 404 (the same as a missing one)."""
    from judging.competitions.service import is_eligible

    competition = _visible_competition(competition_id)
    if not is_eligible(competition, current_user.unit):
        abort(404)
    return competition


def _own_attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.entry.unit_id != current_user.unit_id:
        abort(404)
    return attachment


def _upload(form: EntryForm) -> service.Upload | None:
    file = form.file.data
    if not file or not getattr(file, "filename", ""):
        return None
    return service.Upload(data=file.read(), filename=file.filename)


def _attachments(form: EntryForm) -> list[service.Upload]:
    return [
        service.Upload(data=f.read(), filename=f.filename)
        for f in (form.attachments.data or [])
        if f and getattr(f, "filename", "")
    ]


def _form_for(form_class: type[EntryForm], competition: Competition) -> EntryForm:
    form = form_class()
    form.configure(competition)
    return form


def _refused(form: EntryForm):  # noqa: ANN202
    """Redirect-after-post for a refused entry form: keep the input, show it again.

    The browser cannot be given the chosen file back, so the unit is asked to
    choose it again.
    """
    chosen = [form.file.data] + list(form.attachments.data or [])
    if any(f and getattr(f, "filename", "") for f in chosen):
        flash(_("浏览器不允许保留所选文件，请重新选择作品文件后再提交。"), "warning")
    keep_form()
    return redirect(request.path)


def _restored(
    form_class: type[EntryForm], competition: Competition
) -> EntryForm | None:
    """The form filled with the input kept by ``_refused``, its errors shown."""
    kept = restore_form()
    if kept is None:
        return None
    form = form_class(formdata=kept)
    form.configure(competition)
    form.validate()
    form.csrf_token.errors = []  # the page carries a fresh token
    return form


# --- unit contact ---------------------------------------------------------------


@bp.route("/unit")
@unit_required
def dashboard():
    from judging.competitions.service import audience, is_eligible

    now = utcnow()
    competitions = [
        c
        for c in db.session.scalars(
            select(Competition)
            .where(Competition.phase != Phase.DRAFT)
            .order_by(Competition.closes_at.desc())
        )
        if service.visible_to(c, current_user.unit)
    ]
    cards = []
    shown: list[Entry] = []
    for c in competitions:
        deadline = service.unit_deadline(c, current_user.unit_id)
        cards.append(
            {
                "competition": c,
                "deadline": deadline,
                "seconds_left": max(0, int((deadline - now).total_seconds())),
                "open": service.is_open_for(c, current_user.unit_id, now)
                and is_eligible(c, current_user.unit),
                "entries": service.active_entries(c.id, current_user.unit_id),
                "words": audience(c),
            }
        )
        # pre-flight: what the scanner found, until the deadline (or while the
        # organiser has reopened the entry for redaction)
        shown += [
            e
            for e in cards[-1]["entries"]
            if cards[-1]["open"] or service.can_replace_after_close(e, now)
        ]
    return render_template(
        "submissions/dashboard.html",
        cards=cards,
        repeats=originality.earlier_year_flags(
            [e for card in cards for e in card["entries"]]
        ),
        labels=PHASE_LABELS,
        form=ActionForm(),
        now=now,
        findings=anonymity.own_findings(shown),
        locations=anonymity.LOCATION_LABELS,
    )


@bp.route(
    "/unit/competitions/<int:competition_id>/entries/new", methods=["GET", "POST"]
)
@unit_required
def new_entry(competition_id: int):
    from judging.competitions.service import audience

    competition = _eligible_competition(competition_id)
    form = _form_for(NewEntryForm, competition)
    if request.method == "POST":
        if form.validate_on_submit() and perform(
            lambda: service.create_entry(
                actor=current_user,
                competition=competition,
                data=form.entry_input(),
                upload=_upload(form),
                now=utcnow(),
                attachments=_attachments(form),
            ),
            done=_("作品已提交。"),
            refused=service.SubmissionError,
        ):
            return redirect(url_for("submissions.dashboard"))
        return _refused(form)
    form = _restored(NewEntryForm, competition) or form
    return render_template(
        "submissions/entry_form.html",
        form=form,
        competition=competition,
        entry=None,
        words=audience(competition),
    )


@bp.route("/unit/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@unit_required
def edit_entry(entry_id: int):
    from judging.competitions.service import audience

    entry = _own_entry(entry_id)
    form = _form_for(EntryForm, entry.competition)
    if request.method == "GET":
        form.process(
            data={
                "title": entry.title,
                "category": entry.category,
                "advisor": entry.advisor,
                "abstract": entry.abstract,
                "keywords": entry.keywords,
                "authors": [
                    {
                        "name": a.name,
                        "department": a.department,
                        "title": a.title,
                        "phone": a.phone,
                        "email": a.email,
                    }
                    for a in entry.authors
                ],
            }
        )
        form.configure(entry.competition)
        form = _restored(EntryForm, entry.competition) or form
    elif form.validate_on_submit() and perform(
        lambda: service.update_entry(
            actor=current_user,
            entry=entry,
            data=form.entry_input(),
            upload=_upload(form),
            now=utcnow(),
            attachments=_attachments(form),
        ),
        done=_("作品已更新。"),
        refused=service.SubmissionError,
    ):
        return redirect(url_for("submissions.dashboard"))
    else:
        return _refused(form)
    return render_template(
        "submissions/entry_form.html",
        form=form,
        competition=entry.competition,
        entry=entry,
        words=audience(entry.competition),
        action_form=ActionForm(),
    )


@bp.route("/unit/entries/<int:entry_id>/withdraw", methods=["POST"])
@unit_required
def withdraw(entry_id: int):
    entry = _own_entry(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    perform(
        lambda: service.withdraw_entry(actor=current_user, entry=entry, now=utcnow()),
        done=_("作品已撤回。"),
        refused=service.SubmissionError,
    )
    return redirect(url_for("submissions.dashboard"))


@bp.route("/unit/entries/<int:entry_id>/file")
@unit_required
def own_file(entry_id: int):
    entry = _own_entry(entry_id)
    return stream_download(
        open_file(entry.file), filename=entry.file_name, mimetype=MIME[entry.file.kind]
    )


@bp.route("/unit/attachments/<int:attachment_id>/<any(original, preview):which>")
@unit_required
def own_attachment(attachment_id: int, which: str):
    return _attachment_download(_own_attachment(attachment_id), which)


@bp.route("/unit/attachments/<int:attachment_id>/remove", methods=["POST"])
@unit_required
def remove_attachment(attachment_id: int):
    attachment = _own_attachment(attachment_id)
    entry_id = attachment.entry_id
    if not ActionForm().validate_on_submit():
        abort(400)
    perform(
        lambda: service.remove_attachment(
            actor=current_user, attachment=attachment, now=utcnow()
        ),
        done=_("附件已删除。"),
        refused=service.SubmissionError,
    )
    return redirect(url_for("submissions.edit_entry", entry_id=entry_id))


def _attachment_download(attachment: Attachment, which: str):  # noqa: ANN202
    stored = attachment.file if which == "original" else attachment.preview_file
    if stored is None:
        abort(404)
    name = attachment.file_name if which == "original" else "预览.jpg"
    return stream_download(open_file(stored), filename=name, mimetype=MIME[stored.kind])


@bp.route("/unit/competitions/<int:competition_id>/receipt.pdf")
@unit_required
def receipt(competition_id: int):
    competition = _visible_competition(competition_id)
    unit = db.session.get(Unit, current_user.unit_id)
    entries = service.active_entries(competition.id, unit.id)
    pdf = service.receipt_pdf(competition, unit, entries, utcnow())
    return pdf_download(pdf, f"报送回执-{unit.name}.pdf")


# --- organiser ------------------------------------------------------------------


def _category_filter(value: str):  # noqa: ANN202
    return Entry.category == value if value else None  # the call's own categories


ENTRIES = ListSpec(
    sorts={
        "code": Entry.code,
        "unit": Unit.name,
        "title": Entry.title,
        "words": Entry.word_count,
        "submitted": Entry.submitted_at,
    },
    default="code",
    tiebreak=Entry.id,
    search=(Entry.code, Entry.title, Unit.name, Unit.short_name, Entry.keywords),
    # "state" filters the units' table above; kept so the pager keeps it too
    filters={"category": _category_filter, "state": lambda _value: None},
)


@bp.route("/competitions/<int:competition_id>/submissions")
@organiser_required
def overview(competition_id: int):
    from judging.competitions.service import audience

    competition = db.get_or_404(Competition, competition_id)
    state = request.args.get("state", "")
    all_rows = service.overview(competition)
    if state not in service.STATE_LABELS:
        state = ""
    rows = [r for r in all_rows if r.state == state] if state else all_rows
    missing = [r for r in all_rows if r.state == "none" and r.eligible]
    totals = {s: sum(1 for r in all_rows if r.state == s) for s in service.STATE_LABELS}
    entries = (
        select(Entry)
        .join(Unit, Unit.id == Entry.unit_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .options(
            selectinload(Entry.authors),
            selectinload(Entry.unit),
            selectinload(Entry.attachments),
        )
    )
    return render_template(
        "submissions/overview.html",
        c=competition,
        files_by_job=downloads.needs_job(competition),
        file_form=StartForm(),
        rows=rows,
        state=state,
        states=service.STATE_LABELS,
        totals=totals,
        total=sum(r.count for r in all_rows),
        l=listing(entries, ENTRIES),
        categories=competition.category_list,
        overlaps=originality.overlap_by_entry(competition),
        form=BulkExtensionForm(),
        missing=missing,
        mail=notify.mail_configured(current_app.config),
        action_form=ActionForm(),
        recommendations=service.RECOMMENDATION_LABELS,
        words=audience(competition),
    )


@bp.route("/competitions/<int:competition_id>/extensions/bulk", methods=["POST"])
@organiser_required
def grant_extensions(competition_id: int):
    """One later deadline for every unit ticked, in one transaction."""
    competition = db.get_or_404(Competition, competition_id)
    form = BulkExtensionForm()
    units = []
    if form.validate_on_submit():
        units = db.session.scalars(
            select(Unit).where(Unit.id.in_(form.unit_ids.data)).order_by(Unit.id)
        ).all()
    if not units:
        errors = [e for f in (form.unit_ids, form.until, form.reason) for e in f.errors]
        flash(errors[0] if errors else _("请先勾选要延期的单位。"), "error")
    else:
        perform(
            lambda: [
                service.grant_extension(
                    actor=current_user,
                    competition=competition,
                    unit=unit,
                    until=from_local(form.until.data),
                    reason=form.reason.data,
                )
                for unit in units
            ],
            done=_("已为 %(n)d 个单位延长截止时间。", n=len(units)),
            refused=service.SubmissionError,
        )
    state = request.args.get("state", "")
    return redirect(
        url_for("submissions.overview", competition_id=competition.id, state=state)
    )


@bp.route("/competitions/<int:competition_id>/submissions.xlsx")
@organiser_required
def overview_xlsx(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return xlsx_download(service.overview_xlsx(competition), "报送汇总表.xlsx")


@bp.route("/competitions/<int:competition_id>/files.zip")
@organiser_required
def files_zip(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if downloads.needs_job(competition):
        return too_large(competition, "files")
    out = tempfile.TemporaryFile()  # closed by the response when sent
    service.files_zip(competition, out)
    out.seek(0)
    return stream_download(
        out, filename=f"{competition.title}-作品.zip", mimetype="application/zip"
    )


@bp.route("/competitions/<int:competition_id>/extensions", methods=["POST"])
@organiser_required
def grant_extension(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = ExtensionForm()
    form.unit_id.choices = [
        (s.id, s.name) for s in db.session.scalars(select(Unit).order_by(Unit.id))
    ]
    if form.validate_on_submit():
        unit = db.get_or_404(Unit, form.unit_id.data)
        perform(
            lambda: service.grant_extension(
                actor=current_user,
                competition=competition,
                unit=unit,
                until=from_local(form.until.data),
                reason=form.reason.data,
            ),
            done=_("已为 %(s)s 延长截止时间。", s=unit.name),
            refused=service.SubmissionError,
        )
    else:
        flash(_("请填写单位、延期时间和原因。"), "error")
    return redirect(url_for("submissions.overview", competition_id=competition.id))


@bp.route("/entries/<int:entry_id>")
@organiser_required
def entry_detail(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    findings = db.session.scalars(
        select(Finding).where(Finding.entry_id == entry.id).order_by(Finding.id)
    ).all()
    return render_template(
        "submissions/entry_detail.html",
        entry=entry,
        findings=findings,
        EntryStatus=EntryStatus,
        recommend_form=RecommendForm(
            mark=entry.recommendation, note=entry.recommendation_note
        ),
    )


@bp.route("/entries/<int:entry_id>/file/<any(original, review):which>")
@organiser_required
def entry_file(entry_id: int, which: str):
    entry = db.get_or_404(Entry, entry_id)
    stored = entry.file if which == "original" else entry.review_file
    if stored is None:
        abort(404)
    name = (
        entry.file_name
        if which == "original"
        else (f"{entry.code or entry.id}-评审稿.{stored.kind}")
    )
    return stream_download(open_file(stored), filename=name, mimetype=MIME[stored.kind])


@bp.route("/attachments/<int:attachment_id>/<any(original, preview):which>")
@organiser_required
def attachment_file(attachment_id: int, which: str):
    return _attachment_download(db.get_or_404(Attachment, attachment_id), which)


@bp.route("/entries/<int:entry_id>/recommend", methods=["POST"])
@organiser_required
def recommend(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    form = RecommendForm()
    if form.validate_on_submit():
        perform(
            lambda: service.recommend_entry(
                actor=current_user,
                entry=entry,
                mark=form.mark.data or "",
                note=form.note.data or "",
            ),
            done=_("推荐已保存。"),
            refused=service.SubmissionError,
        )
    else:
        flash(_("推荐只能是“优秀”“推荐”或不推荐，说明不超过 1000 字。"), "error")
    return redirect(url_for("submissions.entry_detail", entry_id=entry.id))


@bp.route("/competitions/<int:competition_id>/recommended.xlsx")
@organiser_required
def recommended_xlsx(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return xlsx_download(service.recommended_xlsx(competition), "优秀与推荐材料.xlsx")


@bp.route("/competitions/<int:competition_id>/missing.xlsx")
@organiser_required
def missing_xlsx(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return xlsx_download(reminders.missing_xlsx(competition), "未报送单位名单.xlsx")


@bp.route("/competitions/<int:competition_id>/unit-reminders")
@organiser_required
def unit_reminders(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return render_template(
        "submissions/reminders.html",
        c=competition,
        notices=reminders.previews(competition, url=_dashboard_url()),
        mail=notify.mail_configured(current_app.config),
        form=ActionForm(),
    )


def _dashboard_url() -> str:
    return url_for("submissions.dashboard", _external=True)


@bp.route("/competitions/<int:competition_id>/unit-reminders", methods=["POST"])
@organiser_required
def send_unit_reminders(competition_id: int):
    """Remind every eligible unit below the minimum: a message to its inbox,
    and an e-mail from the outbox's job where a mail server is configured."""
    competition = db.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    made = reminders.send_unit_reminders(
        actor=current_user, competition=competition, url=_dashboard_url()
    )
    ids = [m.id for m in made]
    db.session.commit()
    statuses = [
        m.status
        for m in db.session.scalars(
            select(Message)
            .where(Message.id.in_(ids))
            .execution_options(populate_existing=True)
        )
    ]
    if not ids:
        flash(_("所有参与单位都已达到最低报送件数。"), "info")
    elif MessageStatus.QUEUED in statuses:
        flash(_("催报邮件正在后台发送，发送结果见消息记录。"), "info")
    else:
        sent = statuses.count(MessageStatus.SENT)
        flash(_("已发送 %(n)d 封催报邮件。", n=sent), "success")
        inbox = statuses.count(MessageStatus.INBOX)
        if inbox:
            flash(
                _(
                    "%(n)d 条只在站内消息中（无联系邮箱或未配置邮件服务器），"
                    "请电话联系。",
                    n=inbox,
                ),
                "warning",
            )
        failed = statuses.count(MessageStatus.FAILED)
        if failed:
            flash(_("%(n)d 封发送失败，可在消息记录中重发。", n=failed), "error")
    return redirect(
        url_for("submissions.unit_reminders", competition_id=competition.id)
    )

"""The unit contact's submission pages and the organiser's submissions overview."""

from __future__ import annotations

import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from judging.accounts.forms import ActionForm
from judging.accounts.models import Unit
from judging.anonymity import service as anonymity
from judging.anonymity.models import Finding
from judging.auth import organiser_required, unit_required
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import PHASE_LABELS, from_local
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.listing import ListSpec, listing
from judging.originality import service as originality
from judging.pending import keep_form, restore_form
from judging.responses import pdf_download, xlsx_download
from judging.storage import stream_download
from judging.submissions import service
from judging.submissions.files import open_file
from judging.submissions.forms import (
    BulkExtensionForm,
    EntryForm,
    ExtensionForm,
    NewEntryForm,
)
from judging.submissions.models import CATEGORIES, Entry, EntryStatus
from judging.web import perform

bp = Blueprint("submissions", __name__)

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _own_entry(entry_id: int) -> Entry:
    """The unit contact's own entry, or 404 (the same as a missing one)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.unit_id != current_user.unit_id:
        abort(404)
    return entry


def _visible_competition(competition_id: int) -> Competition:
    competition = db.get_or_404(Competition, competition_id)
    if competition.phase == Phase.DRAFT:
        abort(404)
    return competition


def _upload(form: EntryForm) -> service.Upload | None:
    file = form.file.data
    if not file or not getattr(file, "filename", ""):
        return None
    return service.Upload(data=file.read(), filename=file.filename)


def _refused(form: EntryForm):  # noqa: ANN202
    """Redirect-after-post for a refused entry form: keep the input, show it again.

    The browser cannot be given the chosen file back, so the unit is asked to
    choose it again.
    """
    if form.file.data and getattr(form.file.data, "filename", ""):
        flash(_("浏览器不允许保留所选文件，请重新选择作品文件后再提交。"), "warning")
    keep_form()
    return redirect(request.path)


def _restored(form_class: type[EntryForm]) -> EntryForm | None:
    """The form filled with the input kept by ``_refused``, its errors shown."""
    kept = restore_form()
    if kept is None:
        return None
    form = form_class(formdata=kept)
    form.validate()
    form.csrf_token.errors = []  # the page carries a fresh token
    return form


# --- unit contact ---------------------------------------------------------------


@bp.route("/unit")
@unit_required
def dashboard():
    now = utcnow()
    competitions = db.session.scalars(
        select(Competition)
        .where(Competition.phase != Phase.DRAFT)
        .order_by(Competition.closes_at.desc())
    ).all()
    cards = []
    shown: list[Entry] = []
    for c in competitions:
        deadline = service.unit_deadline(c, current_user.unit_id)
        cards.append(
            {
                "competition": c,
                "deadline": deadline,
                "seconds_left": max(0, int((deadline - now).total_seconds())),
                "open": service.is_open_for(c, current_user.unit_id, now),
                "entries": service.active_entries(c.id, current_user.unit_id),
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
    competition = _visible_competition(competition_id)
    form = NewEntryForm()
    if request.method == "POST":
        if form.validate_on_submit() and perform(
            lambda: service.create_entry(
                actor=current_user,
                competition=competition,
                data=form.entry_input(),
                upload=_upload(form),
                now=utcnow(),
            ),
            done=_("作品已提交。"),
            refused=service.SubmissionError,
        ):
            return redirect(url_for("submissions.dashboard"))
        return _refused(form)
    form = _restored(NewEntryForm) or form
    return render_template(
        "submissions/entry_form.html", form=form, competition=competition, entry=None
    )


@bp.route("/unit/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@unit_required
def edit_entry(entry_id: int):
    entry = _own_entry(entry_id)
    form = EntryForm(obj=None)
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
        form = _restored(EntryForm) or form
    elif form.validate_on_submit() and perform(
        lambda: service.update_entry(
            actor=current_user,
            entry=entry,
            data=form.entry_input(),
            upload=_upload(form),
            now=utcnow(),
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
    return Entry.category == value if value in CATEGORIES else None


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
    competition = db.get_or_404(Competition, competition_id)
    state = request.args.get("state", "")
    all_rows = service.overview(competition)
    if state not in service.STATE_LABELS:
        state = ""
    rows = [r for r in all_rows if r.state == state] if state else all_rows
    totals = {s: sum(1 for r in all_rows if r.state == s) for s in service.STATE_LABELS}
    entries = (
        select(Entry)
        .join(Unit, Unit.id == Entry.unit_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .options(selectinload(Entry.authors), selectinload(Entry.unit))
    )
    return render_template(
        "submissions/overview.html",
        c=competition,
        rows=rows,
        state=state,
        states=service.STATE_LABELS,
        totals=totals,
        total=sum(r.count for r in all_rows),
        l=listing(entries, ENTRIES),
        categories=CATEGORIES,
        overlaps=originality.overlap_by_entry(competition),
        form=BulkExtensionForm(),
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

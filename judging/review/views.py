"""The judge's portal (assignments, review copy, score sheet) and the organiser's
review pages (progress, an entry's reviews, reopening, paper scores)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists

from judging.accounts.models import Judge
from judging.assignment import service as assignments
from judging.assignment.models import Assignment, AssignmentStatus
from judging.auth import judge_required, organiser_required
from judging.competitions.models import Competition
from judging.competitions.rules import PHASE_LABELS
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import say
from judging.listing import ListSpec, listing
from judging.pending import keep_form, restore_form
from judging.responses import xlsx_download
from judging.review import service
from judging.review.forms import PaperScoresForm, ReasonForm, RubricForm, rubric_form
from judging.review.models import Review, ReviewStatus
from judging.rounds.service import all_criteria, criteria, current_round
from judging.storage import stream_download
from judging.submissions.files import open_file
from judging.submissions.models import Entry
from judging.web import error_text, perform

bp = Blueprint("review", __name__)

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _judge() -> Judge:
    judge = current_user.judge
    if judge is None:
        abort(404)
    return judge


def _own(assignment_id: int):  # noqa: ANN202
    """The current judge's own visible assignment, or 404 (the same as missing)."""
    assignment = service.own_assignment(_judge(), assignment_id)
    if assignment is None:
        abort(404)
    return assignment


# --- judge -------------------------------------------------------------------------


@bp.route("/judge")
@judge_required
def dashboard():
    return render_template(
        "review/dashboard.html",
        groups=service.judge_dashboard(_judge()),
        states=service.STATE_LABELS,
        labels=PHASE_LABELS,
    )


def _save(assignment, form: RubricForm) -> bool:  # noqa: ANN001
    """Validate and store the sheet; flash what happened. True when stored."""
    points, errors = form.parse()
    for error in errors:
        flash(say(error, _), "error")
    if errors:
        return False
    submit = request.form.get("action") == "submit"
    return perform(
        lambda: service.save_review(
            actor=current_user,
            assignment=assignment,
            points=points,
            comment=form.comment.data or "",
            submit=submit,
            now=utcnow(),
        ),
        done=_("评分已提交。") if submit else _("草稿已保存。"),
        refused=service.ReviewError,
    )


@bp.route("/judge/assignments/<int:assignment_id>", methods=["GET", "POST"])
@judge_required
def sheet(assignment_id: int):
    """The review copy and the score sheet.

    The page is drawn from service.judge_sheet (plain rows, no ORM objects) and
    its inputs are written out in the template from plain values: the stored
    scores, or what the judge typed when a save was refused (kept across the
    redirect, see judging.pending). This is the page
    judges open most; WTForms validates the POST.
    """
    if request.method == "POST":
        assignment = _own(assignment_id)
        form = rubric_form(
            criteria(assignment.entry.competition, assignment.round_no)
        )()
        if not (form.validate_on_submit() and _save(assignment, form)):
            if form.comment.errors:
                flash(_("总体评语过长（最多 5000 字）。"), "error")
            keep_form()  # redirect-after-post: the GET shows what was typed
        # Not assignment.id: commit() expired it, and reading it again would
        # answer a stored save with a 500 if the connection died meanwhile.
        return redirect(url_for("review.sheet", assignment_id=assignment_id))
    view = service.judge_sheet(_judge(), assignment_id)
    if view is None:
        abort(404)
    kept = restore_form()
    return render_template(
        "review/sheet.html",
        sheet=view,
        values=view.values() if kept is None else kept.to_dict(),
        paragraphs=service.review_paragraphs(view.copy),
        states=service.STATE_LABELS,
        photos=service.judge_photo_count(assignment_id),
    )


@bp.route("/judge/assignments/<int:assignment_id>/copy")
@judge_required
def copy(assignment_id: int):
    entry = _own(assignment_id).entry
    stored = entry.review_file
    if stored is None:
        abort(404)
    name = f"{entry.code}.{stored.kind}"
    return stream_download(open_file(stored), filename=name, mimetype=MIME[stored.kind])


@bp.route("/judge/assignments/<int:assignment_id>/photos/<int:position>")
@judge_required
def photo(assignment_id: int, position: int):
    """A photo attached to the entry, only where the organiser lets judges see
    them, and only its copy re-encoded without metadata (never the upload)."""
    entry = _own(assignment_id).entry
    photos = service.judge_photos(entry)
    if not 1 <= position <= len(photos):
        abort(404)
    stored = photos[position - 1].clean_file
    name = f"{entry.code}-{position}.{stored.kind.replace('jpeg', 'jpg')}"
    return stream_download(
        open_file(stored), filename=name, mimetype=f"image/{stored.kind}"
    )


@bp.route("/judge/assignments/<int:assignment_id>/conflict", methods=["POST"])
@judge_required
def declare_conflict(assignment_id: int):
    assignment = _own(assignment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("请填写回避原因。"), "error")
        return redirect(url_for("review.sheet", assignment_id=assignment.id))
    if perform(
        lambda: assignments.declare_conflict(
            actor=current_user,
            assignment=assignment,
            reason=form.reason.data,
            now=utcnow(),
        ),
        done=_("已登记回避，该作品已从您的评审任务中移除。"),
        refused=assignments.AssignmentError,
    ):
        return redirect(url_for("review.dashboard"))
    return redirect(url_for("review.sheet", assignment_id=assignment_id))


# --- organiser -----------------------------------------------------------------------


@bp.route("/competitions/<int:competition_id>/reviews")
@organiser_required
def progress(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    page = listing(assignments.round_entries(competition), _progress_spec(competition))
    return render_template(
        "review/progress.html",
        c=competition,
        l=page,
        rows=service.competition_progress(competition, page.items),
    )


def _progress_spec(c: Competition) -> ListSpec:
    """The review progress list: by code or title, searched by code and title,
    filtered to the entries still waiting for a review or to those done."""
    waiting = exists().where(
        Assignment.entry_id == Entry.id,
        Assignment.status == AssignmentStatus.ACTIVE,
        Assignment.round_no == current_round(c),
        ~exists().where(
            Review.assignment_id == Assignment.id,
            Review.status == ReviewStatus.SUBMITTED,
        ),
    )
    return ListSpec(
        sorts={"code": Entry.code, "title": Entry.title},
        default="code",
        tiebreak=Entry.id,
        search=(Entry.code, Entry.title),
        filters={"state": {"waiting": waiting, "done": ~waiting}.get},
        per_page=100,
    )


@bp.route("/entries/<int:entry_id>/reviews")
@organiser_required
def entry_reviews(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    return render_template(
        "review/entry_reviews.html",
        entry=entry,
        c=entry.competition,
        criteria=all_criteria(entry.competition),
        rows=service.entry_reviews(entry),
        states=service.STATE_LABELS,
        sources=service.SOURCE_LABELS,
        form=ReasonForm(),
    )


@bp.route("/reviews/<int:review_id>/reopen", methods=["POST"])
@organiser_required
def reopen(review_id: int):
    review = db.get_or_404(Review, review_id)
    entry_id = review.assignment.entry_id
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("请填写重新开放的原因。"), "error")
        return redirect(url_for("review.entry_reviews", entry_id=entry_id))
    perform(
        lambda: service.reopen_review(
            actor=current_user, review=review, reason=form.reason.data, now=utcnow()
        ),
        done=_("评分已重新开放，评审专家可以修改后再次提交。"),
        refused=service.ReviewError,
    )
    return redirect(url_for("review.entry_reviews", entry_id=entry_id))


@bp.route("/competitions/<int:competition_id>/paper-scores", methods=["GET", "POST"])
@organiser_required
def paper_scores(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = PaperScoresForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = service.import_paper_scores(
                actor=current_user,
                competition=competition,
                data=upload.read(),
                filename=upload.filename or "",
                now=utcnow(),
            )
        except service.ReviewError as exc:
            flash(error_text(exc), "error")
        if result is None or result.errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("纸质评分已导入。"), "success")
    return render_template(
        "review/paper_scores.html",
        c=competition,
        criteria=criteria(competition, current_round(competition)),
        form=form,
        result=result,
    )


@bp.route("/competitions/<int:competition_id>/paper-scores.xlsx")
@organiser_required
def paper_template(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return xlsx_download(service.paper_template_xlsx(competition), "纸质评分表.xlsx")

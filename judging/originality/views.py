"""The organiser's 查重 pages: the list of similar pairs, one pair side by side,
settling a pair, and running the check again."""

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

from judging.accounts.forms import ActionForm
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.originality import jobs, service
from judging.originality.forms import SettleForm
from judging.originality.models import SimilarPair
from judging.responses import job_progress
from judging.web import perform

bp = Blueprint("originality", __name__)


@bp.route("/competitions/<int:competition_id>/originality")
@organiser_required
def index(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    status = request.args.get("status", "")
    if status not in service.STATUS_LABELS:
        status = ""
    return render_template(
        "originality/index.html",
        c=competition,
        pairs=service.pairs_of(competition, status=status),
        status=status,
        statuses=service.STATUS_LABELS,
        kinds=service.KIND_LABELS,
        form=ActionForm(),
        job=jobs.latest_check(competition),
    )


@bp.route("/competitions/<int:competition_id>/originality/check", methods=["POST"])
@organiser_required
def check(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    running = jobs.latest_check(competition)
    if running is not None and running.active:
        flash(_("查重正在进行，请等它完成。"), "error")
    else:
        jobs.start_check(actor=current_user, competition=competition)
        db.session.commit()
        flash(_("查重已在后台开始，完成后本页显示结果。"), "success")
    return redirect(url_for("originality.index", competition_id=competition.id))


@bp.route("/competitions/<int:competition_id>/originality/progress")
@organiser_required
def progress(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    job = jobs.latest_check(competition)
    done_url = url_for("originality.index", competition_id=competition.id)
    return job_progress(job, done_url=done_url)


def _pair(pair_id: int) -> SimilarPair:
    return db.get_or_404(SimilarPair, pair_id)


@bp.route("/originality/<int:pair_id>")
@organiser_required
def pair(pair_id: int):
    found = _pair(pair_id)
    a, b = service.sides(found)
    return render_template(
        "originality/pair.html",
        pair=found,
        a=a,
        b=b,
        c=db.session.get(Competition, found.competition_id),
        kinds=service.KIND_LABELS,
        statuses=service.STATUS_LABELS,
        form=SettleForm(),
    )


@bp.route("/originality/<int:pair_id>/settle", methods=["POST"])
@organiser_required
def settle(pair_id: int):
    found = _pair(pair_id)
    form = SettleForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("originality.pair", pair_id=found.id))
    perform(
        lambda: service.settle(
            actor=current_user,
            pair=found,
            decision=form.decision.data,
            reason=form.reason.data,
            exclude_entry_id=form.exclude_entry_id.data,
            now=utcnow(),
        ),
        done=_("已记录处理结果。"),
        refused=service.OriginalityError,
    )
    return redirect(url_for("originality.pair", pair_id=found.id))

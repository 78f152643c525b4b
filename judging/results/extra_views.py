"""The extra-reviews page of the results blueprint: choose a budget, see this
round's plan and its expected gain, send the round."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from judging.auth import organiser_required
from judging.competitions.models import Competition, Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import say
from judging.results import extra, service
from judging.results.forms import ExtraReviewsForm
from judging.results.views import bp
from judging.web import error_text


def _reviewing(competition_id: int) -> Competition:
    """A competition in review, else 404 (no extra reviews once finalised)."""
    competition = db.get_or_404(Competition, competition_id)
    if competition.phase != Phase.REVIEWING:
        abort(404)
    return competition


def _choice(name: str, allowed: tuple[int, ...], default: int) -> int:
    value = request.args.get(name, type=int)
    return value if value in allowed else default


@bp.route("/competitions/<int:competition_id>/results/extra-reviews")
@organiser_required
def extra_reviews(competition_id: int):
    c = _reviewing(competition_id)
    share = _choice("share", extra.SHARES, extra.DEFAULT_SHARE)
    rounds = _choice("rounds", extra.ROUNDS, extra.DEFAULT_ROUNDS)
    try:
        plan = extra.plan(c, share=share, rounds=rounds)
    except service.ResultsError as exc:
        flash(error_text(exc), "error")
        plan = extra.ExtraPlan(share, rounds, 0, 0, 0, (), 0)
    form = ExtraReviewsForm(share=share, rounds=rounds)
    return render_template("results/extra_reviews.html", c=c, plan=plan, form=form)


@bp.route("/competitions/<int:competition_id>/results/extra-reviews", methods=["POST"])
@organiser_required
def send_extra_reviews(competition_id: int):
    c = _reviewing(competition_id)
    form = ExtraReviewsForm()
    if not form.validate_on_submit():
        abort(400)
    share, rounds = form.share.data, form.rounds.data
    try:
        sent, refused = extra.send_round(
            actor=current_user, competition=c, share=share, rounds=rounds, now=utcnow()
        )
    except service.ResultsError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
    else:
        db.session.commit()
        if sent:
            flash(
                _("本轮已为 %(n)d 篇作品各增派 1 位评审专家。", n=len(sent)), "success"
            )
        for reason in refused:
            flash(say(reason, _), "warning")
    return redirect(
        url_for(
            "results.extra_reviews", competition_id=c.id, share=share, rounds=rounds
        )
    )

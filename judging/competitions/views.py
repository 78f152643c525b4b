"""The organiser's competition pages and the role home pages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from judging.accounts.forms import ActionForm
from judging.auth import organiser_required
from judging.competitions import service
from judging.competitions.forms import CompetitionForm
from judging.competitions.models import Competition
from judging.competitions.rules import (
    DEFAULT_RUBRIC,
    DEFAULT_TIERS,
    PHASE_LABELS,
    local_day,
)
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.web import perform

bp = Blueprint("competitions", __name__)


def _extras(form: CompetitionForm) -> service.Extras:
    return service.Extras(
        theme=form.theme.data or "",
        code_prefix=(form.code_prefix.data or "ZW").strip().upper(),
        disagreement_threshold=form.disagreement_threshold.data,
        similarity_percent=form.similarity_percent.data,
        issuer=form.issuer.data or "",
        issued_on=form.issued_on.data,
    )


@bp.route("/competitions")
@organiser_required
def index():
    return render_template(
        "competitions/index.html", rows=service.dashboard_rows(), labels=PHASE_LABELS
    )


@bp.route("/competitions/new", methods=["GET", "POST"])
@organiser_required
def create():
    form = CompetitionForm()
    if request.method == "GET":
        form.opens_on.data = date.today()
        form.fill_rows(list(DEFAULT_RUBRIC), list(DEFAULT_TIERS))
    elif form.validate_on_submit():
        try:
            c = service.create_competition(
                actor=current_user,
                settings=form.settings(),
                extras=_extras(form),
                confirm_total=form.confirm_total.data,
            )
        except service.CompetitionError as exc:
            for error in exc.errors:
                flash(error, "error")
        else:
            db.session.commit()
            flash(_("竞赛已创建。"), "success")
            return redirect(url_for("competitions.detail", competition_id=c.id))
    return render_template("competitions/edit.html", form=form, competition=None)


@bp.route("/competitions/<int:competition_id>")
@organiser_required
def detail(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    target = service.next_phase(c)
    problems = service.transition_problems(c, target) if target else []
    return render_template(
        "competitions/detail.html",
        c=c,
        target=target,
        problems=problems,
        early=service.early_close_warning(c, utcnow()) if target == "closed" else "",
        labels=PHASE_LABELS,
        form=ActionForm(),
    )


@bp.route("/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = CompetitionForm(obj=None if request.method == "GET" else None)
    if request.method == "GET":
        form.process(
            data={
                "title": c.title,
                "theme": c.theme,
                "code_prefix": c.code_prefix,
                "opens_on": local_day(c.opens_at),
                "closes_on": local_day(c.closes_at, inclusive_end=True),
                "min_entries": c.min_entries,
                "max_entries": c.max_entries,
                "file_types": sorted(c.accepted_types),
                "max_file_mb": c.max_file_mb,
                "min_words": c.min_words,
                "max_words": c.max_words,
                "reviews_per_entry": c.reviews_per_entry,
                "disagreement_threshold": c.disagreement_threshold,
                "similarity_percent": c.similarity_percent,
                "issuer": c.issuer,
                "issued_on": c.issued_on,
            }
        )
        form.fill_rows(list(c.criteria), list(c.tiers))
    elif form.validate_on_submit():
        if perform(
            lambda: service.update_competition(
                actor=current_user,
                competition=c,
                settings=form.settings(),
                extras=_extras(form),
                confirm_total=form.confirm_total.data,
            ),
            done=_("竞赛设置已保存。"),
            refused=service.CompetitionError,
        ):
            return redirect(url_for("competitions.detail", competition_id=c.id))
    return render_template("competitions/edit.html", form=form, competition=c)


@bp.route("/competitions/<int:competition_id>/phase", methods=["POST"])
@organiser_required
def advance(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    target = request.form.get("target", "")
    confirmed = request.form.get("confirm_early") == "1"
    perform(
        lambda: service.advance_phase(
            actor=current_user, competition=c, target=target, confirm_early=confirmed
        ),
        done=_("竞赛已进入“%(phase)s”阶段。", phase=PHASE_LABELS.get(target, target)),
        refused=service.CompetitionError,
    )
    return redirect(url_for("competitions.detail", competition_id=c.id))

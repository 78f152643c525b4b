"""The award rules page of the results blueprint: tiers per category or overall,
the 优秀组织奖 rule and its outcome with overrides, the certificate mode."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from judging.accounts.forms import ActionForm
from judging.accounts.models import Unit
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.results import rules_service
from judging.results.forms import AwardRulesForm, OrganisationOverrideForm
from judging.results.views import bp
from judging.web import perform


def _judged(competition_id: int) -> Competition:
    """A judged competition, else 404 (a collection gives no awards)."""
    competition = db.get_or_404(Competition, competition_id)
    if competition.is_collection:
        abort(404)
    return competition


def _to_rules(competition: Competition):  # noqa: ANN202
    return redirect(url_for("results.rules", competition_id=competition.id))


def _override_form(competition: Competition, lines: list) -> OrganisationOverrideForm:
    form = OrganisationOverrideForm()
    form.unit_id.choices = [(line.unit_id, line.unit.name) for line in lines]
    return form


@bp.route("/competitions/<int:competition_id>/results/rules", methods=["GET", "POST"])
@organiser_required
def rules(competition_id: int):
    c = _judged(competition_id)
    form = AwardRulesForm()
    if request.method == "GET":
        r = rules_service.rules_of(c)
        form.process(data=asdict(r))
    elif form.validate_on_submit() and perform(
        lambda: rules_service.set_award_rules(
            actor=current_user, competition=c, rules=form.rules()
        ),
        done=_("评奖规则已保存。"),
        refused=rules_service.RulesError,
    ):
        return _to_rules(c)
    lines = rules_service.organisation_rows(c)
    return render_template(
        "results/rules.html",
        c=c,
        form=form,
        lines=lines,
        override=_override_form(c, lines),
        editable=c.phase in rules_service.OVERRIDE_PHASES,
    )


@bp.route(
    "/competitions/<int:competition_id>/results/organisation-overrides",
    methods=["POST"],
)
@organiser_required
def organisation_override(competition_id: int):
    c = _judged(competition_id)
    form = _override_form(c, rules_service.organisation_rows(c))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _to_rules(c)
    unit = db.get_or_404(Unit, form.unit_id.data)
    perform(
        lambda: rules_service.set_organisation_override(
            actor=current_user,
            competition=c,
            unit=unit,
            is_awarded=form.target.data == "1",
            reason=form.reason.data or "",
            now=utcnow(),
        ),
        done=_("优秀组织奖调整已保存。"),
        refused=rules_service.RulesError,
    )
    return _to_rules(c)


@bp.route(
    "/competitions/<int:competition_id>/results/organisation-overrides/"
    "<int:unit_id>/clear",
    methods=["POST"],
)
@organiser_required
def clear_organisation_override(competition_id: int, unit_id: int):
    c = _judged(competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    unit = db.get_or_404(Unit, unit_id)
    perform(
        lambda: rules_service.clear_organisation_override(
            actor=current_user, competition=c, unit=unit
        ),
        done=_("已撤销该单位的调整。"),
        refused=rules_service.RulesError,
    )
    return _to_rules(c)

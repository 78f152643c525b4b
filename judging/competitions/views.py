"""The organiser's competition pages and the role home pages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from judging.accounts.forms import ActionForm
from judging.accounts.models import Unit
from judging.auth import organiser_required
from judging.competitions import eligibility, service
from judging.competitions.forms import CompetitionForm, EligibilityForm
from judging.competitions.models import Competition, EligibleUnit
from judging.competitions.rules import (
    ATTACHMENT_LABELS,
    KIND_LABELS,
    PHASE_LABELS,
    default_scheme,
    local_day,
    phases_for,
)
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.listing import ListSpec, listing
from judging.results import computed
from judging.web import error_texts, perform, select_locale

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
        rubric, tiers = default_scheme(select_locale())
        form.fill_rows(list(rubric), list(tiers))
    elif form.validate_on_submit():
        try:
            c = service.create_competition(
                actor=current_user,
                settings=form.settings(),
                extras=_extras(form),
                confirm_total=form.confirm_total.data,
            )
        except service.CompetitionError as exc:
            for error in error_texts(exc):
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
        results_at=computed.stored_computed_at(c.id),
        early=service.early_close_warning(c, utcnow()) if target == "closed" else "",
        labels=PHASE_LABELS,
        phases=phases_for(c.kind),
        kind_labels=KIND_LABELS,
        mode_labels=eligibility.MODE_LABELS,
        attachment_labels=ATTACHMENT_LABELS,
        eligible_count=len(service.eligible_unit_ids(c)),
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
                "kind": c.kind,
                "categories": "\n".join(c.category_list),
                "people": c.people,
                "required_fields": sorted(c.required_field_set),
                "attachment_kinds": sorted(c.attachment_kind_set),
                "max_attachments": c.max_attachments,
                "max_video_mb": c.max_video_mb,
                "max_entry_mb": c.max_entry_mb,
                "attachments_to_judges": c.attachments_to_judges,
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


def _eligibility_form(c: Competition) -> EligibilityForm:
    form = EligibilityForm()
    form.mode.choices = [(m, _(label)) for m, label in eligibility.MODE_LABELS.items()]
    form.kinds.choices = [(k, _(k)) for k in eligibility.UNIT_KINDS]
    form.group.choices = [(g, _(g)) for g in service.known_groups()]
    return form


def _listed(c: Competition) -> frozenset[int]:
    return frozenset(e.unit_id for e in c.eligible_units)


def _on_list_filter(c: Competition):  # noqa: ANN202
    def make(value: str):  # noqa: ANN202
        on = select(EligibleUnit.unit_id).where(EligibleUnit.competition_id == c.id)
        return {"yes": Unit.id.in_(on), "no": Unit.id.not_in(on)}.get(value)

    return make


def _admitted_filter(admitted: set[int]):  # noqa: ANN202
    def make(value: str):  # noqa: ANN202
        ids = sorted(admitted)
        return {"yes": Unit.id.in_(ids), "no": Unit.id.not_in(ids)}.get(value)

    return make


def _eligibility_units(c: Competition, admitted: set[int]) -> ListSpec:
    """The units list of the eligibility page: thousands of units, so searched,
    filtered and paged on the server like every long list."""
    return ListSpec(
        sorts={"name": Unit.name, "kind": Unit.kind, "id": Unit.id},
        default="id",
        tiebreak=Unit.id,
        search=(Unit.name, Unit.short_name, Unit.aliases),
        filters={
            "kind": lambda v: Unit.kind == v,
            "pilot": lambda v: {
                "yes": Unit.is_pilot.is_(True),
                "no": Unit.is_pilot.is_(False),
            }.get(v),
            "listed": _on_list_filter(c),
            "admitted": _admitted_filter(admitted),
        },
        per_page=100,
    )


@bp.route("/competitions/<int:competition_id>/eligibility", methods=["GET", "POST"])
@organiser_required
def eligibility_page(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = _eligibility_form(c)
    if request.method == "GET":
        form.mode.data = c.eligibility_mode
        form.kinds.data = sorted(c.eligibility_kind_set)
        form.group.data = c.eligibility_group or eligibility.PILOT_GROUP
    elif form.validate_on_submit():
        rule = eligibility.Rule(
            mode=form.mode.data,
            kinds=frozenset(form.kinds.data or ()),
            group=form.group.data or "",
            unit_ids=_listed(c),
        )
        if _save_eligibility(c, rule):
            return redirect(
                url_for("competitions.eligibility_page", competition_id=c.id)
            )
    else:
        flash(_("请检查所选的范围、类型、分组或单位。"), "error")
    admitted = set(service.eligible_unit_ids(c))
    page = listing(select(Unit), _eligibility_units(c, admitted))
    return render_template(
        "competitions/eligibility.html",
        c=c,
        form=form,
        l=page,
        admitted=admitted,
        listed=_listed(c),
        kinds=eligibility.UNIT_KINDS,
        action=ActionForm(),
    )


def _save_eligibility(c: Competition, rule: eligibility.Rule) -> bool:
    try:
        outside = service.set_eligibility(actor=current_user, competition=c, rule=rule)
    except service.CompetitionError as exc:
        db.session.rollback()
        for error in error_texts(exc):
            flash(error, "error")
        return False
    db.session.commit()
    flash(_("参与单位已保存。"), "success")
    if outside:
        flash(
            _(
                "已有 %(n)d 件作品来自不在新范围内的单位：作品保留，"
                "这些单位仍可查看，但不能再新增。",
                n=outside,
            ),
            "warning",
        )
    return True


@bp.route("/competitions/<int:competition_id>/eligibility/units", methods=["POST"])
@organiser_required
def eligibility_units(competition_id: int):
    """Add the ticked units to the named list (the call then uses the list), or
    take them off it: a bulk action over the paged units list."""
    c = db.get_or_404(Competition, competition_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    ticked = {int(i) for i in request.form.getlist("unit") if i.isdigit()}
    if not ticked:
        flash(_("请先勾选单位。"), "error")
    else:
        listed = set(_listed(c))
        adding = request.form.get("do") != "remove"
        rule = eligibility.Rule(
            mode="list",
            kinds=frozenset(c.eligibility_kind_set),
            group=c.eligibility_group or "",
            unit_ids=frozenset(listed | ticked if adding else listed - ticked),
        )
        _save_eligibility(c, rule)
    kept = ("q", "sort", "page", "kind", "pilot", "listed", "admitted")
    args = {k: v for k, v in request.args.items() if k in kept}
    return redirect(
        url_for("competitions.eligibility_page", competition_id=c.id, **args)
    )

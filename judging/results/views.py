"""Results pages: the organiser's ranking, charts and files; the public award list;
each unit's own results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from judging.accounts.forms import ActionForm
from judging.auth import organiser_required, unit_required
from judging.competitions.models import Competition, Phase
from judging.competitions.service import transition_problems
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.responses import pdf_download, xlsx_download
from judging.results import charts, exports, service
from judging.results.forms import EXCLUDE, FinaliseForm, OverrideForm
from judging.submissions.models import Entry
from judging.web import perform

bp = Blueprint("results", __name__)


def _competition(competition_id: int) -> Competition:
    """A competition in reviewing or later, else 404 (results exist from then on)."""
    competition = db.get_or_404(Competition, competition_id)
    if competition.phase not in service.REVIEW_PHASES:
        abort(404)
    return competition


def _published(competition_id: int) -> Competition:
    competition = db.get_or_404(Competition, competition_id)
    if competition.phase != Phase.PUBLISHED:
        abort(404)
    return competition


def _entry(competition: Competition, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.competition_id != competition.id:
        abort(404)
    return entry


def _back(competition: Competition, **args: str):  # noqa: ANN202
    return redirect(url_for("results.index", competition_id=competition.id, **args))


def _override_form(table: service.ResultsTable) -> OverrideForm:
    form = OverrideForm()
    form.fill(
        entries=[
            (r.entry.id, f"{service.entry_key(r.entry)} {r.entry.title}")
            for r in table.rows
        ],
        tiers=[t.name for t in table.competition.tiers],
    )
    return form


def _table(competition: Competition, method: str | None) -> service.ResultsTable:
    try:
        return service.results_table(competition, method=method)
    except service.ResultsError as exc:
        flash(str(exc), "error")
        return service.ResultsTable(competition, service.DEFAULT_METHOD, False, ())


@bp.route("/competitions/<int:competition_id>/results")
@organiser_required
def index(competition_id: int):
    c = _competition(competition_id)
    table = _table(c, request.args.get("method"))
    finalise = FinaliseForm(method=table.method)
    problems = (
        transition_problems(c, Phase.FINALISED) if c.phase == Phase.REVIEWING else []
    )
    return render_template(
        "results/index.html",
        c=c,
        table=table,
        methods=service.METHOD_LABELS,
        finalise=finalise,
        problems=problems,
        override=_override_form(table),
        overrides={o.entry_id: o for o in service.overrides_of(c)},
        chart=_probability_chart(table),
        form=ActionForm(),
    )


def _probability_chart(table: service.ResultsTable) -> Markup | None:
    rows = [
        charts.Probability(
            label=service.entry_key(r.entry),
            probability=r.tier_probability,
            tier=r.tier,
        )
        for r in table.rows
        if r.tier_probability is not None
    ]
    if not rows:
        return None
    tiers = [t.name for t in table.competition.tiers] + [service.NOT_AWARDED]
    return Markup(  # noqa: S704 (charts escapes every text itself)
        charts.probability_svg(rows, tiers=tiers, title=_("各作品奖项归属概率"))
    )


@bp.route("/competitions/<int:competition_id>/results/overrides", methods=["POST"])
@organiser_required
def override(competition_id: int):
    c = _competition(competition_id)
    form = _override_form(service.results_table(c))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back(c)
    exclude = form.target.data == EXCLUDE
    entry = _entry(c, form.entry_id.data)
    perform(
        lambda: service.set_override(
            actor=current_user,
            competition=c,
            entry=entry,
            tier=None if exclude else form.target.data,
            exclude=exclude,
            reason=form.reason.data,
            now=utcnow(),
        ),
        done=_("已记录调整及理由。"),
        refused=service.ResultsError,
    )
    return _back(c)


@bp.route(
    "/competitions/<int:competition_id>/results/overrides/<int:entry_id>/clear",
    methods=["POST"],
)
@organiser_required
def clear_override(competition_id: int, entry_id: int):
    c = _competition(competition_id)
    entry = _entry(c, entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    perform(
        lambda: service.clear_override(actor=current_user, competition=c, entry=entry),
        done=_("已撤销该作品的调整。"),
        refused=service.ResultsError,
    )
    return _back(c)


@bp.route(
    "/competitions/<int:competition_id>/results/extra/<int:entry_id>",
    methods=["POST"],
)
@organiser_required
def extra_review(competition_id: int, entry_id: int):
    c = _competition(competition_id)
    entry = _entry(c, entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = service.request_extra_review(
            actor=current_user, competition=c, entry=entry, now=utcnow()
        )
    except service.ResultsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _(
                "已为作品 %(code)s 增派 %(n)d 位评审专家。",
                code=entry.code,
                n=len(added),
            ),
            "success",
        )
    return _back(c)


@bp.route("/competitions/<int:competition_id>/results/finalise", methods=["POST"])
@organiser_required
def finalise(competition_id: int):
    c = _competition(competition_id)
    form = FinaliseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.finalise(
            actor=current_user, competition=c, method=form.method.data, now=utcnow()
        )
    except service.ResultsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(c, method=form.method.data)
    db.session.commit()
    flash(
        _("结果已定稿（%(m)s）。", m=service.METHOD_LABELS[c.ranking_method]), "success"
    )
    return _back(c)


@bp.route("/competitions/<int:competition_id>/results/publish", methods=["POST"])
@organiser_required
def publish(competition_id: int):
    c = _competition(competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    perform(
        lambda: service.publish(actor=current_user, competition=c, now=utcnow()),
        done=_("获奖名单已公布。"),
        refused=service.ResultsError,
    )
    return _back(c)


@bp.route("/competitions/<int:competition_id>/reliability")
@organiser_required
def reliability(competition_id: int):
    c = _competition(competition_id)
    stats = service.reliability(c)
    histogram = forest = None
    if stats is not None:
        histogram = charts.histogram_svg(
            [charts.Bin(b.low, b.high, b.count) for b in stats.histogram],
            title=_("评审总分分布"),
        )
        forest = charts.forest_svg(
            [
                charts.Interval(j.name, e.severity, e.severity_low, e.severity_high)
                for j, e in stats.judges
            ],
            title=_("评审专家宽严程度（分）"),
        )
    return render_template(
        "results/reliability.html",
        c=c,
        stats=stats,
        histogram=Markup(histogram) if histogram else None,  # noqa: S704
        forest=Markup(forest) if forest else None,  # noqa: S704
    )


@bp.route("/competitions/<int:competition_id>/awards.xlsx")
@organiser_required
def award_list_xlsx(competition_id: int):
    c = _competition(competition_id)
    table = service.results_table(c, method=request.args.get("method"))
    return xlsx_download(exports.award_list_xlsx(table), f"{c.title}-获奖名单.xlsx")


@bp.route("/competitions/<int:competition_id>/awards.pdf")
@organiser_required
def award_list_pdf(competition_id: int):
    c = _competition(competition_id)
    table = service.results_table(c, method=request.args.get("method"))
    return pdf_download(exports.award_list_pdf(table), f"{c.title}-获奖名单.pdf")


@bp.route("/competitions/<int:competition_id>/scores.xlsx")
@organiser_required
def score_sheet(competition_id: int):
    c = _competition(competition_id)
    table = service.results_table(c, method=request.args.get("method"))
    data = exports.score_sheet_xlsx(table, service.review_details(c))
    return xlsx_download(data, f"{c.title}-评分总表.xlsx")


@bp.route("/awards/<int:competition_id>")
def public(competition_id: int):
    from judging.publication.service import corrections as corrections_of

    c = _published(competition_id)
    groups = service.group_by_tier(service.public_rows(c))
    corrections = corrections_of(c)
    return render_template(
        "results/public.html",
        c=c,
        groups=groups,
        corrections=corrections,
        corrected={k.entry_id: k for k in corrections},
    )


@bp.route("/unit/competitions/<int:competition_id>/results")
@unit_required
def unit(competition_id: int):
    from judging.certificates.service import unit_rows as certificates_of

    c = _published(competition_id)
    rows = service.unit_rows(c, unit_id=current_user.unit_id)
    certificates = certificates_of(c, current_user.unit)
    return render_template(
        "results/unit.html", c=c, rows=rows, certificates=len(certificates)
    )

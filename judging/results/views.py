"""Results pages: the organiser's ranking, charts and files; the public award list;
each unit's own results."""

from __future__ import annotations

import statistics
import threading
from collections import OrderedDict

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from judging import jobs as queue
from judging.accounts.forms import ActionForm
from judging.assignment.models import Assignment
from judging.auth import organiser_required, unit_required
from judging.competitions.models import Competition, Phase
from judging.competitions.service import transition_problems
from judging.dbtypes import utcnow
from judging.downloads import jobs as downloads
from judging.downloads.forms import StartForm
from judging.downloads.views import too_large
from judging.extensions import db
from judging.responses import job_progress, pdf_download, xlsx_download
from judging.results import charts, computed, explain, service
from judging.results import jobs as results_jobs
from judging.results.forms import EXCLUDE, FinaliseForm, OverrideForm
from judging.review.models import Review
from judging.rounds import service as rounds_service
from judging.submissions.models import Entry
from judging.web import error_text, perform

bp = Blueprint("results", __name__)
PER_PAGE = 200  # rows of the results table per page (the XLSX has them all)


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


def _override_form(competition: Competition) -> OverrideForm:
    form = OverrideForm()
    form.fill(tiers=[t.name for t in competition.tiers])
    return form


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _freshness(c: Competition) -> tuple[computed.Status, queue.JobStatus | None]:
    """What is stored for the live results and, when it is stale, the
    recomputation asked for now (queued, never run in this request)."""
    if c.phase != Phase.REVIEWING:
        status = computed.frozen_status(c)
        if status.computed_at is not None:
            return status, None
    else:
        status = computed.status(c)
        if status.is_current:
            return status, None
    job_id = results_jobs.request_recompute(
        c, fingerprint=status.fingerprint, owner_id=current_user.id
    )
    db.session.commit()
    job = queue.job_status(job_id)
    if job is not None and job.finished:  # ran inline (JOBS_IMMEDIATE)
        status = (
            computed.status(c)
            if c.phase == Phase.REVIEWING
            else (computed.frozen_status(c))
        )
        return status, None
    return status, job


def _table(
    competition: Competition, method: str | None, *, page: int = 1
) -> service.ResultsTable:
    chosen = service.method_or_default(competition, method)
    empty = service.ResultsTable(competition, chosen, False, ())
    try:
        if competition.phase != Phase.REVIEWING:
            return service.frozen_table(competition, page=page, per_page=PER_PAGE)
        table = service.stored_table(
            competition, method=chosen, page=page, per_page=PER_PAGE
        )
    except service.ResultsError as exc:
        flash(error_text(exc), "error")
        return empty
    return table or empty


@bp.route("/competitions/<int:competition_id>/results")
@organiser_required
def index(competition_id: int):
    c = _competition(competition_id)
    status, job = _freshness(c) if c.phase == Phase.REVIEWING else (None, None)
    table = _table(c, request.args.get("method"), page=_page())
    finalise = FinaliseForm(method=table.method)
    problems = (
        transition_problems(c, Phase.FINALISED) if c.phase == Phase.REVIEWING else []
    )
    return render_template(
        "results/index.html",
        c=c,
        files_by_job=downloads.needs_job(c),
        file_form=StartForm(),
        table=table,
        status=status,
        job=job,
        methods=service.METHOD_LABELS,
        finalise=finalise,
        problems=problems,
        override=_override_form(c) if c.phase == Phase.REVIEWING else None,
        overrides={o.entry_id: o for o in service.overrides_of(c)},
        chart=_probability_chart(table),
        form=ActionForm(),
        doubt=(doubt := _doubt(table)),
        doubt_said=_said(doubt.summary) if table.rows else None,
        rows_by_id={r.entry.id: r for r in table.rows},
        plain=_plain_scores(c) if table.is_frozen else {},
        reasons={s.entry.id: s.reason for s in table.suggestions},
        round_lines=rounds_service.explanation(c),
    )


def _plain_scores(c: Competition) -> dict[int, tuple[float, float]]:
    """Each entry's mean and median of its submitted totals, for the frozen
    table: the organiser can then explain why 73.33 ranks below 72.75."""
    totals: dict[int, list[float]] = {}
    # Two columns in one statement: loading every review with its scores and
    # judge took seconds at 5,000 entries.
    for entry_id, total in db.session.execute(
        select(Assignment.entry_id, Review.total)
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(*computed.counted_reviews(c.id))
    ):
        totals.setdefault(entry_id, []).append(float(total))
    return {
        entry_id: (statistics.fmean(values), statistics.median(values))
        for entry_id, values in totals.items()
    }


@bp.route("/competitions/<int:competition_id>/results/progress")
@organiser_required
def progress(competition_id: int):
    c = _competition(competition_id)
    job = results_jobs.latest_job(c.id)
    return job_progress(job, done_url=url_for("results.index", competition_id=c.id))


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
    tiers = [t.name for t in table.competition.tiers]  # 未获奖 is drawn grey
    return Markup(  # noqa: S704 (charts escapes every text itself)
        charts.probability_svg(rows, tiers=tiers, title=_("各作品奖项归属概率"))
    )


@bp.route("/competitions/<int:competition_id>/results/overrides", methods=["POST"])
@organiser_required
def override(competition_id: int):
    c = _competition(competition_id)
    form = _override_form(c)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back(c)
    exclude = form.target.data == EXCLUDE
    entry = service.entry_by_key(c, form.entry.data)
    if entry is None:
        flash(
            _(
                "本次征文没有编号为“%(code)s”的已报送作品，请核对编号"
                "（见上方结果表的“编号”列）。",
                code=form.entry.data,
            ),
            "error",
        )
        return _back(c)
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
        flash(error_text(exc), "error")
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
        flash(error_text(exc), "error")
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
    status, job = _freshness(c)
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
        said=_reliability_words(stats),
        status=status,
        job=job,
        histogram=Markup(histogram) if histogram else None,  # noqa: S704
        forest=Markup(forest) if forest else None,  # noqa: S704
    )


def _said(x: explain.Explanation | None) -> dict | None:
    """An explanation rendered for a template: its words, level and action."""
    if x is None:
        return None
    return {"text": explain.render(x, _), "level": x.level, "action": x.action}


def _reliability_words(stats: service.Reliability | None) -> dict:
    """What the reliability page's numbers mean, one line each."""
    if stats is None:
        return {}
    judges = {}
    for judge, e in stats.judges:
        words = [
            explain.render(
                explain.severity(e.severity, e.severity_low, e.severity_high), _
            )
        ]
        spread = explain.spread(e.scale)
        if spread is not None:
            words.append(explain.render(spread, _))
        judges[judge.id] = "；".join(words)
    return {
        "alpha": _said(explain.agreement(stats.alpha, stats.n_reviews)),
        "judges": judges,
    }


def _doubt(table: service.ResultsTable) -> explain.Doubt:
    candidates = [
        explain.Candidate(r.entry.id, r.entry.code or "", r.tier_probability, r.tier)
        for r in table.rows
        if r.tier_probability is not None and not r.is_excluded
    ]
    return explain.doubt(candidates, total=len(table.rows))


def _file_table(c: Competition) -> service.ResultsTable | None:
    """Every row, as stored (frozen, or the live results last computed); None
    when nothing is stored yet: the results page then queues the computation."""
    if c.phase != Phase.REVIEWING:
        return service.frozen_table(c)
    method = service.method_or_default(c, request.args.get("method"))
    try:
        table = service.stored_table(c, method=method)
        if table is None:  # never computed: queue it (inline under JOBS_IMMEDIATE)
            _freshness(c)
            table = service.stored_table(c, method=method)
    except service.ResultsError as exc:
        flash(error_text(exc), "error")
        return None
    if table is None:
        flash(_("结果正在计算，完成后即可下载。"), "warning")
    return table


def _organisations(c: Competition) -> list:
    """The units given the 优秀组织奖 (computed from the frozen results only)."""
    from judging.results.rules_service import organisation_rows

    if c.phase == Phase.REVIEWING:
        return []
    return organisation_rows(c, awarded_only=True)


@bp.route("/competitions/<int:competition_id>/awards.xlsx")
@organiser_required
def award_list_xlsx(competition_id: int):
    from judging.results import exports  # openpyxl, reportlab: only when asked

    c = _competition(competition_id)
    if downloads.needs_job(c):
        return too_large(c, "awards-xlsx")
    table = _file_table(c)
    if table is None:
        return _back(c)
    data = exports.award_list_xlsx(table, _organisations(c))
    return xlsx_download(data, f"{c.title}-获奖名单.xlsx")


@bp.route("/competitions/<int:competition_id>/awards.pdf")
@organiser_required
def award_list_pdf(competition_id: int):
    from judging.results import exports  # openpyxl, reportlab: only when asked

    c = _competition(competition_id)
    if downloads.needs_job(c):
        return too_large(c, "awards-pdf")
    table = _file_table(c)
    if table is None:
        return _back(c)
    data = exports.award_list_pdf(table, _organisations(c))
    return pdf_download(data, f"{c.title}-获奖名单.pdf")


@bp.route("/competitions/<int:competition_id>/scores.xlsx")
@organiser_required
def score_sheet(competition_id: int):
    from judging.results import exports  # openpyxl, reportlab: only when asked

    c = _competition(competition_id)
    if downloads.needs_job(c):
        return too_large(c, "scores")
    table = _file_table(c)
    if table is None:
        return _back(c)
    data = exports.score_sheet_xlsx(table, service.review_details(c))
    return xlsx_download(data, f"{c.title}-评分总表.xlsx")


_PUBLIC_LOCK = threading.Lock()
PUBLIC_CACHE_SIZE = 16


def _public_list(c: Competition) -> Markup:
    """The rendered list of a published competition, cached per process until
    it is published again, corrected, or a unit renamed (see
    service.public_list_version): anyone may ask for it, often."""
    key = (*service.public_list_version(c), str(get_locale()))
    lists = current_app.extensions.setdefault("judging_public_lists", OrderedDict())
    with _PUBLIC_LOCK:
        cached = lists.get(key)
        if cached is not None:
            lists.move_to_end(key)
            return cached
    from judging.publication.service import corrections as corrections_of
    from judging.results.rules_service import public_organisation_rows

    groups = service.group_by_tier(service.public_rows(c))
    corrections = corrections_of(c)
    organisations = public_organisation_rows(c)
    body = Markup(  # noqa: S704 (a template Jinja escaped)
        render_template(
            "results/_public_list.html",
            groups=groups,
            categories=bool(c.category_list),
            organisations=organisations,
            corrections=corrections,
            corrected={k.entry_id: k for k in corrections},
        )
    )
    with _PUBLIC_LOCK:
        lists[key] = body
        while len(lists) > PUBLIC_CACHE_SIZE:
            lists.popitem(last=False)
    return body


@bp.route("/awards/<int:competition_id>")
def public(competition_id: int):
    c = _published(competition_id)
    return render_template("results/public.html", c=c, body=_public_list(c))


@bp.route("/unit/competitions/<int:competition_id>/results")
@unit_required
def unit(competition_id: int):
    from judging.certificates.service import unit_organisation_rows
    from judging.certificates.service import unit_rows as certificates_of
    from judging.submissions.service import visible_to

    c = _published(competition_id)
    if not visible_to(c, current_user.unit):
        abort(404)
    rows = service.unit_rows(c, unit_id=current_user.unit_id)
    certificates = certificates_of(c, current_user.unit)
    from judging.results.rules_service import public_organisation_rows

    units = unit_organisation_rows(c, current_user.unit)
    honoured = any(
        line.unit_id == current_user.unit_id for line in public_organisation_rows(c)
    )
    return render_template(
        "results/unit.html",
        c=c,
        rows=rows,
        certificates=len(certificates) + len(units),
        honoured=honoured,
    )


# The extra-reviews, award-rules and "why this score" pages live in their own
# modules, on this blueprint.
from judging.results import extra_views, rules_views, why_views  # noqa: E402, F401

"""The organiser's assignment pages: plan, conflicts, manual edits, progress, mail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

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

from judging.accounts.forms import ActionForm
from judging.accounts.models import Judge, Unit
from judging.assignment import notify, service, solver
from judging.assignment.forms import (
    ApplyForm,
    ConflictForm,
    JudgeForm,
    NoticeForm,
    PlanForm,
    ReasonForm,
)
from judging.assignment.models import Assignment, Conflict
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import say
from judging.listing import ListSpec, listing
from judging.messages.models import Message, MessageStatus
from judging.responses import xlsx_download
from judging.results import explain
from judging.results.service import entry_by_key
from judging.submissions.models import Entry
from judging.web import error_texts, login_url, perform

bp = Blueprint("assignment", __name__)
NOTICES_PER_PAGE = 20  # a notice is long: a page is what one copies at a time

CHART_WIDTH = 720
BAR_HEIGHT = 18
LABEL_WIDTH = 150


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    fill: str
    value: int


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]], fills: Sequence[str]
) -> Chart:
    """Geometry of a horizontal stacked bar chart, drawn as inline SVG."""
    top = max((sum(values) for _, values in rows), default=0) or 1
    scale = CHART_WIDTH / top
    bars = []
    for i, (label, values) in enumerate(rows):
        x, segments = float(LABEL_WIDTH), []
        for value, fill in zip(values, fills, strict=True):
            segments.append(Segment(x, value * scale, fill, value))
            x += value * scale
        bars.append(Bar(label, i * (BAR_HEIGHT + 6) + 4, sum(values), segments))
    return Chart(
        width=LABEL_WIDTH + CHART_WIDTH + 40,
        height=len(rows) * (BAR_HEIGHT + 6) + 8,
        label_width=LABEL_WIDTH,
        bars=bars,
    )


def _back(competition_id: int) -> str:
    return url_for("assignment.plan", competition_id=competition_id)


def _fail(exc: Exception) -> None:
    """Roll back and say the refusal, each of its reasons on a line of its own."""
    db.session.rollback()
    for message in error_texts(exc):
        flash(message, "error")


# --- the plan ----------------------------------------------------------------------


@bp.route("/competitions/<int:competition_id>/assignment")
@organiser_required
def plan(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    asked = "seed" in request.args
    suggested_k = request.args.get("k", type=int)  # a page's "one more judge" link
    form = PlanForm(
        formdata=request.args if asked else None,
        k=suggested_k if suggested_k and 0 < suggested_k < 100 else service.round_k(c),
        seed=service.new_seed(),
    )
    preview, reasons, chart = None, [], None
    if asked and form.validate():
        try:
            preview = service.preview_plan(
                competition=c, k=form.k.data, seed=form.seed.data
            )
        except solver.AssignmentInfeasible as exc:
            reasons = error_texts(exc)
        except service.AssignmentError as exc:
            for message in error_texts(exc):
                flash(message, "error")
    said = []
    if preview is not None:
        rows = [(r.judge.name, (r.kept, r.new)) for r in preview.rows]
        chart = stacked_bars(rows, ("#57606a", "#b3261e"))
        stats = preview.plan.stats
        said = [
            (explain.render(x, _), x.level, x.action)
            for x in (
                explain.connectivity(stats.components),
                explain.shared(stats.mean_shared_all),
                explain.same_affiliation(stats.same_affiliation_entries),
            )
            if x is not None
        ]
    current = listing(service.round_entries(c), _panel_spec(c))
    return render_template(
        "assignment/plan.html",
        c=c,
        said=said,
        form=form,
        preview=preview,
        reasons=reasons,
        chart=chart,
        apply_form=ApplyForm(k=form.k.data, seed=form.seed.data),
        l=current,
        panels=service.panels(c, current.items),
        short=service.understaffed(c),
        k=service.round_k(c),
        blocked=service.blocked_entries(c),
        clashes=service.conflicting_assignments(c),
    )


def _panel_spec(c: Competition) -> ListSpec:
    """The current assignment's list: by code, title or number of judges;
    searched by code and title; filtered to the entries short of judges."""
    judges = service.judge_count(c)
    k = service.round_k(c)
    staffing = {"short": judges < k, "none": judges == 0, "full": judges >= k}
    return ListSpec(
        sorts={"code": Entry.code, "title": Entry.title, "judges": judges},
        default="code",
        tiebreak=Entry.id,
        search=(Entry.code, Entry.title),
        filters={"staff": staffing.get},
        per_page=100,
    )


@bp.route("/competitions/<int:competition_id>/assignment/apply", methods=["POST"])
@organiser_required
def apply(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        flash(_("请先预览分配方案。"), "error")
        return redirect(_back(c.id))
    try:
        preview = service.apply_plan(
            actor=current_user,
            competition=c,
            k=form.k.data,
            seed=form.seed.data,
            now=utcnow(),
        )
    except solver.AssignmentInfeasible as exc:
        _fail(exc)
    except service.AssignmentError as exc:
        _fail(exc)
    else:
        db.session.commit()
        flash(
            _(
                "已写入 %(n)d 条分配（随机种子 %(s)d）。",
                n=len(preview.new_pairs),
                s=form.seed.data,
            ),
            "success",
        )
    return redirect(_back(c.id))


# --- conflicts ---------------------------------------------------------------------


def _conflict_form(c: Competition) -> ConflictForm:
    form = ConflictForm()
    form.judge_id.choices = [
        (j.id, f"{j.name}（{j.affiliation}）") for j in service.judge_pool()
    ]
    form.unit_id.choices = [(0, "—")] + [
        (s.id, s.name) for s in db.session.scalars(select(Unit).order_by(Unit.id))
    ]
    return form


@bp.route("/competitions/<int:competition_id>/conflicts")
@organiser_required
def conflicts(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    conflicts = service.competition_conflicts(c)
    entry_ids = {x.entry_id for x in conflicts if x.entry_id}
    return render_template(
        "assignment/conflicts.html",
        c=c,
        conflicts=conflicts,
        clashes=service.conflicting_assignments(c),
        form=_conflict_form(c),
        reason_form=ReasonForm(),
        judges={j.id: j for j in db.session.scalars(select(Judge))},
        units={s.id: s for s in db.session.scalars(select(Unit))},
        entries={
            e.id: e
            for e in db.session.scalars(select(Entry).where(Entry.id.in_(entry_ids)))
        },
    )


@bp.route("/competitions/<int:competition_id>/conflicts", methods=["POST"])
@organiser_required
def add_conflict(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = _conflict_form(c)
    if not form.validate_on_submit():
        flash(_("请选择评审专家、回避对象并填写原因。"), "error")
        return redirect(url_for("assignment.conflicts", competition_id=c.id))
    entry = entry_by_key(c, form.entry.data) if form.entry.data else None
    if form.entry.data and entry is None:
        flash(
            _(
                "本次征文没有编号为“%(code)s”的已报送作品，请核对编号。",
                code=form.entry.data,
            ),
            "error",
        )
        return redirect(url_for("assignment.conflicts", competition_id=c.id))
    try:
        service.add_conflict(
            actor=current_user,
            judge=db.get_or_404(Judge, form.judge_id.data),
            unit=db.session.get(Unit, form.unit_id.data or 0),
            entry=entry,
            reason=form.reason.data,
            now=utcnow(),
        )
    except service.AssignmentError as exc:
        _fail(exc)
    else:
        db.session.commit()
        flash(_("回避关系已登记。"), "success")
    return redirect(url_for("assignment.conflicts", competition_id=c.id))


@bp.route("/conflicts/<int:conflict_id>/remove", methods=["POST"])
@organiser_required
def remove_conflict(conflict_id: int):
    conflict = db.get_or_404(Conflict, conflict_id)
    competition_id = request.args.get("competition_id", 0, type=int)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("请填写撤销回避的原因。"), "error")
    else:
        service.remove_conflict(
            actor=current_user,
            conflict=conflict,
            reason=form.reason.data,
            now=utcnow(),
        )
        db.session.commit()
        flash(_("回避关系已撤销。"), "success")
    if competition_id:
        return redirect(url_for("assignment.conflicts", competition_id=competition_id))
    return redirect(url_for("competitions.index"))


# --- one entry's judges ------------------------------------------------------------


@bp.route("/entries/<int:entry_id>/judges")
@organiser_required
def entry(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    choices = service.judge_choices(entry)
    form = JudgeForm()
    form.judge_id.choices = [
        (
            j.id,
            _(
                "%(name)s（%(unit)s，已分配 %(n)d 篇）",
                name=j.name,
                unit=j.affiliation,
                n=load,
            )
            + (f" — {say(reason, _)}" if reason else ""),
        )
        for j, reason, load in choices
    ]
    return render_template(
        "assignment/entry.html",
        entry=entry,
        c=entry.competition,
        assignments=service.entry_assignments(entry, active_only=False),
        form=form,
    )


def _judge_from_form() -> Judge | None:
    form = JudgeForm()
    form.judge_id.choices = [(j.id, j.name) for j in service.judge_pool()]
    if not form.validate_on_submit():
        flash(_("请选择评审专家。"), "error")
        return None
    return db.session.get(Judge, form.judge_id.data)


@bp.route("/entries/<int:entry_id>/judges", methods=["POST"])
@organiser_required
def add_judge(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    judge = _judge_from_form()
    if judge is not None:
        perform(
            lambda: service.add_judge(
                actor=current_user, entry=entry, judge=judge, now=utcnow()
            ),
            done=_("已增加评审专家 %(n)s。", n=judge.name),
            refused=service.AssignmentError,
        )
    return redirect(url_for("assignment.entry", entry_id=entry.id))


@bp.route("/assignments/<int:assignment_id>/swap", methods=["POST"])
@organiser_required
def swap_judge(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    judge = _judge_from_form()
    if judge is not None:
        perform(
            lambda: service.swap_judge(
                actor=current_user, assignment=assignment, judge=judge, now=utcnow()
            ),
            done=_("已更换为 %(n)s。", n=judge.name),
            refused=service.AssignmentError,
        )
    return redirect(url_for("assignment.entry", entry_id=assignment.entry_id))


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@organiser_required
def remove_judge(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    entry_id = assignment.entry_id
    if not ActionForm().validate_on_submit():
        abort(400)
    perform(
        lambda: service.remove_judge(
            actor=current_user, assignment=assignment, now=utcnow()
        ),
        done=_("已撤下该评审专家。"),
        refused=service.AssignmentError,
    )
    return redirect(url_for("assignment.entry", entry_id=entry_id))


# --- progress, reminders, disagreement ---------------------------------------------


@bp.route("/competitions/<int:competition_id>/progress")
@organiser_required
def progress(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    state = service.progress(c)
    rows = [
        (r.judge.name, (r.submitted, r.drafted, r.assigned - r.submitted - r.drafted))
        for r in state.rows
    ]
    show = request.args.get("show", "")
    listed = [r for r in state.rows if show != "unfinished" or r.submitted < r.assigned]
    return render_template(
        "assignment/progress.html",
        c=c,
        state=state,
        listed=listed,
        show=show,
        chart=stacked_bars(rows, ("#1a7f37", "#d4a72c", "#d0d7de")),
        mail=notify.mail_configured(current_app.config),
    )


@bp.route("/competitions/<int:competition_id>/reminders.xlsx")
@organiser_required
def reminder_xlsx(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    return xlsx_download(service.reminder_xlsx(c), "催评名单.xlsx")


def _ids(values: list[str]) -> list[int] | None:
    """Ticked judges from a list's checkboxes; none ticked means everyone."""
    ids = sorted({int(v) for v in values if v.isdigit() and len(v) < 10})
    return ids or None


@bp.route("/competitions/<int:competition_id>/notices")
@organiser_required
def notices(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    kind = request.args.get("kind", "assignment")
    kind = kind if kind in notify.KINDS else "assignment"
    judge_ids = _ids(request.args.getlist("judge"))
    page = request.args.get("page", 1, type=int) or 1
    notices, total = notify.notice_page(
        c,
        kind=kind,
        login_url=login_url(),
        judge_ids=judge_ids,
        page=page,
        per_page=NOTICES_PER_PAGE,
    )
    page_url = partial(
        url_for,
        "assignment.notices",
        competition_id=c.id,
        kind=kind,
        judge=judge_ids or [],
    )
    pages = max(1, -(-total // NOTICES_PER_PAGE))
    if page > pages or page < 1:  # beyond the end: the last page
        return redirect(page_url(page=pages))
    return render_template(
        "assignment/notices.html",
        c=c,
        kind=kind,
        kinds=notify.KINDS,
        judge_ids=judge_ids,
        notices=notices,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        mail=notify.mail_configured(current_app.config),
        form=NoticeForm(kind=kind),
    )


@bp.route("/competitions/<int:competition_id>/notices/send", methods=["POST"])
@organiser_required
def send_notices(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = NoticeForm()
    if not form.validate_on_submit() or not notify.mail_configured(current_app.config):
        flash(_("未配置邮件服务器，请复制邮件内容手工发送。"), "error")
        return redirect(url_for("assignment.notices", competition_id=c.id))
    judge_ids = _ids(request.form.getlist("judge"))
    made = notify.queue_notices(
        actor=current_user,
        competition=c,
        kind=form.kind.data,
        login_url=login_url(),
        judge_ids=judge_ids,
    )
    ids = [m.id for m in made]
    db.session.commit()
    _flash_outcome(ids)
    return redirect(
        url_for("assignment.notices", competition_id=c.id, kind=form.kind.data)
    )


def _flash_outcome(message_ids: list[int]) -> None:
    """The outcome if already known (the job ran inline), else that it runs."""
    rows = db.session.scalars(
        select(Message)
        .where(Message.id.in_(message_ids))
        .execution_options(populate_existing=True)
    ).all()
    if any(m.status == MessageStatus.QUEUED for m in rows):
        flash(_("邮件正在后台发送，发送结果见消息记录。"), "info")
        return
    failed = [m for m in rows if m.status == MessageStatus.FAILED]
    if failed and not any(m.status == MessageStatus.SENT for m in rows):
        flash(say(failed[0].error, _), "error")
        return
    sent = sum(m.status == MessageStatus.SENT for m in rows)
    flash(_("已发送 %(n)d 封邮件。", n=sent), "success")
    names = "、".join(
        m.name for m in rows if m.status in (MessageStatus.FAILED, MessageStatus.INBOX)
    )
    if names:
        flash(_("以下评审专家未能收到邮件，请另行联系：%(n)s", n=names), "warning")


@bp.route("/competitions/<int:competition_id>/disagreements")
@organiser_required
def disagreements(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    return render_template(
        "assignment/disagreements.html",
        c=c,
        items=service.disagreements(c),
    )


@bp.route("/entries/<int:entry_id>/arbitration", methods=["POST"])
@organiser_required
def arbitrate(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = service.add_extra_judges(
            actor=current_user, entry=entry, count=1, kind="arbitration", now=utcnow()
        )
    except service.AssignmentError as exc:
        _fail(exc)
    else:
        db.session.commit()
        flash(
            _(
                "已为作品 %(c)s 增加仲裁评审专家 %(n)s。",
                c=entry.code,
                n="、".join(a.judge.name for a in added),
            ),
            "success",
        )
    return redirect(
        url_for("assignment.disagreements", competition_id=entry.competition_id)
    )

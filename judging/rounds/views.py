"""The organiser's rounds pages: rounds, shortlist, membership, combination, 答辩."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from judging.accounts.models import Judge, User
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.competitions.rules import end_of_day
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import say
from judging.results.service import entry_by_key
from judging.rounds import service
from judging.rounds.forms import (
    METHODS,
    CombinationForm,
    DefenseForm,
    DefenseImportForm,
    MemberForm,
    ShortlistForm,
    StartForm,
)
from judging.submissions.models import Entry
from judging.web import error_text, perform

bp = Blueprint("rounds", __name__)


def _back(c: Competition) -> str:
    return url_for("rounds.index", competition_id=c.id)


def _cut(form: ShortlistForm) -> dict:
    value = form.value.data
    if form.cut.data == "n":
        return {"top_n": int(value), "top_share": None}
    return {"top_n": None, "top_share": float(value)}


def _judges() -> list[Judge]:
    return list(
        db.session.scalars(
            select(Judge)
            .join(User, User.id == Judge.user_id)
            .where(User.is_enabled.is_(True))
            .order_by(Judge.id)
        )
    )


@bp.route("/competitions/<int:competition_id>/rounds")
@organiser_required
def index(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    asked = "value" in request.args
    form = ShortlistForm(formdata=request.args if asked else None)
    preview, error = None, None
    if asked and form.validate():
        try:
            preview = service.preview_shortlist(
                c,
                per_category=form.per_category.data,
                method=form.method.data,
                **_cut(form),
            )
        except service.RoundError as exc:
            error = error_text(exc)
    looked = request.args.get("round", type=int)
    ranking = None
    if looked and 1 <= looked < service.current_round(c):
        method = request.args.get("by", "calibrated")
        method = method if method in {m.value for m in METHODS} else "calibrated"
        ranking = (looked, service.round_ranking(c, looked, method=method))
    start = StartForm(formdata=None, data=form.data)
    start.name.data = service.default_name(service.current_round(c) + 1)
    members = MemberForm(formdata=None)
    combination = CombinationForm(
        mode=c.round_mode,
        defense_weight=service.plain(c.defense_weight),
        defense_max=service.plain(c.defense_max),
    )
    return render_template(
        "rounds/index.html",
        c=c,
        summaries=service.summaries(c),
        current=service.current_round(c),
        form=form,
        preview=preview,
        error=error,
        start=start,
        judges=_judges(),
        members=members,
        current_members=service.current_members(c),
        combination=combination,
        explanation=service.explanation(c),
        ranking=ranking,
        methods=[(m.value, m.label) for m in METHODS],
    )


@bp.route("/competitions/<int:competition_id>/rounds/start", methods=["POST"])
@organiser_required
def start(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = StartForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(_back(c))
    judge_ids = sorted(
        {int(v) for v in request.form.getlist("judge") if v.isdigit() and len(v) < 10}
    )
    deadline = end_of_day(form.deadline.data) if form.deadline.data else None
    perform(
        lambda: service.start_next_round(
            actor=current_user,
            competition=c,
            name=form.name.data or "",
            reviews=form.reviews.data,
            deadline=deadline,
            judge_ids=judge_ids,
            now=utcnow(),
            per_category=form.per_category.data,
            method=form.method.data,
            rubric=form.rubric.data or "",
            **_cut(form),
        ),
        done=_("下一轮已开始，请为入围作品分配评审专家。"),
        refused=service.RoundError,
    )
    return redirect(_back(c))


def _member(c: Competition, action: str):  # noqa: ANN202
    form = MemberForm()
    if not form.validate_on_submit():
        flash(_("请填写作品编号和原因。"), "error")
        return redirect(_back(c))
    entry = entry_by_key(c, form.entry.data)
    if entry is None:
        flash(
            _(
                "本次征文没有编号为“%(code)s”的已报送作品，请核对编号。",
                code=form.entry.data,
            ),
            "error",
        )
        return redirect(_back(c))
    call = service.add_entry if action == "add" else service.remove_entry
    perform(
        lambda: call(
            actor=current_user, competition=c, entry=entry, reason=form.reason.data
        ),
        done=_("已增补入围。") if action == "add" else _("已移出本轮。"),
        refused=service.RoundError,
    )
    return redirect(_back(c))


@bp.route("/competitions/<int:competition_id>/rounds/add", methods=["POST"])
@organiser_required
def add(competition_id: int):
    return _member(db.get_or_404(Competition, competition_id), "add")


@bp.route("/competitions/<int:competition_id>/rounds/remove", methods=["POST"])
@organiser_required
def remove(competition_id: int):
    return _member(db.get_or_404(Competition, competition_id), "remove")


@bp.route("/competitions/<int:competition_id>/rounds/combination", methods=["POST"])
@organiser_required
def combination(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = CombinationForm()
    if not form.validate_on_submit():
        flash(_("合成方式填写有误。"), "error")
        return redirect(_back(c))
    weights = {
        r.number: request.form.get(f"weight_{r.number}", "").strip()
        for r in service.rounds(c)
        if request.form.get(f"weight_{r.number}", "").strip()
    }
    perform(
        lambda: service.set_combination(
            actor=current_user,
            competition=c,
            mode=form.mode.data,
            weights=weights,
            defense_weight=form.defense_weight.data or "0",
            defense_max=form.defense_max.data or "100",
        ),
        done=_("合成方式已保存。"),
        refused=service.RoundError,
    )
    return redirect(_back(c))


@bp.route("/competitions/<int:competition_id>/defense")
@organiser_required
def defense(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    marks = service.defense_marks(c)
    return render_template(
        "rounds/defense.html",
        c=c,
        finalists=service.finalists(c),
        marks=marks,
        form=DefenseForm(),
        upload=DefenseImportForm(),
    )


def _parse_marks(text: str) -> list[tuple[str, str]]:
    """ "专家甲 85" per line (a space, tab, colon or comma between)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in ("\t", "：", ":", "，", ",", " "):
            if sep in line:
                member, _sep, points = line.rpartition(sep)
                out.append((member.strip(), points.strip()))
                break
        else:
            out.append(("", line))
    return out


@bp.route("/competitions/<int:competition_id>/defense", methods=["POST"])
@organiser_required
def save_defense(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    form = DefenseForm()
    if not form.validate_on_submit():
        flash(_("答辩成绩填写有误。"), "error")
        return redirect(url_for("rounds.defense", competition_id=c.id))
    entry = db.get_or_404(Entry, form.entry_id.data)
    perform(
        lambda: service.save_defense(
            actor=current_user,
            competition=c,
            entry=entry,
            marks=_parse_marks(form.marks.data or ""),
            now=utcnow(),
        ),
        done=_("已保存作品 %(c)s 的答辩成绩。", c=entry.code or entry.id),
        refused=service.RoundError,
    )
    return redirect(url_for("rounds.defense", competition_id=c.id))


@bp.route("/competitions/<int:competition_id>/defense/import", methods=["POST"])
@organiser_required
def import_defense(competition_id: int):
    c = db.get_or_404(Competition, competition_id)
    back = url_for("rounds.defense", competition_id=c.id)
    form = DefenseImportForm()
    if not form.validate_on_submit():
        flash(_("请选择文件。"), "error")
        return redirect(back)
    upload = form.file.data
    try:
        count, problems = service.import_defense(
            actor=current_user,
            competition=c,
            data=upload.read(),
            filename=upload.filename or "",
            now=utcnow(),
        )
    except service.RoundError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
        return redirect(back)
    if problems:
        db.session.rollback()
        for message in problems[:20]:
            flash(say(message, _), "error")
        flash(_("文件有误，未导入任何成绩。"), "error")
        return redirect(back)
    db.session.commit()
    flash(_("已导入 %(n)d 篇作品的答辩成绩。", n=count), "success")
    return redirect(back)


@bp.app_context_processor
def _round_label() -> dict:
    """`round_label(c)`: "第 2 轮 · 复评（3 篇作品）" on the per-round pages, or ""
    for a competition judged in one round."""

    def round_label(c: Competition) -> str:
        number = service.current_round(c)
        if number == 1:
            return ""
        row = service.round_row(c, number)
        entries = len(service.members(c, number) or ())
        return _(
            "当前为第 %(n)d 轮 · %(name)s（%(e)d 篇作品）：本页只涉及本轮。",
            n=number,
            name=row.name if row else "",
            e=entries,
        )

    return {"round_label": round_label}

"""The organiser's audit log: filter, page through, export to XLSX."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, select

from judging.audit.forms import AuditFilterForm
from judging.audit.sentences import ACTION_LABELS, KINDS, describe, render
from judging.audit.service import events_query, facts, known_actions
from judging.auth import organiser_required
from judging.competitions.models import Competition
from judging.extensions import db
from judging.responses import xlsx_download
from judging.tables import safe_cell
from judging.web import SHANGHAI, shanghai

bp = Blueprint("audit", __name__)

PER_PAGE = 50
EXPORT_LIMIT = 100_000


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.kind.choices = [("", _("全部类别"))] + [
        (key, _(label)) for key, (label, _prefixes) in KINDS.items()
    ]
    form.action.choices = [("", _("全部操作"))] + [
        (a, _(ACTION_LABELS[a]) if a in ACTION_LABELS else a) for a in known_actions()
    ]
    competitions = db.session.execute(
        select(Competition.id, Competition.title).order_by(Competition.id.desc())
    ).all()
    form.competition.choices = [("", _("全部竞赛"))] + [
        (str(cid), title) for cid, title in competitions
    ]
    return form


def _local_midnight(day) -> datetime:  # noqa: ANN001
    """The start of a calendar day in Asia/Shanghai, as a UTC instant."""
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def _query(form: AuditFilterForm) -> Select:
    """The filtered query; invalid fields (bad dates) are ignored, not fatal."""
    form.validate()
    competition = form.competition.data or ""
    since = form.since.data if not form.since.errors else None
    until = form.until.data if not form.until.errors else None
    return events_query(
        action=form.action.data or "",
        kind=form.kind.data or "",
        competition_id=int(competition) if competition.isdigit() else None,
        actor=(form.actor.data or "").strip(),
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None,
    )


@bp.route("/admin/audit")
@organiser_required
def index():
    form = _filter_form()
    page = db.paginate(_query(form), per_page=PER_PAGE, error_out=False)
    if not page.items and page.page > 1 and page.total:  # beyond the end: the last
        page = db.paginate(
            _query(form), page=page.pages, per_page=PER_PAGE, error_out=False
        )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    rows = [
        (e, render(describe(f), _), _link(f), f.competition)
        for e, f in zip(page.items, facts(page.items), strict=True)
    ]
    return render_template(
        "audit/index.html", form=form, page=page, args=args, rows=rows
    )


def _link(f) -> str | None:  # noqa: ANN001
    """Where the event's object is shown, if it has a page."""
    if f.object_id is None:
        return None
    if f.object_type == "competition":
        return url_for("competitions.detail", competition_id=f.object_id)
    if f.object_type == "entry":
        return url_for("submissions.entry_detail", entry_id=f.object_id)
    if f.object_type == "unit":
        return url_for("accounts.edit_unit", unit_id=f.object_id)
    if f.object_type == "user" and f.object_name:
        return url_for("accounts.users", q=f.object_name)
    if f.object_type == "judge" and f.object_name:
        return url_for("accounts.judges", q=f.object_name)
    return None


@bp.route("/admin/audit.xlsx")
@organiser_required
def export():
    from openpyxl import Workbook

    events = db.session.scalars(_query(_filter_form()).limit(EXPORT_LIMIT)).all()
    book = Workbook()
    sheet = book.active
    sheet.title = _("审计日志")
    sheet.append(
        [
            _("时间"),
            _("经过"),
            _("操作人"),
            _("操作"),
            _("对象"),
            _("对象编号"),
            _("竞赛编号"),
            _("详情"),
            _("地址"),
        ]
    )
    for e, f in zip(events, facts(events), strict=True):
        actor = e.actor.username if e.actor else "-"
        cells = (
            shanghai(e.at, "%Y-%m-%d %H:%M:%S"),
            render(describe(f), _),
            actor,
            e.action,
            e.object_type,
            e.object_id,
            e.competition_id,
            e.detail,
            e.address,
        )
        sheet.append([safe_cell(c) for c in cells])
    for column, width in zip(
        "ABCDEFGHI", (20, 60, 14, 22, 12, 10, 10, 60, 16), strict=True
    ):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return xlsx_download(out.getvalue(), _("审计日志.xlsx"))

"""The organiser's audit log: filter, page through, export to XLSX."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import Select, select

from judging.audit.forms import AuditFilterForm
from judging.audit.service import events_query, known_actions
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
    form.action.choices = [("", _("全部操作"))] + [(a, a) for a in known_actions()]
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
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, page=page, args=args)


@bp.route("/admin/audit.xlsx")
@organiser_required
def export():
    from openpyxl import Workbook

    events = db.session.scalars(_query(_filter_form()).limit(EXPORT_LIMIT))
    book = Workbook()
    sheet = book.active
    sheet.title = _("审计日志")
    sheet.append(
        [
            _("时间"),
            _("操作人"),
            _("操作"),
            _("对象"),
            _("对象编号"),
            _("竞赛编号"),
            _("详情"),
            _("地址"),
        ]
    )
    for e in events:
        actor = e.actor.username if e.actor else "-"
        cells = (
            shanghai(e.at, "%Y-%m-%d %H:%M:%S"),
            actor,
            e.action,
            e.object_type,
            e.object_id,
            e.competition_id,
            e.detail,
            e.address,
        )
        sheet.append([safe_cell(c) for c in cells])
    for column, width in zip("ABCDEFGH", (20, 14, 22, 12, 10, 10, 60, 16), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return xlsx_download(out.getvalue(), _("审计日志.xlsx"))

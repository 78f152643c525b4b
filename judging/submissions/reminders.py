"""催报: reminders to eligible units below a call's minimum, by e-mail where a
mail server is configured, and a list to phone them.

The messages go to each unit's contact address (``unit.contact_email``); they
are sent by a background job, as the judges' notices are, so a slow mail server
never holds a page.
"""

from __future__ import annotations

import io

from flask import current_app

from judging import jobs
from judging.accounts.models import User
from judging.assignment import notify
from judging.competitions.models import Competition
from judging.extensions import db
from judging.submissions.service import missing_units, unit_deadline
from judging.tables import safe_cell

TASK = "mail.unit_reminders"
KIND = "unit_reminder"


def build_unit_notices(
    competition: Competition, *, login_url: str
) -> list[notify.Notice]:
    """One message per eligible unit below the minimum, naming its count, the
    minimum and its own deadline (an extension included)."""
    from judging.web import shanghai

    notices = []
    for row in missing_units(competition):
        unit = row.unit
        deadline = shanghai(unit_deadline(competition, unit.id), "%Y-%m-%d %H:%M")
        body = "\n".join(
            [
                f"{unit.contact_name or unit.name}：",
                "",
                f"您好！“{competition.title}”要求每个单位报送 "
                f"{competition.min_entries}–{competition.max_entries} 件，"
                f"{unit.name}目前已报送 {row.count} 件。",
                f"报送截止时间为北京时间 {deadline}（截止后系统不再接收）。",
                "",
                f"请登录系统报送：{login_url}",
                "",
                "重庆市教科文卫体工会",
            ]
        )
        notices.append(
            notify.Notice(
                judge_id=unit.id,  # the recipient: a unit here
                name=unit.name,
                email=unit.contact_email.strip(),
                subject=f"【催报提醒】{competition.title}",
                body=body,
            )
        )
    return notices


def missing_xlsx(competition: Competition) -> bytes:
    """未报送单位名单: whom to phone, with contact, count and deadline."""
    from openpyxl import Workbook

    from judging.web import shanghai

    book = Workbook()
    sheet = book.active
    sheet.title = "未报送单位"
    sheet.append(
        [
            "单位",
            "类型",
            "联系人",
            "电话",
            "邮箱",
            "已报送件数",
            "最少件数",
            "截止时间（北京时间）",
        ]
    )
    for row in missing_units(competition):
        u = row.unit
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    u.name, u.kind, u.contact_name, u.contact_phone, u.contact_email,
                    row.count, competition.min_entries,
                    shanghai(unit_deadline(competition, u.id), "%Y-%m-%d %H:%M"),
                )
            ]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def queue_unit_reminders(
    *, actor: User, competition: Competition, login_url: str
) -> str:
    """Queue the reminders; the job builds them when it runs (the caller commits)."""
    return jobs.enqueue(
        TASK, owner_id=actor.id, competition_id=competition.id, login_url=login_url
    )


@jobs.task(TASK)
def send_unit_reminders(
    progress: jobs.Progress, *, competition_id: int, login_url: str
) -> dict:
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise jobs.JobError("该征集已不存在。")
    job = db.session.get(jobs.Job, progress.job_id)
    actor = db.session.get(User, job.owner_id) if job and job.owner_id else None
    notices = build_unit_notices(competition, login_url=login_url)
    progress.update(0, len(notices))
    try:
        result = notify.send_notices(
            actor=actor,
            competition=competition,
            notices=notices,
            kind=KIND,
            config=current_app.config,
        )
    except notify.NotifyError as exc:
        raise jobs.JobError(str(exc)) from exc
    progress.update(len(notices), len(notices))
    return {"sent": result.sent, "no_email": result.no_email, "failed": result.failed}

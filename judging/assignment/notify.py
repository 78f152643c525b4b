"""E-mail to judges: assignment notices and reminders, sent by SMTP or copied by hand.

A judge's message names the essays by code and title only — never the unit,
the authors or the advisor — because judging is anonymous. Without a
configured ``MAIL_SERVER`` the same messages are shown for the organiser to copy.
With one, the messages are sent by a background job (`queue_notices`), not in
the organiser's request: a slow or unreachable mail server never holds a web
worker.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import select

from judging import jobs
from judging.accounts.models import Judge, User
from judging.assignment.models import Assignment, AssignmentStatus
from judging.audit.service import record
from judging.competitions.models import Competition
from judging.extensions import db
from judging.i18n import N_
from judging.review.models import Review, ReviewStatus
from judging.submissions.models import Entry, EntryStatus

KINDS = {"assignment": N_("评审任务通知"), "reminder": N_("评审催办提醒")}


class NotifyError(ValueError):
    """The mail server could not be reached; the message is for the organiser."""


@dataclass(frozen=True)
class Notice:
    """One message to one judge."""

    judge_id: int
    name: str
    email: str
    subject: str
    body: str


@dataclass(frozen=True)
class SendResult:
    sent: int
    no_email: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def mail_configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER"))


def _essays(competition: Competition, *, unfinished: bool) -> dict[int, list[Entry]]:
    """Each judge's active essays (only those not yet submitted, if asked)."""
    rows = db.session.execute(
        select(Assignment.judge_id, Entry, Review.status)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .order_by(Entry.code)
    ).all()
    essays: dict[int, list[Entry]] = defaultdict(list)
    for judge_id, entry, status in rows:
        if unfinished and status == ReviewStatus.SUBMITTED:
            continue
        essays[judge_id].append(entry)
    return essays


def _body(
    judge: Judge,
    username: str,
    competition: Competition,
    essays: list[Entry],
    *,
    kind: str,
    login_url: str,
) -> str:
    n, title = len(essays), competition.title
    if kind == "assignment":
        opening = f"您好！“{title}”的评审工作已经开始，请您评审以下 {n} 篇作品："
    else:
        opening = f"您好！“{title}”中尚有 {n} 篇作品您还未提交评分："
    lines = [f"{judge.name} 专家：", "", opening, ""]
    lines += [f"  {e.code or e.id}  {e.title}" for e in essays]
    lines += [
        "",
        f"请登录评审系统查看评审稿并填写评分表：{login_url}",
        f"登录用户名：{username}",
        "",
        "作品均已匿名处理。如发现您与某篇作品存在利益关系，请在评审页申报回避。",
        "",
        "竞赛主办方",
    ]
    return "\n".join(lines)


def build_notices(
    competition: Competition,
    *,
    kind: str,
    login_url: str,
    judge_ids: Sequence[int] | None = None,
) -> list[Notice]:
    """One message per judge: ``assignment`` (all essays) or ``reminder``
    (only judges with unfinished reviews, listing those essays); ``judge_ids``
    keeps only those judges (the organiser ticked them in the progress list)."""
    essays = _essays(competition, unfinished=kind == "reminder")
    if judge_ids is not None:
        wanted = set(judge_ids)
        essays = {j: e for j, e in essays.items() if j in wanted}
    if not essays:
        return []
    judges = db.session.execute(
        select(Judge, User.username)
        .join(User, User.id == Judge.user_id)
        .where(Judge.id.in_(list(essays)))
        .order_by(Judge.name, Judge.id)
    ).all()
    subject = f"【{KINDS[kind]}】{competition.title}"
    return [
        Notice(
            judge_id=judge.id,
            name=judge.name,
            email=judge.email.strip(),
            subject=subject,
            body=_body(
                judge,
                username,
                competition,
                essays[judge.id],
                kind=kind,
                login_url=login_url,
            ),
        )
        for judge, username in judges
    ]


def _message(notice: Notice, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((notice.name, notice.email))
    message["Subject"] = notice.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message.set_content(notice.body, cte="base64")
    return message


def send_notices(
    *,
    actor: User | None,
    competition: Competition,
    notices: Sequence[Notice],
    kind: str,
    config: Mapping[str, Any],
) -> SendResult:
    """Send each notice by SMTP (one connection); judges without e-mail are listed.

    Recorded in the audit log with the counts; a failure for one recipient does
    not stop the others.
    """
    no_email = [n.name for n in notices if not n.email]
    failed: list[str] = []
    sent = 0
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for notice in notices:
                if not notice.email:
                    continue
                try:
                    smtp.send_message(_message(notice, config["MAIL_SENDER"]))
                except smtplib.SMTPRecipientsRefused:
                    failed.append(notice.name)
                else:
                    sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(
            f"邮件服务器 {config['MAIL_SERVER']} 发送失败（已发送 {sent} 封）：{exc}"
        ) from exc
    record(
        actor_id=actor.id if actor is not None else None,
        action=f"notify.{kind}",
        obj=competition,
        competition_id=competition.id,
        sent=sent,
        no_email=no_email,
        failed=failed,
    )
    return SendResult(sent=sent, no_email=no_email, failed=failed)


MAIL_TASK = "mail.notices"


def queue_notices(
    *,
    actor: User,
    competition: Competition,
    kind: str,
    login_url: str,
    judge_ids: Sequence[int] | None = None,
) -> str:
    """Queue sending `kind` notices for `competition`; return the job id (the
    caller commits). The job builds the messages when it runs, so they list
    the assignments as they are then."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    return jobs.enqueue(
        MAIL_TASK,
        owner_id=actor.id,
        competition_id=competition.id,
        kind=kind,
        login_url=login_url,
        judge_ids=None if judge_ids is None else sorted(set(judge_ids)),
    )


@jobs.task(MAIL_TASK)
def send_queued_notices(
    progress: jobs.Progress,
    *,
    competition_id: int,
    kind: str,
    login_url: str,
    judge_ids: list[int] | None = None,
) -> dict:
    """The job behind queue_notices: send, audit (with the job's owner)."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise jobs.JobError("该征文活动已不存在。")
    job = db.session.get(jobs.Job, progress.job_id)
    actor = db.session.get(User, job.owner_id) if job and job.owner_id else None
    notices = build_notices(
        competition, kind=kind, login_url=login_url, judge_ids=judge_ids
    )
    progress.update(0, len(notices))
    try:
        result = send_notices(
            actor=actor,
            competition=competition,
            notices=notices,
            kind=kind,
            config=current_app.config,
        )
    except NotifyError as exc:
        raise jobs.JobError(str(exc)) from exc
    progress.update(len(notices), len(notices))
    return {"sent": result.sent, "no_email": result.no_email, "failed": result.failed}

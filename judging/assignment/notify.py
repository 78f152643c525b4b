"""Messages to judges: assignment notices and reminders, through the outbox.

A judge's message names the essays by code and title only — never the unit,
the authors or the advisor — because judging is anonymous (the judges' message
kinds offer no such placeholder). Every notice becomes a `Message` in the
outbox and the judge's inbox; with a configured ``MAIL_SERVER`` it is also
e-mailed by the outbox's background job, not in the organiser's request, so a
slow or unreachable mail server never holds a web worker. Without one the same
messages are shown for the organiser to copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from judging.accounts.models import Judge, User
from judging.assignment.models import Assignment, AssignmentStatus
from judging.audit.service import record
from judging.competitions.models import Competition
from judging.extensions import db
from judging.i18n import N_, message_of
from judging.messages import service as messages
from judging.messages.models import Message, MessageStatus
from judging.messages.texts import LANGUAGES
from judging.review.models import Review, ReviewStatus
from judging.rounds.service import current_round
from judging.submissions.models import Entry, EntryStatus

KINDS = {"assignment": N_("评审任务通知"), "reminder": N_("评审催办提醒")}
MESSAGE_KIND = {"assignment": "judge_assignment", "reminder": "judge_reminder"}


class NotifyError(ValueError):
    """The mail server could not be reached; the message is for the organiser."""


@dataclass(frozen=True)
class Notice:
    """One message to one judge."""

    judge_id: int
    user_id: int
    name: str
    email: str
    subject: str
    body: str
    values: dict = field(default_factory=dict, compare=False)
    language: str = "zh"  # the judge's, in which it is written and sent


@dataclass(frozen=True)
class SendResult:
    sent: int
    no_email: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def mail_configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER"))


@dataclass(frozen=True)
class Essay:
    """What a notice names of an essay: its code and title, nothing else."""

    id: int
    code: str | None
    title: str


def _essays(competition: Competition, *, unfinished: bool) -> dict[int, list[Essay]]:
    """Each judge's active essays of the current round (only those not yet
    submitted, if asked), as plain rows: one statement, no entry loaded."""
    rows = db.session.execute(
        select(Assignment.judge_id, Entry.id, Entry.code, Entry.title, Review.status)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
            Assignment.round_no == current_round(competition),
        )
        .order_by(Entry.code)
    ).all()
    essays: dict[int, list[Essay]] = defaultdict(list)
    for judge_id, entry_id, code, title, status in rows:
        if unfinished and status == ReviewStatus.SUBMITTED:
            continue
        essays[judge_id].append(Essay(entry_id, code, title))
    return essays


def _values(
    judge: Judge,
    username: str,
    competition: Competition,
    essays: Sequence[Essay],
    *,
    login_url: str,
) -> dict[str, str]:
    """What a judge's message may say: codes and titles, never an identity."""
    return {
        "competition": competition.title,
        "name": judge.name,
        "count": str(len(essays)),
        "essays": "\n".join(f"  {e.code or e.id}  {e.title}" for e in essays),
        "login_url": login_url,
        "username": username,
    }


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
    essays, judges = _recipients(competition, kind, judge_ids)
    return _notices(competition, kind, judges, essays, login_url)


def notice_page(
    competition: Competition,
    *,
    kind: str,
    login_url: str,
    judge_ids: Sequence[int] | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Notice], int]:
    """The notices of one page of recipients (by name) and how many there are
    in all: only that page's messages are filled in."""
    essays, judges = _recipients(competition, kind, judge_ids)
    start = (max(page, 1) - 1) * per_page
    shown = judges[start : start + per_page]
    return _notices(competition, kind, shown, essays, login_url), len(judges)


def _recipients(
    competition: Competition, kind: str, judge_ids: Sequence[int] | None
) -> tuple[dict[int, list[Essay]], list]:
    """The essays of each judge a notice goes to, and those judges (with their
    accounts) by name."""
    essays = _essays(competition, unfinished=kind == "reminder")
    if judge_ids is not None:
        wanted = set(judge_ids)
        essays = {j: e for j, e in essays.items() if j in wanted}
    if not essays:
        return essays, []
    judges = db.session.execute(
        select(Judge, User)
        .join(User, User.id == Judge.user_id)
        .where(Judge.id.in_(list(essays)))
        .order_by(Judge.name, Judge.id)
    ).all()
    return essays, list(judges)


def _notices(
    competition: Competition,
    kind: str,
    judges: Sequence,
    essays: dict[int, list[Essay]],
    login_url: str,
) -> list[Notice]:
    if not judges:
        return []
    fill = messages.renderer(competition, MESSAGE_KIND[kind])
    notices = []
    for judge, user in judges:
        values = _values(
            judge, user.username, competition, essays[judge.id], login_url=login_url
        )
        subject, body = fill(user.language, values)
        notices.append(
            Notice(
                judge_id=judge.id,
                user_id=user.id,
                name=judge.name,
                email=judge.email.strip(),
                subject=subject,
                body=body,
                values=values,
                language=user.language if user.language in LANGUAGES else "zh",
            )
        )
    return notices


def queue_notices(
    *,
    actor: User | None,
    competition: Competition,
    kind: str,
    login_url: str,
    judge_ids: Sequence[int] | None = None,
) -> list[Message]:
    """Put `kind` notices for `competition` into the outbox (the caller commits;
    the e-mails then go out from the outbox's job), to every judge concerned
    or only to `judge_ids`. Audited with the counts."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    notices = build_notices(
        competition, kind=kind, login_url=login_url, judge_ids=judge_ids
    )
    return _queue_given(actor, competition, notices, kind, later=True)


def send_notices(
    *,
    actor: User | None,
    competition: Competition,
    notices: Sequence[Notice],
    kind: str,
    config: Mapping[str, Any],
) -> SendResult:
    """From the CLI: queue the notices and send them now, in this process."""
    from judging.jobs import JobError
    from judging.messages.jobs import send_messages

    made = _queue_given(actor, competition, notices, kind)
    db.session.commit()
    try:
        result = send_messages([m.id for m in made], config)
    except JobError as exc:
        raise NotifyError(message_of(exc)) from exc
    no_email = [m.name for m in made if m.status == MessageStatus.INBOX]
    return SendResult(sent=result["sent"], no_email=no_email, failed=result["failed"])


def _queue_given(
    actor: User | None,
    competition: Competition,
    notices: Sequence[Notice],
    kind: str,
    *,
    later: bool = False,
) -> list[Message]:
    by_user = {n.user_id: n for n in notices}
    made = messages.compose(
        kind=MESSAGE_KIND[kind],
        competition=competition,
        users=[db.session.get(User, n.user_id) for n in notices],
        values=lambda u: by_user[u.id].values,
        send_later=later,
    )
    record(
        actor_id=actor.id if actor is not None else None,
        action=f"notify.{kind}",
        obj=competition,
        competition_id=competition.id,
        messages=len(made),
        no_email=[n.name for n in notices if not n.email],
    )
    return made

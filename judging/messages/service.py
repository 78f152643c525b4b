"""Telling people: compose messages into the outbox, the inbox, templates, resend.

Every message is a row (`Message`): always readable in the recipient's inbox
in the app, and e-mailed by a background job when a mail server is configured
and the recipient has an address. The organiser's page lists who was told what
and when; failures can be sent again.

Recipients are users (a unit's contacts, a judge) or, for an objector from the
public, a name and an address. A judge only ever receives the judges' kinds,
whose placeholders carry codes and titles, never a unit or an author.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from judging import jobs
from judging.accounts.models import Judge, Role, Unit, User
from judging.audit.service import record
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_, said, stored_text
from judging.messages import texts
from judging.messages.models import Message, MessageStatus, MessageTemplate

SEND_TASK = "messages.send"


class MessageError(ValueError):
    """A refused message action; the text is for the user (Chinese). `errors`,
    when given, are its several problems, each said in the reader's language."""

    def __init__(self, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def mail_configured(config: Mapping[str, Any] | None = None) -> bool:
    config = current_app.config if config is None else config
    return bool(config.get("MAIL_SERVER"))


# --- who ------------------------------------------------------------------------


def eligible_units(competition: Competition) -> list[Unit]:
    """The units a call is for (its eligibility, judging.competitions.eligibility)
    that have an enabled contact account to tell."""
    from judging.competitions.service import eligible_unit_ids

    return list(
        db.session.scalars(
            select(Unit)
            .where(
                Unit.id.in_(eligible_unit_ids(competition)),
                Unit.id.in_(
                    select(User.unit_id).where(
                        User.role == Role.UNIT, User.is_enabled.is_(True)
                    )
                ),
            )
            .order_by(Unit.name)
        )
    )


def unit_contacts(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each unit's enabled contact accounts."""
    ids = list(set(unit_ids))
    found: dict[int, list[User]] = {i: [] for i in ids}
    if not ids:
        return found
    for user in db.session.scalars(
        select(User)
        .where(User.unit_id.in_(ids), User.role == Role.UNIT, User.is_enabled.is_(True))
        .order_by(User.id)
    ):
        found[user.unit_id].append(user)
    return found


def email_of(user: User) -> str:
    """Where a user's e-mail goes: a judge's own, a contact's unit's address."""
    if user.role == Role.JUDGE:
        judge = db.session.scalar(select(Judge).where(Judge.user_id == user.id))
        return (judge.email if judge else "").strip()
    if user.role == Role.UNIT and user.unit is not None:
        return (user.unit.contact_email or "").strip()
    return ""


def name_of(user: User) -> str:
    if user.role == Role.UNIT and user.unit is not None:
        return user.unit.name
    return user.display_name or user.username


# --- templates ------------------------------------------------------------------


def template_for(
    competition: Competition | None, kind: str, language: str
) -> tuple[str, str]:
    """The organiser's wording for this competition, else the default."""
    language = language if language in texts.LANGUAGES else "zh"
    if competition is not None:
        row = db.session.scalar(
            select(MessageTemplate).where(
                MessageTemplate.competition_id == competition.id,
                MessageTemplate.kind == kind,
                MessageTemplate.language == language,
            )
        )
        if row is not None:
            return row.subject, row.body
    return texts.default(kind, language)


def render(
    competition: Competition | None, kind: str, language: str, values: dict[str, str]
) -> tuple[str, str]:
    return renderer(competition, kind)(language, values)


def renderer(
    competition: Competition | None, kind: str
) -> Callable[[str, dict[str, str]], tuple[str, str]]:
    """Fill `kind`'s template per language, reading each template once (so a
    batch of messages costs one query per language, not one per person)."""
    cache: dict[str, tuple[str, str]] = {}

    def fill(language: str, values: dict[str, str]) -> tuple[str, str]:
        if language not in cache:
            cache[language] = template_for(competition, kind, language)
        subject, body = cache[language]
        subject = " ".join(texts.fill(subject, values).split())  # one header line
        return subject[:300], texts.fill(body, values)

    return fill


def save_template(
    *,
    actor: User,
    competition: Competition,
    kind: str,
    language: str,
    subject: str,
    body: str,
) -> None:
    """The organiser's own wording for one kind and language (audited)."""
    _require_organiser(actor)
    if kind not in texts.KINDS or language not in texts.LANGUAGES:
        raise MessageError(N_("未知的消息类型或语言。"))
    problems = texts.check_template(kind, subject, body)
    if problems:
        raise MessageError("".join(problems), errors=problems)
    row = db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.competition_id == competition.id,
            MessageTemplate.kind == kind,
            MessageTemplate.language == language,
        )
    )
    if row is None:
        row = MessageTemplate(
            competition_id=competition.id, kind=kind, language=language
        )
        db.session.add(row)
    row.subject, row.body, row.updated_at = subject.strip(), body, utcnow()
    db.session.flush()
    record(
        actor_id=actor.id,
        action="messages.template",
        obj=competition,
        competition_id=competition.id,
        kind=kind,
        language=language,
    )


def reset_template(
    *, actor: User, competition: Competition, kind: str, language: str
) -> None:
    _require_organiser(actor)
    db.session.execute(
        MessageTemplate.__table__.delete().where(
            MessageTemplate.competition_id == competition.id,
            MessageTemplate.kind == kind,
            MessageTemplate.language == language,
        )
    )
    record(
        actor_id=actor.id,
        action="messages.template_reset",
        obj=competition,
        competition_id=competition.id,
        kind=kind,
        language=language,
    )


def preview(kind: str, subject: str, body: str) -> tuple[str, str]:
    """The template filled with example values (problems raise MessageError)."""
    problems = texts.check_template(kind, subject, body)
    if problems:
        raise MessageError("".join(problems), errors=problems)
    values = texts.sample(kind)
    return texts.fill(subject, values), texts.fill(body, values)


# --- composing ------------------------------------------------------------------

Values = dict[str, str] | Callable[[User], dict[str, str]]


def compose(
    *,
    kind: str,
    competition: Competition | None,
    users: Iterable[User],
    values: Values,
    send_later: bool = True,
) -> list[Message]:
    """One message per user in the user's language, into the outbox; the
    e-mails go out from a job once the caller commits (``send_later=False``:
    the caller sends them itself, as the CLI does)."""
    spec = texts.KINDS[kind]
    mail = mail_configured()
    fill = renderer(competition, kind)
    made = []
    for user in users:
        if (user.role == Role.JUDGE) != (spec.audience == "judge"):
            # judging is anonymous: a judge gets only the judges' kinds
            raise MessageError(said(
                N_("消息“%(label)s”不能发送给该用户。"),
                label=spec.label,
            ))
        own = values(user) if callable(values) else values
        subject, body = fill(user.language, own)
        email = email_of(user)
        message = Message(
            kind=kind,
            competition_id=competition.id if competition else None,
            user_id=user.id,
            name=name_of(user),
            email=email,
            subject=subject,
            body=body,
            status=MessageStatus.QUEUED if mail and email else MessageStatus.INBOX,
        )
        db.session.add(message)
        made.append(message)
    db.session.flush()
    if send_later:
        _queue([m for m in made if m.status == MessageStatus.QUEUED])
    return made


def compose_to_address(
    *,
    kind: str,
    competition: Competition | None,
    name: str,
    email: str,
    values: dict[str, str],
    language: str = "zh",
) -> Message:
    """A message to someone without an account (by e-mail only, if possible)."""
    subject, body = render(competition, kind, language, values)
    email = email.strip()
    message = Message(
        kind=kind,
        competition_id=competition.id if competition else None,
        name=name,
        email=email,
        subject=subject,
        body=body,
        status=(
            MessageStatus.QUEUED if mail_configured() and email else MessageStatus.INBOX
        ),
    )
    db.session.add(message)
    db.session.flush()
    _queue([message] if message.status == MessageStatus.QUEUED else [])
    return message


def _queue(messages: list[Message]) -> str | None:
    if not messages:
        return None
    return jobs.enqueue(SEND_TASK, message_ids=[m.id for m in messages])


def resend(*, actor: User, messages: list[Message]) -> str | None:
    """Queue failed (or never e-mailed) messages again; returns the job id."""
    _require_organiser(actor)
    if not mail_configured():
        raise MessageError(N_("未配置邮件服务器，无法重新发送邮件。"))
    again = [
        m
        for m in messages
        if m.status in (MessageStatus.FAILED, MessageStatus.INBOX) and m.email
    ]
    if not again:
        raise MessageError(N_("没有可重新发送的消息（发送失败且有邮箱地址的）。"))
    for m in again:
        m.status, m.error = MessageStatus.QUEUED, ""
    db.session.flush()
    record(
        actor_id=actor.id,
        action="messages.resend",
        obj=again[0],
        competition_id=again[0].competition_id,
        messages=[m.id for m in again],
    )
    return _queue(again)


# --- reading --------------------------------------------------------------------


def inbox(user: User, *, limit: int = 200) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.user_id == user.id)
            .order_by(Message.id.desc())
            .limit(limit)
        )
    )


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Message.id)).where(
                Message.user_id == user.id, Message.read_at.is_(None)
            )
        )
        or 0
    )


def own_message(user: User, message_id: int) -> Message | None:
    """The user's own message, or None (someone else's looks missing)."""
    message = db.session.get(Message, message_id)
    if message is None or message.user_id != user.id:
        return None
    return message


def mark_read(message: Message) -> None:
    if message.read_at is None:
        message.read_at = utcnow()


def outbox(
    competition: Competition, *, status: str = "", kind: str = "", limit: int = 500
) -> list[Message]:
    query = select(Message).where(Message.competition_id == competition.id)
    if status:
        query = query.where(Message.status == status)
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query.order_by(Message.id.desc()).limit(limit)))


def outbox_counts(competition: Competition) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Message.status, func.count(Message.id))
            .where(Message.competition_id == competition.id)
            .group_by(Message.status)
        ).all()
    )


def set_outcome(message_id: int, *, status: str, error: str = "") -> None:
    """Write one message's sending outcome (used by the sending job); `error`
    may be a ``Said``, kept so that pages say it in their reader's language."""
    values: dict[str, Any] = {"status": status, "error_text": stored_text(error)}
    if status == MessageStatus.SENT:
        values["sent_at"] = utcnow()
    db.session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(attempts=Message.attempts + 1, **values)
    )


def _require_organiser(actor: User) -> None:
    if actor.role != Role.ORGANISER:
        raise MessageError(N_("只有主办方可以管理消息。"))

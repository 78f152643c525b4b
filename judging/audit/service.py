"""Append events to the audit log inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import User
from judging.audit.models import AuditEvent
from judging.audit.sentences import KINDS, EventFacts, parse_detail
from judging.extensions import db


def record(
    *,
    actor_id: int | None,
    action: str,
    obj: Any = None,
    competition_id: int | None = None,
    address: str = "",
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; it commits or rolls back with the change.

    Writing the event in the same transaction as the change means there is never a
    change without its record, nor a record of a change that did not happen.
    """
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        competition_id=competition_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
        address=address,
    )
    db.session.add(event)
    return event


def events_query(
    *,
    action: str = "",
    kind: str = "",
    competition_id: int | None = None,
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """The audit events matching the organiser's filters, newest first.

    ``actor`` is a user name (exact) or a person's name (part of it), or "-" for
    events without an actor (the command line, the system); ``kind`` a key of
    ``sentences.KINDS``; ``since`` is inclusive, ``until`` exclusive.
    """
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if kind in KINDS:
        prefixes = KINDS[kind][1]
        query = query.where(
            or_(
                AuditEvent.action.in_(prefixes),
                *(AuditEvent.action.startswith(f"{p}.") for p in prefixes),
            )
        )
    if competition_id is not None:
        query = query.where(AuditEvent.competition_id == competition_id)
    if actor == "-":
        query = query.where(AuditEvent.actor_id.is_(None))
    elif actor:
        query = query.join(User, User.id == AuditEvent.actor_id).where(
            or_(
                User.username == actor,
                User.display_name.icontains(actor, autoescape=True),
            )
        )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def known_actions() -> list[str]:
    """Every action name that occurs in the log, for the filter's choices."""
    return list(
        db.session.scalars(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        )
    )


CHUNK = 900  # ids per IN list: well under every database's parameter limit


def _names(model: Any, column: Any, ids: set[int]) -> dict[int, str]:
    ordered = sorted(ids)
    out: dict[int, str] = {}
    for start in range(0, len(ordered), CHUNK):
        part = ordered[start : start + CHUNK]
        rows = db.session.execute(select(model.id, column).where(model.id.in_(part)))
        out.update((i, name) for i, name in rows)
    return out


def facts(events: list[AuditEvent]) -> list[EventFacts]:
    """The plain facts the sentence formatter needs, for a page of events.

    Object and competition names are looked up in one statement per kind of
    object, whatever the number of events.
    """
    from judging.accounts.models import Judge, Unit
    from judging.competitions.models import Competition
    from judging.submissions.models import Entry

    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.object_id is not None:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    names = {
        "user": _names(User, User.username, wanted.get("user", set())),
        "unit": _names(Unit, Unit.name, wanted.get("unit", set())),
        "judge": _names(Judge, Judge.name, wanted.get("judge", set())),
        "entry": {
            i: code or f"#{i}"
            for i, code in _names(Entry, Entry.code, wanted.get("entry", set())).items()
        },
    }
    titles = _names(
        Competition,
        Competition.title,
        {e.competition_id for e in events if e.competition_id is not None}
        | wanted.get("competition", set()),
    )
    names["competition"] = titles
    out = []
    for e in events:
        actor = (e.actor.display_name or e.actor.username) if e.actor else ""
        out.append(
            EventFacts(
                action=e.action,
                actor=actor,
                object_type=e.object_type,
                object_id=e.object_id,
                object_name=names.get(e.object_type, {}).get(e.object_id or 0, ""),
                competition=titles.get(e.competition_id or 0, ""),
                detail=parse_detail(e.detail),
            )
        )
    return out

"""Append events to the audit log inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import User
from judging.audit.models import AuditEvent
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
    competition_id: int | None = None,
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """The audit events matching the organiser's filters, newest first.

    ``actor`` is a user name (exact), or "-" for events without an actor (the
    command line, the system); ``since`` is inclusive, ``until`` exclusive.
    """
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if competition_id is not None:
        query = query.where(AuditEvent.competition_id == competition_id)
    if actor == "-":
        query = query.where(AuditEvent.actor_id.is_(None))
    elif actor:
        query = query.join(User, User.id == AuditEvent.actor_id).where(
            User.username == actor
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

"""Append events to the audit log inside the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

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

"""Demo: leaky essays settled the way an organiser should, never waved through."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from judging.accounts.models import Role, User
from judging.anonymity.service import (
    Redacted,
    blocked_entries,
    replace_review_copy,
    request_redaction,
)
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.submissions.demo import DemoEssay


def settle_leaks(
    *, admin: User, competition: Competition, essays: list[DemoEssay]
) -> int:
    """Resolve every entry that may not go to judges, in the closed phase.

    Every other blocked entry is redacted by the organiser (a clean review copy
    uploaded, the unit's original kept); the rest are sent back to their
    unit with a redaction request and re-submitted by its contact. Findings
    that do not block (another unit mentioned) stay open for the queue.
    Returns the number of entries settled; raises if one is still blocked.
    """
    by_entry = {e.entry.id: e for e in essays}
    blocked = blocked_entries(competition)
    for i, entry in enumerate(blocked):
        essay = by_entry[entry.id]
        upload = Redacted(essay.clean, essay.filename)
        if i % 2 == 0:
            replace_review_copy(actor=admin, entry=entry, upload=upload, now=utcnow())
            continue
        request_redaction(
            actor=admin,
            entry=entry,
            until=utcnow() + timedelta(days=7),
            note="请删除文件中的学校名称和作者姓名后重新上传。",
        )
        contact = _contact(entry.unit_id)
        replace_review_copy(actor=contact, entry=entry, upload=upload, now=utcnow())
    left = blocked_entries(competition)
    if left:
        raise RuntimeError(f"演示数据仍有 {len(left)} 篇作品未处理匿名性问题。")
    return len(blocked)


def _contact(unit_id: int) -> User:
    return db.session.scalars(
        select(User)
        .where(User.unit_id == unit_id, User.role == Role.UNIT)
        .order_by(User.id)
    ).first()

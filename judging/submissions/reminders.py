"""催报: reminders to eligible units below a call's minimum, and a list to
phone them.

The reminders are messages of the kind ``submission_reminder``
(judging.messages): each unit's contacts get one in their inbox, and by e-mail
from the outbox's job where a mail server is configured, in their language and
with the organiser's wording for the call.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from judging.accounts.models import Unit, User
from judging.audit.service import record
from judging.competitions.models import Competition
from judging.messages.models import Message
from judging.submissions.service import UnitRow, missing_units, unit_deadline
from judging.tables import safe_cell

KIND = "submission_reminder"


@dataclass(frozen=True)
class Preview:
    unit: Unit
    email: str
    subject: str
    body: str


def _values(competition: Competition, row: UnitRow, url: str) -> dict[str, str]:
    from judging.competitions.service import audience
    from judging.web import shanghai

    return {
        "competition": competition.title,
        "unit": row.unit.name,
        "deadline": shanghai(unit_deadline(competition, row.unit.id)),
        "submitted": str(row.count),
        "minimum": str(max(competition.min_entries, 1)),
        "maximum": str(competition.max_entries),
        "measure": audience(competition)["measure"],
        "url": url,
    }


def previews(competition: Competition, *, url: str) -> list[Preview]:
    """What each unit below the minimum would be sent (in Chinese)."""
    from judging.messages.service import render

    out = []
    for row in missing_units(competition):
        subject, body = render(competition, KIND, "zh", _values(competition, row, url))
        out.append(Preview(row.unit, row.unit.contact_email.strip(), subject, body))
    return out


def send_unit_reminders(
    *, actor: User, competition: Competition, url: str
) -> list[Message]:
    """Put one reminder per contact of every eligible unit below the minimum
    into the outbox (audited; the caller commits)."""
    from judging.messages.notices import to_unit

    rows = missing_units(competition)
    made: list[Message] = []
    for row in rows:
        made += to_unit(KIND, competition, row.unit, _values(competition, row, url))
    record(
        actor_id=actor.id,
        action="submissions.remind",
        obj=competition,
        competition_id=competition.id,
        units=len(rows),
        messages=len(made),
    )
    return made


def missing_xlsx(competition: Competition) -> bytes:
    """未报送单位名单: whom to phone, with contact, count and deadline."""
    from openpyxl import Workbook

    from judging.web import shanghai

    book = Workbook()
    sheet = book.active
    sheet.title = "未报送单位"
    sheet.append(
        ["单位", "类型", "联系人", "电话", "邮箱", "已报送件数", "最少件数",
         "截止时间（北京时间）"]
    )  # fmt: skip
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

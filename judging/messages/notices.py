"""What the system tells units and objectors, one function per occasion.

Called by the services where the event happens (an entry saved, a redaction
requested, a phase entered …), in the same transaction: the messages exist
exactly when the change commits, and their e-mails go out afterwards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select

from judging.accounts.models import Unit, User
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import SHANGHAI, local_day
from judging.competitions.service import on_enter
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.messages.models import Message
from judging.messages.service import compose, eligible_units, unit_contacts
from judging.submissions.models import Entry


def link(endpoint: str, **values: object) -> str:
    """An absolute link when there is a request (or SERVER_NAME); else none."""
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        return ""


def local(instant: datetime | None) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if instant else ""


def to_unit(
    kind: str, competition: Competition, unit: Unit, values: dict[str, str]
) -> list[Message]:
    contacts = unit_contacts([unit.id])[unit.id]
    base = {"competition": competition.title, "unit": unit.name}
    return compose(
        kind=kind, competition=competition, users=contacts, values=base | values
    )


def entry_received(entry: Entry) -> list[Message]:
    return to_unit(
        "entry_received",
        entry.competition,
        entry.unit,
        {
            "title": entry.title,
            "submitted_at": local(entry.submitted_at),
            "receipt_url": link(
                "submissions.receipt", competition_id=entry.competition_id
            ),
        },
    )


def redaction_requested(
    entry: Entry, *, note: str, findings: str, until: datetime
) -> list[Message]:
    return to_unit(
        "redaction_requested",
        entry.competition,
        entry.unit,
        {
            "title": entry.title,
            "note": note or "（无）",
            "findings": findings or "（见报送页面）",
            "until": local(until),
            "url": link("anonymity.unit_redacted", entry_id=entry.id),
        },
    )


def redaction_accepted(entry: Entry, *, findings: int) -> list[Message]:
    verdict = "未发现问题" if not findings else f"仍有 {findings} 处待主办方核查"
    return to_unit(
        "redaction_accepted",
        entry.competition,
        entry.unit,
        {"title": entry.title, "findings": verdict},
    )


def _submitted_counts(competition: Competition) -> dict[int, int]:
    from judging.submissions.service import submitted_counts

    return submitted_counts(competition)


def not_yet_submitted(competition: Competition) -> list[Unit]:
    """Eligible units that have not reached the minimum number of entries."""
    counts = _submitted_counts(competition)
    minimum = max(competition.min_entries, 1)
    return [u for u in eligible_units(competition) if counts.get(u.id, 0) < minimum]


def submission_closed(competition: Competition, *, closed_at: datetime) -> int:
    """Every eligible unit is told; an early close says so."""
    counts = _submitted_counts(competition)
    early = closed_at < competition.closes_at
    note = "主办方提前截止了报送。" if early else ""
    sent = 0
    for unit in eligible_units(competition):
        sent += len(
            to_unit(
                "submission_closed",
                competition,
                unit,
                {
                    "deadline": local(competition.closes_at),
                    "closed_at": local(closed_at),
                    "submitted": str(counts.get(unit.id, 0)),
                    "note": note,
                },
            )
        )
    return sent


@on_enter(Phase.CLOSED)
def _tell_closed(competition: Competition, actor: User) -> None:
    submission_closed(competition, closed_at=utcnow())


REMINDER_DAYS = (3, 1)


def deadline_reminders(competition: Competition, *, now: datetime) -> int:
    """3 days and 1 day before the deadline (Asia/Shanghai calendar days), the
    eligible units below the minimum are reminded, once per unit and day."""
    if competition.phase != Phase.OPEN:
        return 0
    last = local_day(competition.closes_at, inclusive_end=True)
    days = (last - local_day(now)).days
    if days not in REMINDER_DAYS:
        return 0
    day_start = datetime.combine(local_day(now), datetime.min.time(), SHANGHAI)
    already = set(
        db.session.scalars(
            select(User.unit_id)
            .join(Message, Message.user_id == User.id)
            .where(
                Message.competition_id == competition.id,
                Message.kind == "deadline_approaching",
                Message.created_at >= day_start,
                Message.created_at < day_start + timedelta(days=1),
            )
        )
    )
    counts = _submitted_counts(competition)
    sent = 0
    for unit in not_yet_submitted(competition):
        if unit.id in already:
            continue
        sent += len(
            to_unit(
                "deadline_approaching",
                competition,
                unit,
                {
                    "days": str(days),
                    "deadline": local(competition.closes_at),
                    "submitted": str(counts.get(unit.id, 0)),
                    "minimum": str(max(competition.min_entries, 1)),
                    "url": link("submissions.dashboard"),
                },
            )
        )
    return sent


def _organisation_awards(competition: Competition) -> list[tuple[int, str | None]]:
    """(unit, live certificate serial or None) of the units given the 优秀组织奖."""
    from judging.certificates.models import Certificate
    from judging.results.models import OrganisationAward

    return [
        (unit_id, serial)
        for unit_id, serial in db.session.execute(
            select(OrganisationAward.unit_id, Certificate.serial)
            .outerjoin(
                Certificate,
                (Certificate.unit_id == OrganisationAward.unit_id)
                & (Certificate.competition_id == competition.id)
                & (Certificate.kind == "organisation")
                & Certificate.revoked_at.is_(None),
            )
            .where(
                OrganisationAward.competition_id == competition.id,
                OrganisationAward.is_awarded.is_(True),
            )
        )
    ]


def results_published(competition: Competition) -> int:
    """Each unit with entries gets its own results and certificate serials."""
    from judging.certificates.models import Certificate
    from judging.results.models import Result

    rows = db.session.execute(
        select(Entry, Result)
        .join(Result, Result.entry_id == Entry.id)
        .where(Entry.competition_id == competition.id)
        .order_by(Entry.unit_id, Result.tier_position, Entry.id)
    ).all()
    serials: dict[int, list[str]] = {}  # one per entry, or one per author
    for entry_id, serial in db.session.execute(
        select(Certificate.entry_id, Certificate.serial)
        .join(Entry, Entry.id == Certificate.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Certificate.revoked_at.is_(None),
        )
        .order_by(Certificate.author_position, Certificate.id)
    ):
        serials.setdefault(entry_id, []).append(serial)
    lines: dict[int, list[str]] = {}
    for entry, result in rows:
        outcome = (
            result.tier_name
            if result.tier_name and not result.is_excluded
            else "未获奖"
        )
        held = serials.get(entry.id)
        serial = f"（证书编号 {'、'.join(held)}）" if held else ""
        category = f"（{result.category}）" if result.category else ""
        lines.setdefault(entry.unit_id, []).append(
            f"  《{entry.title}》{category}：{outcome}{serial}"
        )
    for unit_id, serial in _organisation_awards(competition):
        if unit_id in lines:
            held = f"（证书编号 {serial}）" if serial else ""
            lines[unit_id].append(f"  本单位获优秀组织奖{held}")
    sent = 0
    for unit in db.session.scalars(select(Unit).where(Unit.id.in_(list(lines)))):
        sent += len(
            to_unit(
                "results_published",
                competition,
                unit,
                {
                    "results": "\n".join(lines[unit.id]),
                    "url": link("results.unit", competition_id=competition.id),
                },
            )
        )
    return sent

"""公示, objections (异议), the final list and corrections after publication.

Between 已定稿 and 已公布 comes 公示中: the organiser shows a provisional list
(the fields chosen) for an objection period (Asia/Shanghai calendar days).
During it, contacts of eligible units — and, if allowed, anyone giving a name
and a phone number — may object to an entry. Each objection is answered
(upheld or rejected, the reply goes to the objector); a result may change
during 公示 with a written reason. The final list can be published only after
the period and once every objection is answered. After publication a result
changes only by an audited correction, which revokes the entry's certificate,
issues a new one and is shown on the public list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select

from judging.accounts.models import Role, User
from judging.audit.service import record
from judging.certificates.models import Certificate
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import end_of_day, local_day, start_of_day
from judging.competitions.service import (
    CompetitionError,
    advance_phase,
    guard,
    on_enter,
)
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_, Refusal, said
from judging.messages import notices
from judging.messages.service import compose, compose_to_address, eligible_units
from judging.publication.models import (
    Correction,
    Objection,
    ObjectionStatus,
    Publicity,
)
from judging.results.models import Result
from judging.submissions.models import Entry

FIELD_LABELS = {
    "title": N_("作品题目"),
    "unit": N_("单位"),
    "authors": N_("作者"),
    "advisor": N_("指导教师"),
    "tier": N_("奖项"),
    "category": N_("类别"),
}
NOT_AWARDED = "未获奖"
DECISION_LABELS = {"upheld": N_("异议成立"), "rejected": N_("异议不成立")}
PER_ADDRESS_PER_HOUR = 5
PER_PERSON_PER_DAY = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_KINDS = {
    b"%PDF": "pdf",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpg",
    b"PK\x03\x04": "docx",
}
PHONE = re.compile(r"^[0-9+\-（）() ]{7,20}$")


class PublicationError(Refusal):
    """A refused publication action (see `judging.i18n.Refusal`)."""


def _require_organiser(actor: User | None) -> None:
    if actor is None or actor.role != Role.ORGANISER:
        raise PublicationError(N_("只有主办方可以进行此操作。"))


def publicity_of(competition: Competition) -> Publicity | None:
    return db.session.scalar(
        select(Publicity).where(Publicity.competition_id == competition.id)
    )


# --- the provisional list --------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    entry: Entry
    tier: str
    position: int
    correction: Correction | None = None
    category: str = ""  # the category ranked apart, else the entry's own


def awarded_list(competition: Competition) -> list[ListRow]:
    """The frozen awarded entries by category ranked apart (in the
    competition's order), tier, then rank (the 公示 and final list)."""
    from judging.results.service import category_order

    results = db.session.execute(
        select(Result, Entry)
        .join(Entry, Entry.id == Result.entry_id)
        .where(
            Result.competition_id == competition.id,
            Result.tier_name.is_not(None),
            Result.is_excluded.is_(False),
        )
        .order_by(
            *category_order(competition), Result.tier_position, Result.rank, Entry.id
        )
    ).all()
    latest = {c.entry_id: c for c in corrections(competition)}
    return [
        ListRow(
            entry,
            r.tier_name or "",
            r.tier_position or 0,
            latest.get(entry.id),
            category=r.category or entry.category,
        )
        for r, entry in results
    ]


def objection_window(publicity: Publicity) -> tuple[date, date]:
    return local_day(publicity.starts_at), local_day(
        publicity.ends_at, inclusive_end=True
    )


def objections_open(competition: Competition, now: datetime) -> bool:
    publicity = publicity_of(competition)
    return (
        competition.phase == Phase.PUBLICITY
        and publicity is not None
        and publicity.starts_at <= now < publicity.ends_at
    )


# --- starting 公示 ---------------------------------------------------------------


@dataclass(frozen=True)
class PublicitySettings:
    starts_on: date
    ends_on: date
    fields: tuple[str, ...]
    allow_public: bool = False
    note: str = ""


def check_settings(s: PublicitySettings, *, today: date) -> list[str]:
    problems = []
    if s.ends_on < s.starts_on:
        problems.append(N_("公示结束日期不能早于开始日期。"))
    if s.ends_on < today:
        problems.append(N_("公示结束日期不能早于今天。"))
    if (s.ends_on - s.starts_on).days > 60:
        problems.append(N_("公示期最长 60 天。"))
    unknown = [f for f in s.fields if f not in FIELD_LABELS]
    if unknown or "title" not in s.fields:
        problems.append(N_("公示内容须包含作品题目，且只能从列出的项目中选择。"))
    if len(s.note) > 2000:
        problems.append(N_("公示说明最多 2000 字。"))
    return problems


def start_publicity(
    *,
    actor: User,
    competition: Competition,
    settings: PublicitySettings,
    now: datetime,
) -> Publicity:
    """Publish the provisional list (公示) and open the objection period."""
    _require_organiser(actor)
    if competition.phase != Phase.FINALISED:
        raise PublicationError(N_("结果定稿后才能开始公示。"))
    problems = check_settings(settings, today=local_day(now))
    if problems:
        raise PublicationError(problems, sep="")
    publicity = publicity_of(competition) or Publicity(competition_id=competition.id)
    publicity.starts_at = start_of_day(settings.starts_on)
    publicity.ends_at = end_of_day(settings.ends_on)
    publicity.fields = ",".join(f for f in FIELD_LABELS if f in settings.fields)
    publicity.allow_public = settings.allow_public
    publicity.note = settings.note.strip()
    publicity.started_at = now
    db.session.add(publicity)
    db.session.flush()
    try:
        advance_phase(actor=actor, competition=competition, target=Phase.PUBLICITY)
    except CompetitionError as exc:
        raise PublicationError(exc.errors) from exc
    record(
        actor_id=actor.id,
        action="publicity.start",
        obj=competition,
        competition_id=competition.id,
        starts=settings.starts_on.isoformat(),
        ends=settings.ends_on.isoformat(),
        fields=publicity.field_list,
        allow_public=settings.allow_public,
    )
    starts, ends = objection_window(publicity)
    for unit in eligible_units(competition):
        notices.to_unit(
            "publicity_started",
            competition,
            unit,
            {
                "starts": starts.isoformat(),
                "ends": ends.isoformat(),
                "url": notices.link(
                    "publication.public", competition_id=competition.id
                ),
            },
        )
    return publicity


@guard(Phase.PUBLICITY)
def _publicity_set(competition: Competition) -> list[str]:
    if publicity_of(competition) is None:
        return [N_("请在“公示”页面设置公示期和公示内容后开始公示。")]
    return []


@guard(Phase.PUBLISHED)
def _objections_settled(competition: Competition) -> list[str]:
    publicity = publicity_of(competition)
    if publicity is None:
        return [N_("尚未公示，不能公布最终名单。")]
    problems = []
    if utcnow() < publicity.ends_at:
        _start, end = objection_window(publicity)
        problems.append(said(
            N_("公示期至 %(date)s 结束，结束后才能公布最终名单。"),
            date=end,
        ))
    open_count = db.session.scalar(
        select(func.count(Objection.id)).where(
            Objection.competition_id == competition.id,
            Objection.status == ObjectionStatus.OPEN,
        )
    )
    if open_count:
        problems.append(said(
            N_("还有 %(open_count)s 条异议未答复，全部答复后才能公布最终名单。"),
            open_count=open_count,
        ))
    return problems


@on_enter(Phase.PUBLISHED)
def _tell_units(competition: Competition, actor: User) -> None:
    notices.results_published(competition)


# --- objections -----------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionInput:
    entry_id: int
    name: str
    phone: str
    reasons: str
    email: str = ""
    file_data: bytes | None = None
    file_name: str = ""


def _file_kind(data: bytes) -> str | None:
    for magic, kind in FILE_KINDS.items():
        if data.startswith(magic):
            return kind
    return None


def _rate_limited(actor: User | None, data: ObjectionInput, address: str, now) -> bool:
    hour = db.session.scalar(
        select(func.count(Objection.id)).where(
            Objection.address == address,
            Objection.created_at > now - timedelta(hours=1),
        )
    )
    who = (
        Objection.user_id == actor.id
        if actor is not None
        else Objection.phone == data.phone.strip()
    )
    day = db.session.scalar(
        select(func.count(Objection.id)).where(
            who, Objection.created_at > now - timedelta(days=1)
        )
    )
    return bool((address and hour >= PER_ADDRESS_PER_HOUR) or day >= PER_PERSON_PER_DAY)


def lodge_objection(
    *,
    actor: User | None,
    competition: Competition,
    data: ObjectionInput,
    address: str,
    now: datetime,
) -> Objection:
    """An objection (异议) about one listed entry, during the objection period."""
    from judging.submissions.files import save_file

    publicity = publicity_of(competition)
    if not objections_open(competition, now) or publicity is None:
        raise PublicationError(N_("当前不在异议期内，不能提出异议。"))
    if actor is not None and actor.role != Role.UNIT:
        raise PublicationError(N_("异议由参赛单位联络员或公众提出。"))
    if actor is None and not publicity.allow_public:
        raise PublicationError(N_("本次公示仅受理参赛单位的异议，请联络员登录后提交。"))
    if actor is not None and actor.unit_id not in {
        u.id for u in eligible_units(competition)
    }:
        raise PublicationError(N_("贵单位不在本次征集范围内。"))
    problems = []
    name = data.name.strip()
    phone = data.phone.strip()
    if not name or len(name) > 80:
        problems.append(N_("请填写姓名（最多 80 字）。"))
    if actor is None and not PHONE.match(phone):
        problems.append(N_("请填写有效的联系电话。"))
    reasons = data.reasons.strip()
    if len(reasons) < 10 or len(reasons) > 3000:
        problems.append(N_("异议理由请写 10 至 3000 字。"))
    if data.entry_id not in {r.entry.id for r in awarded_list(competition)}:
        problems.append(N_("请选择公示名单中的作品。"))
    kind = None
    if data.file_data:
        kind = _file_kind(data.file_data)
        if kind is None or len(data.file_data) > MAX_FILE_BYTES:
            problems.append(N_("附件须为 PDF、Word 或图片（JPG/PNG），不超过 10 MB。"))
    if problems:
        raise PublicationError(problems, sep="")
    if _rate_limited(actor, data, address, now):
        raise PublicationError(N_("提交过于频繁，请稍后再试。"))
    objection = Objection(
        competition_id=competition.id,
        entry_id=data.entry_id,
        user_id=actor.id if actor else None,
        name=name,
        phone=phone[:40],
        email=data.email.strip()[:120],
        address=address[:64],
        reasons=reasons,
        created_at=now,
    )
    if data.file_data and kind:
        stored = save_file(data.file_data, kind=kind)
        objection.file_id = stored.id
        objection.file_name = (data.file_name.rsplit("/", 1)[-1] or f"附件.{kind}")[
            :200
        ]
    db.session.add(objection)
    db.session.flush()
    record(
        actor_id=actor.id if actor else None,
        action="objection.lodge",
        obj=objection,
        competition_id=competition.id,
        entry_id=data.entry_id,
        public=actor is None,
    )
    return objection


def objections(competition: Competition) -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.competition_id == competition.id)
            .order_by(Objection.status != ObjectionStatus.OPEN, Objection.id)
        )
    )


def own_objections(
    user: User, competition: Competition | None = None
) -> list[Objection]:
    """A unit contact's own objections (never another unit's)."""
    query = select(Objection).where(Objection.user_id == user.id)
    if competition is not None:
        query = query.where(Objection.competition_id == competition.id)
    return list(db.session.scalars(query.order_by(Objection.id.desc())))


def _tier_position(competition: Competition, tier: str) -> int | None:
    names = [t.name for t in competition.tiers]
    if tier == NOT_AWARDED:
        return None
    if tier not in names:
        raise PublicationError(said(N_("未知的奖项：%(tier)s"), tier=tier))
    return names.index(tier) + 1


def _set_tier(
    *, actor: User, competition: Competition, entry: Entry, tier: str, reason: str
) -> tuple[str, str]:
    if entry.competition_id != competition.id:
        raise PublicationError(N_("该作品不属于本竞赛。"))
    if len(reason.strip()) < 4:
        raise PublicationError(N_("请写明变更结果的理由。"))
    result = db.session.scalar(select(Result).where(Result.entry_id == entry.id))
    if result is None:
        raise PublicationError(N_("该作品没有定稿结果。"))
    position = _tier_position(competition, tier)
    before = result.tier_name or NOT_AWARDED
    if before == tier:
        raise PublicationError(N_("新结果与原结果相同。"))
    result.tier_name = None if position is None else tier
    result.tier_position = position
    result.override_reason = reason.strip()
    db.session.flush()
    from judging.results.rules_service import refresh_organisation_awards

    refresh_organisation_awards(competition)  # they follow the frozen tiers
    record(
        actor_id=actor.id,
        action="results.change",
        obj=entry,
        competition_id=competition.id,
        before=before,
        after=tier,
        reason=reason.strip(),
        phase=competition.phase,
    )
    return before, tier


def answer_objection(
    *,
    actor: User,
    objection: Objection,
    decision: str,
    reply: str,
    new_tier: str = "",
    change_reason: str = "",
    now: datetime,
) -> None:
    """Answer one objection; the reply goes to the objector. An upheld
    objection may change the entry's result (with a reason, audited)."""
    _require_organiser(actor)
    competition = db.session.get(Competition, objection.competition_id)
    if competition.phase != Phase.PUBLICITY:
        raise PublicationError(N_("公示已结束，不能再答复异议。"))
    if objection.status != ObjectionStatus.OPEN:
        raise PublicationError(N_("该异议已答复。"))
    if decision not in DECISION_LABELS:
        raise PublicationError(N_("请选择“异议成立”或“异议不成立”。"))
    if len(reply.strip()) < 4:
        raise PublicationError(N_("请填写给异议人的答复。"))
    if new_tier:
        _set_tier(
            actor=actor,
            competition=competition,
            entry=objection.entry,
            tier=new_tier,
            reason=change_reason or reply,
        )
    objection.status = decision
    objection.reply = reply.strip()
    objection.answered_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="objection.answer",
        obj=objection,
        competition_id=competition.id,
        decision=decision,
        changed_to=new_tier or None,
    )
    values = {
        "competition": competition.title,
        "name": objection.name,
        "title": objection.entry.title,
        "decision": DECISION_LABELS[decision],
        "reply": objection.reply,
    }
    if objection.user_id is not None:
        compose(
            kind="objection_reply",
            competition=competition,
            users=[db.session.get(User, objection.user_id)],
            values=values,
        )
    elif objection.email:
        compose_to_address(
            kind="objection_reply",
            competition=competition,
            name=objection.name,
            email=objection.email,
            values=values,
        )


def change_result(
    *, actor: User, competition: Competition, entry: Entry, tier: str, reason: str
) -> None:
    """During 公示, the organiser changes one entry's award (reason audited)."""
    _require_organiser(actor)
    if competition.phase != Phase.PUBLICITY:
        raise PublicationError(N_("只有公示期间可以直接调整结果；公布后请使用更正。"))
    _set_tier(
        actor=actor, competition=competition, entry=entry, tier=tier, reason=reason
    )


def publish_final(*, actor: User, competition: Competition, now: datetime) -> None:
    """The final list, once the period is over and every objection answered."""
    from judging.results import service as results

    _require_organiser(actor)
    try:
        results.publish(actor=actor, competition=competition, now=now)
    except results.ResultsError as exc:
        raise PublicationError(exc.errors) from exc


# --- corrections after publication ----------------------------------------------


def corrections(competition: Competition) -> list[Correction]:
    return list(
        db.session.scalars(
            select(Correction)
            .where(Correction.competition_id == competition.id)
            .order_by(Correction.id)
        )
    )


def correction_for_serial(serial: str) -> Correction | None:
    """The correction that revoked or issued this certificate, if any."""
    if not serial:
        return None
    return db.session.scalar(
        select(Correction)
        .where(or_(Correction.old_serial == serial, Correction.new_serial == serial))
        .order_by(Correction.id.desc())
    )


def correct_result(
    *,
    actor: User,
    competition: Competition,
    entry: Entry,
    tier: str,
    reason: str,
    now: datetime,
) -> Correction:
    """Reopen one published result: new award, certificate revoked and (if
    still awarded) reissued, a visible 更正 on the public list, the unit told."""
    from judging.certificates.service import new_serial, revoke_certificate

    _require_organiser(actor)
    if competition.phase != Phase.PUBLISHED:
        raise PublicationError(N_("结果公布后才能更正；公示期间请直接调整。"))
    before, after = _set_tier(
        actor=actor, competition=competition, entry=entry, tier=tier, reason=reason
    )
    # one certificate per entry, or one per author: every live one is replaced
    olds = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.entry_id == entry.id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.author_position, Certificate.id)
        )
    )
    for old in olds:
        revoke_certificate(
            actor=actor, certificate=old, reason=f"结果更正：{reason.strip()}", now=now
        )
    old_serial = olds[0].serial if olds else ""
    new = ""
    if after != NOT_AWARDED and olds:
        used = set(db.session.scalars(select(Certificate.serial)))
        for old in olds:
            serial = new_serial()
            while serial in used:
                serial = new_serial()
            used.add(serial)
            new = new or serial
            db.session.add(
                Certificate(
                    entry_id=entry.id,
                    kind=old.kind,
                    author_position=old.author_position,
                    serial=serial,
                    issued_at=now,
                )
            )
    correction = Correction(
        competition_id=competition.id,
        entry_id=entry.id,
        before_tier=before,
        after_tier=after,
        reason=reason.strip(),
        old_serial=old_serial,
        new_serial=new,
        actor_id=actor.id,
        created_at=now,
    )
    db.session.add(correction)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.correct",
        obj=correction,
        competition_id=competition.id,
        entry_id=entry.id,
        before=before,
        after=after,
        old_serial=old_serial,
        new_serial=new,
    )
    notices.to_unit(
        "result_corrected",
        competition,
        entry.unit,
        {
            "title": entry.title,
            "before": before,
            "after": after,
            "reason": reason.strip(),
            "serial": new or "—",
        },
    )
    return correction


def publish_after_publicity(
    *,
    actor: User,
    competition: Competition,
    started: datetime,
    now: datetime,
    days: int = 7,
    fields: tuple[str, ...] = tuple(FIELD_LABELS),
) -> None:
    """A 公示 of `days` days that began at `started` and had no objection,
    then the final list: for demo data and scripts (the period must be over)."""
    first = local_day(started)
    start_publicity(
        actor=actor,
        competition=competition,
        settings=PublicitySettings(
            starts_on=first, ends_on=first + timedelta(days=days - 1), fields=fields
        ),
        now=started,
    )
    publish_final(actor=actor, competition=competition, now=now)

"""A small complete world for the authorisation and anonymity tests.

Two units (A and B) with contacts, three competitions (a draft one, one in
review and one published with certificates), judges A and B each assigned to
their own entries, a draft and a submitted review, settled findings, a
conflict, a seal, a finished certificate job, an audit trail, and one
deactivated user of every role. Everything goes through the real services
where one exists, so the rows look exactly like production rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select

from judging.accounts.models import Judge, Role, Unit, User
from judging.accounts.service import hash_password
from judging.anonymity.models import Finding, FindingStatus
from judging.anonymity.service import mark_harmless
from judging.assignment.models import Assignment
from judging.assignment.service import add_conflict
from judging.certificates import jobs
from judging.certificates import service as certificates
from judging.competitions import service as competitions
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import DEFAULT_RUBRIC, Settings, TierSpec
from judging.dbtypes import utcnow
from judging.downloads import jobs as downloads
from judging.extensions import db
from judging.jobs import job_status
from judging.messages.models import Message
from judging.originality import service as originality
from judging.originality.models import SimilarPair
from judging.publication.models import Objection
from judging.publication.service import publish_after_publicity
from judging.results import computed
from judging.results import service as results
from judging.results.demo import add_review
from judging.review.service import save_review
from judging.submissions import service as submissions
from judging.submissions.demo import essay_docx
from judging.submissions.files import save_file
from judging.submissions.models import Attachment, Entry

PASSWORD = "correct-horse-9"
BODY = [
    "产业工人是工人阶级的主体力量，是创造社会财富的中坚力量。",
    "推进产业工人队伍建设改革，是实施制造强国战略的重要支撑。",
    "最后，本文从制度、组织和文化三个层面提出了对策建议。",
]


@dataclass
class World:
    """Ids of everything the tests address, by the role that owns it."""

    users: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    competitions: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    assignments: dict[str, int] = field(default_factory=dict)
    reviews: dict[str, int] = field(default_factory=dict)
    finding: int = 0
    pair: int = 0
    conflict: int = 0
    certificates: dict[str, int] = field(default_factory=dict)
    serial: str = ""
    jobs: dict[str, str] = field(default_factory=dict)
    attachments: dict[str, int] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)
    objection: int = 0


def seal_png() -> bytes:
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 116, 116), outline=(200, 16, 30, 220))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_user(
    username: str,
    role: str,
    *,
    unit: Unit | None = None,
    judge_name: str = "",
    enabled: bool = True,
) -> User:
    """A ready account (no forced password change) with the shared password."""
    user = User(
        username=username,
        password_hash=hash_password(PASSWORD),
        role=role,
        display_name=username,
        must_change_password=False,
        is_enabled=enabled,
        unit_id=unit.id if unit else None,
    )
    db.session.add(user)
    db.session.flush()
    if role == Role.JUDGE:
        db.session.add(
            Judge(
                user_id=user.id,
                name=judge_name or f"专家{username}",
                affiliation="重庆市总工会",
                email=f"{username}@example.org",
            )
        )
        db.session.flush()
    return user


def make_competition(
    organiser: User,
    title: str,
    *,
    prefix: str,
    k: int = 1,
    tiers: tuple[TierSpec, ...] = (TierSpec("一等奖", count=1),),
) -> Competition:
    """An open competition whose window includes today."""
    today = date.today()
    c = competitions.create_competition(
        actor=organiser,
        settings=Settings(
            title=title,
            opens_on=today - timedelta(days=5),
            closes_on=today + timedelta(days=5),
            min_entries=1,
            max_entries=5,
            file_types=frozenset({"pdf", "docx"}),
            max_file_mb=20,
            min_words=None,
            max_words=None,
            reviews_per_entry=k,
            criteria=DEFAULT_RUBRIC,
            tiers=tiers,
        ),
        extras=competitions.Extras(
            code_prefix=prefix, issuer="重庆市教科文卫体工会", issued_on=today
        ),
    )
    competitions.advance_phase(actor=organiser, competition=c, target=Phase.OPEN)
    return c


def submit(
    contact: User,
    competition: Competition,
    *,
    title: str,
    author: str,
    data: bytes | None = None,
    filename: str = "论文.docx",
    advisor: str = "",
    abstract: str = "本文研究产业工人队伍建设改革。",
) -> Entry:
    """An entry through the submission service (original file, checks, audit)."""
    return submissions.create_entry(
        actor=contact,
        competition=competition,
        data=submissions.EntryInput(
            title=title,
            category="理论研究",
            authors=(submissions.AuthorInput(name=author, department="工会"),),
            advisor=advisor,
            abstract=abstract,
            keywords="产业工人",
        ),
        upload=submissions.Upload(
            data=data if data is not None else essay_docx(title, BODY),
            filename=filename,
        ),
        now=utcnow(),
    )


def settle_findings(organiser: User, competition: Competition) -> list[Finding]:
    """Mark every open finding harmless, so the competition may go to review."""
    found = db.session.scalars(
        select(Finding)
        .join(Entry, Entry.id == Finding.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Finding.status == FindingStatus.OPEN,
        )
    ).all()
    for finding in found:
        mark_harmless(
            actor=organiser,
            finding=finding,
            note="测试数据：已逐条核实，该处不暴露作者或学校身份。",
        )
    return list(found)


def assign(entry: Entry, judge: User) -> Assignment:
    assignment = Assignment(entry_id=entry.id, judge_id=judge.judge.id)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _points(competition: Competition, share: float) -> dict[int, Decimal | None]:
    return {
        c.id: Decimal(round(share * c.max_points * 2)) / 2 for c in competition.criteria
    }


def build_world() -> World:
    """Build the world and commit it (about a second on SQLite)."""
    w = World()
    org = make_user("organiser", Role.ORGANISER)
    org_off = make_user("organiser-off", Role.ORGANISER)
    unit_a = Unit(name="甲测试大学", short_name="甲大", aliases="甲校")
    unit_b = Unit(name="乙测试大学", short_name="乙大", aliases="乙校")
    db.session.add_all([unit_a, unit_b])
    db.session.flush()
    contact_a = make_user("unit-a", Role.UNIT, unit=unit_a)
    contact_b = make_user("unit-b", Role.UNIT, unit=unit_b)
    unit_off = make_user("unit-off", Role.UNIT, unit=unit_a)
    judge_a = make_user("judge-a", Role.JUDGE, judge_name="评审甲")
    judge_b = make_user("judge-b", Role.JUDGE, judge_name="评审乙")
    judge_c = make_user("judge-c", Role.JUDGE, judge_name="评审丙")
    judge_off = make_user("judge-off", Role.JUDGE, judge_name="评审停")
    spare = make_user("spare", Role.UNIT, unit=unit_b)

    draft = competitions.create_competition(
        actor=org,
        settings=Settings(
            title="草稿征文",
            opens_on=date.today(),
            closes_on=date.today() + timedelta(days=30),
            min_entries=1,
            max_entries=5,
            file_types=frozenset({"pdf", "docx"}),
            max_file_mb=20,
            min_words=None,
            max_words=None,
            reviews_per_entry=1,
            criteria=DEFAULT_RUBRIC,
            tiers=(TierSpec("一等奖", count=1),),
        ),
        extras=competitions.Extras(code_prefix="CG"),
    )

    # Published: both units awarded, certificates issued, a seal, a job.
    two_tiers = (TierSpec("一等奖", count=1), TierSpec("二等奖", count=1))
    pub = make_competition(org, "已公布征文", prefix="GB", tiers=two_tiers)
    a_pub = submit(contact_a, pub, title="甲方已公布论文", author="张一")
    b_pub = submit(contact_b, pub, title="乙方已公布论文", author="李二")
    competitions.advance_phase(actor=org, competition=pub, target=Phase.CLOSED)
    settle_findings(org, pub)
    pa, pb = assign(a_pub, judge_a), assign(b_pub, judge_b)
    competitions.advance_phase(actor=org, competition=pub, target=Phase.REVIEWING)
    for assignment, total in ((pa, "90"), (pb, "80")):
        add_review(
            assignment=assignment,
            total=Decimal(total),
            criteria=list(pub.criteria),
            comment="论点明确。",
            now=utcnow(),
        )
    results.finalise(actor=org, competition=pub, method="mean", now=utcnow())
    publish_after_publicity(
        actor=org,
        competition=pub,
        started=utcnow() - timedelta(days=10),
        now=utcnow(),
    )
    certificates.save_seal(actor=org, competition=pub, data=seal_png(), now=utcnow())
    made = certificates.issue_certificates(actor=org, competition=pub, now=utcnow())
    by_entry = {c.entry_id: c for c in made}

    # In review: judge A has a draft on A's entry, judge B submitted on B's.
    rev = make_competition(org, "评审中征文", prefix="PS")
    a_rev = submit(
        contact_a,
        rev,
        title="甲方评审中论文",
        author="王三",
        data=essay_docx("甲方评审中论文", BODY, author="王三"),
        abstract="与乙测试大学的同类研究相比，本文研究产业工人队伍建设改革。",
    )
    b_rev = submit(contact_b, rev, title="乙方评审中论文", author="赵四")
    competitions.advance_phase(actor=org, competition=rev, target=Phase.CLOSED)
    # The two essays share their body: a 查重 pair for the organiser to settle.
    originality.check_competition(competition=rev, now=utcnow())
    pair = db.session.scalar(
        select(SimilarPair).where(SimilarPair.competition_id == rev.id)
    )
    findings = settle_findings(org, rev)
    ra, rb = assign(a_rev, judge_a), assign(b_rev, judge_b)
    competitions.advance_phase(actor=org, competition=rev, target=Phase.REVIEWING)
    draft_points = _points(rev, 0.7)
    for criterion_id in list(draft_points)[2:]:
        draft_points[criterion_id] = None
    save_review(
        actor=judge_a,
        assignment=ra,
        points=draft_points,
        comment="",
        submit=False,
        now=utcnow(),
    )
    save_review(
        actor=judge_b,
        assignment=rb,
        points=_points(rev, 0.8),
        comment="论证充分。",
        submit=True,
        now=utcnow(),
    )
    conflict = add_conflict(
        actor=org, judge=judge_c.judge, unit=unit_b, reason="曾任教", now=utcnow()
    )
    # The live results as the queue leaves them, so reading them writes nothing.
    computed.compute_and_store(rev)
    db.session.commit()

    w.users = {
        "organiser": org.id,
        "organiser-off": org_off.id,
        "unit-a": contact_a.id,
        "unit-b": contact_b.id,
        "unit-off": unit_off.id,
        "judge-a": judge_a.id,
        "judge-b": judge_b.id,
        "judge-c": judge_c.id,
        "judge-off": judge_off.id,
        "spare": spare.id,
    }
    w.units = {"a": unit_a.id, "b": unit_b.id}
    w.competitions = {"draft": draft.id, "reviewing": rev.id, "published": pub.id}
    w.entries = {"a-pub": a_pub.id, "b-pub": b_pub.id, "a": a_rev.id, "b": b_rev.id}
    w.assignments = {"a": ra.id, "b": rb.id, "a-pub": pa.id, "b-pub": pb.id}
    w.reviews = {"draft": ra.review.id, "submitted": rb.review.id}
    w.finding = findings[0].id if findings else 0
    w.conflict = conflict.id
    w.pair = pair.id
    w.certificates = {
        "a": by_entry[a_pub.id].id,
        "b": by_entry[b_pub.id].id,
    }
    w.serial = by_entry[a_pub.id].serial
    w.jobs = {
        "own": _finished_job(pub, org.id),
        "other": _finished_job(pub, org_off.id),
        "file": _finished_file(pub, org.id),
        "file-other": _finished_file(pub, org_off.id),
    }
    w.attachments = {"a": _photo(a_pub).id, "b": _photo(b_pub).id}
    # judges of the competition in review may see its photos (clean copies)
    rev.attachments_to_judges = True
    _photo(a_rev), _photo(b_rev)
    w.messages = {
        name: _message(pub, user_id)
        for name, user_id in w.users.items()
        if name in ("organiser", "unit-a", "unit-b", "judge-a", "judge-b")
    }
    w.objection = _objection(pub, a_pub, contact_b)
    db.session.commit()
    return w


def _photo(entry: Entry) -> Attachment:
    """A photo attached to an entry (with its preview), stored as uploads are."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(out, "PNG")
    stored = save_file(out.getvalue(), kind="png")
    attachment = Attachment(
        entry_id=entry.id,
        position=1,
        kind="photo",
        file_id=stored.id,
        file_name="活动.png",
        preview_file_id=stored.id,
        clean_file_id=stored.id,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def _message(competition: Competition, user_id: int) -> int:
    message = Message(
        kind="judge_reminder",
        competition_id=competition.id,
        user_id=user_id,
        subject="测试消息",
        body="测试正文",
        status="inbox",
        read_at=utcnow(),  # read: the badge would differ once the matrix opens it
    )
    db.session.add(message)
    db.session.flush()
    return message.id


def _objection(competition: Competition, entry: Entry, contact: User) -> int:
    """An answered objection with a file, lodged during the (past) 公示."""
    stored = save_file(b"%PDF-1.4 objection evidence", kind="pdf")
    objection = Objection(
        competition_id=competition.id,
        entry_id=entry.id,
        user_id=contact.id,
        name="乙方联络员",
        reasons="请复核该作品的计分情况。",
        file_id=stored.id,
        file_name="证据.pdf",
        status="rejected",
        reply="计分无误。",
        answered_at=utcnow(),
    )
    db.session.add(objection)
    db.session.flush()
    return objection.id


def _finished_job(competition: Competition, owner_id: int) -> str:
    """A batch run to the end (jobs run inline in tests, at the commit)."""
    job_id = jobs.start_batch(
        actor=db.session.get(User, owner_id), competition=competition, kind="pdf"
    )
    db.session.commit()
    status = job_status(job_id)
    if status is None or not status.finished:
        raise RuntimeError(f"certificate job did not finish: {status}")
    return job_id


def _finished_file(competition: Competition, owner_id: int) -> str:
    """An award list built by a job (inline in tests, at the commit)."""
    job_id = downloads.start(
        actor=db.session.get(User, owner_id),
        competition=competition,
        kind="awards-xlsx",
    )
    db.session.commit()
    status = job_status(job_id)
    if status is None or not status.finished:
        raise RuntimeError(f"download job did not finish: {status}")
    return job_id


def deactivate(user_ids: list[int]) -> None:
    """Deactivate accounts (after their sessions were opened)."""
    db.session.execute(
        User.__table__.update().where(User.id.in_(user_ids)).values(is_enabled=False)
    )
    db.session.commit()

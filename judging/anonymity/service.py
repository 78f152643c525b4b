"""Anonymity use cases: review copies, leak findings, codes, the organiser's queue."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from judging.accounts.models import Role, User
from judging.anonymity import pipeline
from judging.anonymity.models import Finding, FindingStatus
from judging.anonymity.pipeline import all_identities
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.competitions.service import guard, on_enter
from judging.dbtypes import utcnow
from judging.documents.inspection import DocumentRejected, accept_document
from judging.documents.scan import SchoolIdentity
from judging.extensions import db
from judging.i18n import N_
from judging.submissions.files import save_file
from judging.submissions.models import CheckState, Entry, EntryStatus

KIND_LABELS = {
    "school": N_("本校名称"), "person": N_("作者或指导教师姓名"),
    "email": N_("电子邮箱"),
    "phone": N_("电话号码"), "url": N_("个人网址"), "other_school": N_("提及其他高校"),
    "no_text": N_("无可提取文字（需人工检查）"),
    "unread_image": N_("图片文字无法可靠识别（需人工检查）"),
}  # fmt: skip
LOCATION_LABELS = {
    "body": N_("正文"), "header_footer": N_("页眉页脚"), "footnote": N_("脚注/尾注"),
    "comment": N_("批注"), "tracked_change": N_("修订记录"), "metadata": N_("文件属性"),
    "markup": N_("格式信息（样式名、链接等）"), "image": N_("图片中的文字"),
}  # fmt: skip
SEVERITY_LABELS = {"high": N_("严重"), "low": N_("提示"), "manual": N_("需人工检查")}


class AnonymityError(ValueError):
    """A refused anonymity action; the message is for the user."""


def process_entry(
    entry: Entry,
    *,
    others: list[SchoolIdentity] | None = None,
    source: tuple[bytes, str] | None = None,
) -> int:
    """``pipeline.process_entry`` with its refusal as an ``AnonymityError``."""
    try:
        return pipeline.process_entry(entry, others=others, source=source)
    except DocumentRejected as exc:
        raise AnonymityError(str(exc)) from exc


def open_high_findings(entry_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Finding.id)).where(
                Finding.entry_id == entry_id,
                Finding.status == FindingStatus.OPEN,
                Finding.severity.in_(("high", "manual")),
            )
        )
        or 0
    )


def blocked_entries(competition: Competition) -> list[Entry]:
    """Entries that may not go to judges: unresolved high or manual findings, or
    a check still running (检查中: OCR has not read the pictures yet)."""
    blocked = select(Finding.entry_id).where(
        Finding.status == FindingStatus.OPEN, Finding.severity.in_(("high", "manual"))
    )
    return list(
        db.session.scalars(
            select(Entry)
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
                or_(Entry.id.in_(blocked), Entry.check_state == CheckState.PENDING),
            )
            .order_by(Entry.code)
        )
    )


def _new_code(prefix: str, digits: int, taken: set[str]) -> str:
    while True:
        code = f"{prefix}-{secrets.randbelow(10**digits):0{digits}d}"
        if code not in taken:
            taken.add(code)
            return code


@on_enter(Phase.CLOSED)
def close_submissions(competition: Competition, actor: User) -> None:
    """Give every entry a random code and make sure it has a checked review copy.

    Codes are drawn at random (not in order of school or submission), so a code
    says nothing about who wrote the essay.
    """
    entries = list(
        db.session.scalars(
            select(Entry).where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
    )
    taken = set(db.session.scalars(select(Entry.code).where(Entry.code.is_not(None))))
    digits = 4 if len(entries) < 2000 else 6
    others = all_identities()
    for entry in entries:
        if entry.code is None:
            entry.code = _new_code(competition.code_prefix, digits, taken)
        if entry.review_file_id is None:
            process_entry(entry, others=others)
        entry.reopened_until = None
    db.session.flush()
    record(
        actor_id=actor.id,
        action="submissions.close",
        obj=competition,
        competition_id=competition.id,
        entries=len(entries),
    )


@guard(Phase.REVIEWING)
def _anonymity_settled(competition: Competition) -> list[str]:
    blocked = blocked_entries(competition)
    checking = [e for e in blocked if e.check_state == CheckState.PENDING]
    problems = [e for e in blocked if e.check_state != CheckState.PENDING]
    errors = []
    if checking:
        errors.append(
            f"作品 {_codes(checking)} 仍在检查中（正在识别图片中的文字），"
            "完成后才能进入评审。"
        )
    if problems:
        errors.append(
            f"作品 {_codes(problems)} 仍有未处理的匿名性问题，"
            "处理后才能分配给评审专家。"
        )
    return errors


def _codes(entries: list[Entry]) -> str:
    codes = "、".join(e.code or str(e.id) for e in entries[:10])
    return codes + (f" 等 {len(entries)} 篇" if len(entries) > 10 else "")


def _require_organiser(actor: User) -> None:
    if actor.role != Role.ORGANISER:
        raise AnonymityError("只有主办方可以处理匿名性问题。")


def mark_harmless(*, actor: User, finding: Finding, note: str) -> None:
    """The organiser judged a finding harmless (e.g. the school is the topic)."""
    _require_organiser(actor)
    if not note.strip():
        raise AnonymityError("请说明为何该问题无碍匿名。")
    finding.status = FindingStatus.HARMLESS
    finding.note = note.strip()
    finding.settled_at = utcnow()
    entry = db.session.get(Entry, finding.entry_id)
    record(
        actor_id=actor.id,
        action="finding.harmless",
        obj=finding,
        competition_id=entry.competition_id,
        note=note.strip(),
    )


def request_redaction(*, actor: User, entry: Entry, until: datetime, note: str) -> None:
    """Reopen one entry's file for its school until a date, to upload a clean copy."""
    _require_organiser(actor)
    if until <= utcnow():
        raise AnonymityError("重新提交的截止时间必须晚于现在。")
    entry.reopened_until = until
    record(
        actor_id=actor.id,
        action="entry.redaction_request",
        obj=entry,
        competition_id=entry.competition_id,
        until=until.isoformat(),
        note=note.strip(),
    )


@dataclass(frozen=True)
class Redacted:
    data: bytes
    filename: str


def replace_review_copy(
    *, actor: User, entry: Entry, upload: Redacted, now: datetime
) -> int:
    """A redacted file from the organiser (any time before review) or from the
    school while its entry is reopened; it is checked and scanned like the original.
    """
    by_school = actor.role == Role.SCHOOL and actor.school_id == entry.school_id
    if by_school:
        if entry.reopened_until is None or now >= entry.reopened_until:
            raise AnonymityError("该作品未开放重新提交，或已过重新提交截止时间。")
    else:
        _require_organiser(actor)
    if entry.competition.phase not in (Phase.OPEN, Phase.CLOSED):
        raise AnonymityError("评审已经开始，不能再更换评审稿。")
    competition = entry.competition
    try:
        doc = accept_document(
            upload.data,
            max_bytes=competition.max_file_mb * 1024 * 1024,
            allowed=competition.accepted_types,
            min_words=competition.min_words or 0,
            max_words=competition.max_words or 0,
        )
    except DocumentRejected as exc:
        raise AnonymityError(str(exc)) from exc
    stored = save_file(upload.data, kind=doc.kind)
    if by_school:  # the school's new file replaces its original
        entry.file_id = stored.id
        entry.file_name = upload.filename.rsplit("/", 1)[-1][:200] or entry.file_name
        entry.word_count = doc.word_count
        entry.reopened_until = None
        db.session.flush()
        db.session.refresh(entry)
        count = process_entry(entry)
    else:  # the organiser's redaction feeds the review copy; the original stays
        count = process_entry(entry, source=(upload.data, doc.kind))
    record(
        actor_id=actor.id,
        action="entry.redacted",
        obj=entry,
        competition_id=entry.competition_id,
        by_school=by_school,
        sha256=stored.sha256,
        findings=count,
    )
    return count


def queue(competition: Competition) -> list[tuple[Entry, list[Finding]]]:
    """Entries with findings, the most serious first."""
    rows = db.session.execute(
        select(Finding, Entry)
        .join(Entry, Entry.id == Finding.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .order_by(Entry.id, Finding.id)
    ).all()
    grouped: dict[int, tuple[Entry, list[Finding]]] = {}
    for finding, entry in rows:
        grouped.setdefault(entry.id, (entry, []))[1].append(finding)
    order = {"high": 0, "manual": 1, "low": 2}

    def weight(item: tuple[Entry, list[Finding]]) -> tuple:
        open_ = [f for f in item[1] if f.status == FindingStatus.OPEN]
        return (0 if open_ else 1, min((order[f.severity] for f in open_), default=3))

    return sorted(grouped.values(), key=weight)

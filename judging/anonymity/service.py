"""Anonymity use cases: review copies, leak findings, codes, the organiser's queue."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import Role, Unit, User
from judging.anonymity import pipeline
from judging.anonymity.models import Finding, FindingStatus
from judging.anonymity.pipeline import (
    FIELD_LOCATIONS,
    JUDGE_FIELDS,
    all_identities,
    field_texts,
    identity,
    scan_entry_fields,
    scan_file,
)
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.competitions.service import guard, on_enter
from judging.dbtypes import utcnow
from judging.documents.inspection import DocumentRejected, accept_document
from judging.documents.review_copy import make_review_copy
from judging.documents.scan import Finding as ScanFinding
from judging.documents.scan import UnitIdentity, is_distinctive_alias, scan_document
from judging.extensions import db
from judging.i18n import N_, message_of, said
from judging.messages import notices
from judging.submissions.files import save_file
from judging.submissions.models import CheckState, Entry, EntryStatus

KIND_LABELS = {
    "unit": N_("本校名称"), "person": N_("作者或指导教师姓名"),
    "email": N_("电子邮箱"),
    "phone": N_("电话号码"), "url": N_("个人网址"), "other_unit": N_("提及其他高校"),
    "no_text": N_("无可提取文字（需人工检查）"),
    "unread_image": N_("图片文字无法可靠识别（需人工检查）"),
}  # fmt: skip
LOCATION_LABELS = {
    "title": N_("题目"), "abstract": N_("摘要"), "keywords": N_("关键词"),
    "field": N_("报送信息"),
    "body": N_("正文"), "header_footer": N_("页眉页脚"), "footnote": N_("脚注/尾注"),
    "comment": N_("批注"), "tracked_change": N_("修订记录"), "metadata": N_("文件属性"),
    "markup": N_("格式信息（样式名、链接等）"), "image": N_("图片中的文字"),
}  # fmt: skip
# Text of the file a judge reads: a distinctive own-unit name found there can
# only be settled by redaction (README, 匿名性检查).
FILE_TEXT_LOCATIONS = frozenset({"body", "header_footer", "footnote", "image"})
OWN_KINDS = frozenset({"unit", "person"})
TRIVIAL_NOTES = frozenset(
    "无碍 无 没问题 没有问题 不影响 可以 同意 通过 确认 ok okay yes 是 好 已核实 "
    "已阅 误报 正常".split()
)
MIN_OVERRIDE_CHARS = 10
SEVERITY_LABELS = {"high": N_("严重"), "low": N_("提示"), "manual": N_("需人工检查")}


class AnonymityError(ValueError):
    """A refused anonymity action; the message is for the user."""


def process_entry(
    entry: Entry,
    *,
    others: list[UnitIdentity] | None = None,
    source: tuple[bytes, str] | None = None,
) -> int:
    """``pipeline.process_entry`` with its refusal as an ``AnonymityError``."""
    try:
        return pipeline.process_entry(entry, others=others, source=source)
    except DocumentRejected as exc:
        raise AnonymityError(message_of(exc)) from exc


def own_findings(entries: list[Entry]) -> dict[int, list[Finding]]:
    """Open findings of a unit's own entries, for its pre-flight notices."""
    ids = [e.id for e in entries]
    out: dict[int, list[Finding]] = {i: [] for i in ids}
    if not ids:
        return out
    rank = {loc: i for i, loc in enumerate((*FIELD_LOCATIONS, *LOCATION_LABELS))}
    for f in db.session.scalars(
        select(Finding)
        .where(Finding.entry_id.in_(ids), Finding.status == FindingStatus.OPEN)
        .order_by(Finding.id)
    ):
        out[f.entry_id].append(f)
    for items in out.values():
        items.sort(key=lambda f: (f.severity == "low", rank.get(f.location, 99)))
    return out


@dataclass(frozen=True)
class CheckInput:
    """What a unit gives to check a file without submitting it."""

    data: bytes
    filename: str
    title: str = ""
    abstract: str = ""
    keywords: str = ""
    people: tuple[str, ...] = ()


def _accept(competition: Competition, data: bytes):  # noqa: ANN202 (a Document)
    """The file checks of a submission: type, size, word limits."""
    return accept_document(
        data,
        max_bytes=competition.max_file_mb * 1024 * 1024,
        allowed=competition.accepted_types,
        min_words=competition.min_words or 0,
        max_words=competition.max_words or 0,
    )


def check_without_submitting(
    *, actor: User, competition: Competition, upload: CheckInput
) -> list[ScanFinding]:
    """Scan a unit's draft exactly as a submission would be (file checks,
    review copy, fields); nothing is stored. Findings in document order."""
    if actor.role != Role.UNIT or actor.unit_id is None:
        raise AnonymityError(N_("只有单位联络员可以检查文件。"))
    if competition.phase == Phase.DRAFT:
        raise AnonymityError(N_("该竞赛尚未开放。"))
    try:
        doc = _accept(competition, upload.data)
        copy = make_review_copy(upload.data, kind=doc.kind)
    except DocumentRejected as exc:
        raise AnonymityError(message_of(exc)) from exc
    unit = identity(actor.unit)
    others = all_identities()
    people = [p for p in upload.people if p.strip()]
    try:
        in_file = scan_file(
            copy, kind=doc.kind, unit=unit, people=people, others=others
        )
    except DocumentRejected as exc:
        raise AnonymityError(message_of(exc)) from exc
    in_fields = scan_document(
        field_texts(upload), unit=unit, people=people, other_units=others
    )
    return in_fields + in_file


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

    Codes are drawn at random (not in order of unit or submission), so a code
    says nothing about who wrote the essay. A collection is not judged: its
    entries need neither.
    """
    if competition.is_collection:
        return
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
            said(
                N_(
                    "作品 %(codes)s 仍在检查中（正在识别图片中的文字），完成后才能进入"
                    "评审。"
                ),
                codes=_codes(checking),
            )
        )
    if problems:
        errors.append(
            said(
                N_("作品 %(codes)s 仍有未处理的匿名性问题，处理后才能分配给评审专家。"),
                codes=_codes(problems),
            )
        )
    return errors


def _codes(entries: list[Entry]) -> str:
    codes = "、".join(e.code or str(e.id) for e in entries[:10])
    return codes + (f" 等 {len(entries)} 篇" if len(entries) > 10 else "")


def _require_organiser(actor: User) -> None:
    if actor.role != Role.ORGANISER:
        raise AnonymityError(N_("只有主办方可以处理匿名性问题。"))


def is_own_override(finding: Finding) -> bool:
    """A high finding about the entry's own unit or its people."""
    return finding.severity == "high" and finding.kind in OWN_KINDS


def needs_redaction(finding: Finding, unit: Unit) -> bool:
    """An own-unit name that is certainly the unit (its full name, a
    distinctive alias, English name, abbreviation or domain), in the file's text
    or an entry field a judge reads: no note can make that harmless, only
    redaction (of the file, or of the field by the organiser)."""
    if not (
        finding.severity == "high"
        and finding.kind == "unit"
        and finding.location in FILE_TEXT_LOCATIONS | set(FIELD_LOCATIONS)
    ):
        return False
    term = finding.term.strip()
    if not term:  # recorded before terms were kept: the evidence decides nothing
        return True
    short = {unit.short_name, *unit.alias_list} - {unit.name, ""}
    return not (term in short and not is_distinctive_alias(term))


def _substantive(note: str) -> bool:
    letters = re.sub(r"[\W_]+", "", note.lower())
    return len(letters) >= MIN_OVERRIDE_CHARS and letters not in TRIVIAL_NOTES


def mark_harmless(*, actor: User, finding: Finding, note: str) -> None:
    """The organiser judged a finding harmless (e.g. a namesake in the references).

    On a high finding about the entry's own unit or people the reason must say
    something (at least ten letters, not a bare "无碍"); the audit record then
    carries the evidence. A certain own-unit name in the file's text is
    refused: it is settled only by redaction.
    """
    _require_organiser(actor)
    note = note.strip()
    if not note:
        raise AnonymityError(N_("请说明为何该问题无碍匿名。"))
    entry = db.session.get(Entry, finding.entry_id)
    override = is_own_override(finding)
    if override and needs_redaction(finding, entry.unit):
        raise AnonymityError(
            N_("评审稿正文中出现本校名称，不能标记无碍：请上传处理后的评审稿，"
            "或请学校重新提交。")
        )
    if override and not _substantive(note):
        raise AnonymityError(
            said(
                N_(
                    "该问题涉及本校或作者本人，请写明具体理由（至少 %(min)s 个字），"
                    "例如“参考文献中的同名作者，非本文作者”。"
                ),
                min=MIN_OVERRIDE_CHARS,
            )
        )
    finding.status = FindingStatus.HARMLESS
    finding.note = note
    finding.settled_at = utcnow()
    record(
        actor_id=actor.id,
        action="finding.harmless",
        obj=finding,
        competition_id=entry.competition_id,
        note=note,
        own_override=override,
        kind=finding.kind,
        location=finding.location,
        term=finding.term,
        evidence=finding.evidence[:500],
    )


def request_redaction(*, actor: User, entry: Entry, until: datetime, note: str) -> None:
    """Reopen one entry's file for its unit until a date, to upload a clean copy."""
    _require_organiser(actor)
    if until <= utcnow():
        raise AnonymityError(N_("重新提交的截止时间必须晚于现在。"))
    entry.reopened_until = until
    record(
        actor_id=actor.id,
        action="entry.redaction_request",
        obj=entry,
        competition_id=entry.competition_id,
        until=until.isoformat(),
        note=note.strip(),
    )
    notices.redaction_requested(
        entry, note=note.strip(), findings=_open_findings_text(entry), until=until
    )


def _open_findings_text(entry: Entry) -> str:
    """The entry's open findings, one line each, for its own unit's message."""
    findings = db.session.scalars(
        select(Finding)
        .where(Finding.entry_id == entry.id, Finding.status == FindingStatus.OPEN)
        .order_by(Finding.id)
        .limit(20)
    )
    return "\n".join(
        f"  {LOCATION_LABELS.get(f.location, f.location)}："
        f"{KIND_LABELS.get(f.kind, f.kind)} {f.term or f.evidence[:60]}".rstrip()
        for f in findings
    )


@dataclass(frozen=True)
class RedactedFields:
    """The organiser's wording of the judge-facing fields (e.g. 某高校 for the
    unit's name)."""

    title: str
    abstract: str
    keywords: str


def redact_fields(*, actor: User, entry: Entry, fields: RedactedFields) -> int:
    """The organiser rewrites an entry's title, abstract or keywords before
    review (the unit can no longer edit them after the deadline); the fields
    are scanned again. Returns the number of field findings."""
    _require_organiser(actor)
    if entry.competition.phase not in (Phase.OPEN, Phase.CLOSED):
        raise AnonymityError(N_("评审已经开始，不能再修改作品信息。"))
    title = fields.title.strip()
    if not title:
        raise AnonymityError(N_("作品题目不能为空。"))
    if len(title) > 300 or len(fields.abstract) > 3000 or len(fields.keywords) > 300:
        raise AnonymityError(N_(
            "内容过长：题目最多 300 字，摘要 3000 字，关键词 300 字。"
        ))
    before = {attr: getattr(entry, attr) for attr, _ in JUDGE_FIELDS}
    entry.title = title
    entry.abstract = fields.abstract.strip()
    entry.keywords = fields.keywords.strip()
    changed = sorted(a for a, _ in JUDGE_FIELDS if getattr(entry, a) != before[a])
    count = scan_entry_fields(entry)
    record(
        actor_id=actor.id,
        action="entry.fields_redacted",
        obj=entry,
        competition_id=entry.competition_id,
        changed=changed,
        before={a: before[a][:300] for a in changed},
        findings=count,
    )
    return count


@dataclass(frozen=True)
class Redacted:
    data: bytes
    filename: str


def replace_review_copy(
    *, actor: User, entry: Entry, upload: Redacted, now: datetime
) -> int:
    """A redacted file from the organiser (any time before review) or from the
    unit while its entry is reopened; it is checked and scanned like the original.
    """
    by_unit = actor.role == Role.UNIT and actor.unit_id == entry.unit_id
    if by_unit:
        if entry.reopened_until is None or now >= entry.reopened_until:
            raise AnonymityError(N_("该作品未开放重新提交，或已过重新提交截止时间。"))
    else:
        _require_organiser(actor)
    if entry.competition.phase not in (Phase.OPEN, Phase.CLOSED):
        raise AnonymityError(N_("评审已经开始，不能再更换评审稿。"))
    try:
        doc = _accept(entry.competition, upload.data)
    except DocumentRejected as exc:
        raise AnonymityError(message_of(exc)) from exc
    stored = save_file(upload.data, kind=doc.kind)
    if by_unit:  # the unit's new file replaces its original
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
        by_unit=by_unit,
        sha256=stored.sha256,
        findings=count,
    )
    if by_unit:
        notices.redaction_accepted(entry, findings=count)
    return count


def queue(
    competition: Competition, *, overrides_only: bool = False
) -> list[tuple[Entry, list[Finding]]]:
    """Entries with findings, the most serious first. `overrides_only`: just the
    high findings about an entry's own unit or people marked harmless."""
    query = (
        select(Finding, Entry)
        .join(Entry, Entry.id == Finding.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .order_by(Entry.id, Finding.id)
    )
    if overrides_only:
        query = query.where(
            Finding.status == FindingStatus.HARMLESS,
            Finding.severity == "high",
            Finding.kind.in_(OWN_KINDS),
        )
    rows = db.session.execute(query).all()
    grouped: dict[int, tuple[Entry, list[Finding]]] = {}
    for finding, entry in rows:
        grouped.setdefault(entry.id, (entry, []))[1].append(finding)
    order = {"high": 0, "manual": 1, "low": 2}

    def weight(item: tuple[Entry, list[Finding]]) -> tuple:
        open_ = [f for f in item[1] if f.status == FindingStatus.OPEN]
        return (0 if open_ else 1, min((order[f.severity] for f in open_), default=3))

    return sorted(grouped.values(), key=weight)


# Open findings first, the most serious first (high, then manual, then low).
_RANK = case(
    (Finding.severity == "high", 0), (Finding.severity == "manual", 1), else_=2
)


def _own_overrides() -> tuple:
    """High findings about the entry's own unit or people, marked harmless."""
    return (
        Finding.status == FindingStatus.HARMLESS,
        Finding.severity == "high",
        Finding.kind.in_(OWN_KINDS),
    )


def queue_entries(competition: Competition, *, overrides_only: bool = False) -> Select:
    """The entries of the queue as one query, so the page can sort and page it.

    Same rows as ``queue``; its ``urgency`` column orders open high findings
    first, settled entries last.
    """
    having = select(Finding.entry_id)
    if overrides_only:
        having = having.where(*_own_overrides())
    return (
        select(Entry)
        .join(Unit, Unit.id == Entry.unit_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Entry.id.in_(having),
        )
        .options(selectinload(Entry.unit), selectinload(Entry.authors))
    )


URGENCY = func.coalesce(
    select(func.min(_RANK))
    .where(Finding.entry_id == Entry.id, Finding.status == FindingStatus.OPEN)
    .correlate(Entry)
    .scalar_subquery(),
    3,
)


def findings_of(
    entry_ids: list[int], *, overrides_only: bool = False
) -> dict[int, list[Finding]]:
    """The findings of a page of entries, in one statement."""
    query = select(Finding).where(Finding.entry_id.in_(entry_ids)).order_by(Finding.id)
    if overrides_only:
        query = query.where(*_own_overrides())
    grouped: dict[int, list[Finding]] = {i: [] for i in entry_ids}
    for finding in db.session.scalars(query):
        grouped[finding.entry_id].append(finding)
    return grouped


def mark_harmless_all(*, actor: User, findings: list[Finding], note: str) -> int:
    """Settle several findings with one reason: each as ``mark_harmless`` would,
    and none if any is refused (the caller rolls back)."""
    settled = 0
    for finding in findings:
        if finding.status != FindingStatus.OPEN:
            continue
        mark_harmless(actor=actor, finding=finding, note=note)
        settled += 1
    if not settled:
        raise AnonymityError(N_("所选问题都已处理。"))
    return settled

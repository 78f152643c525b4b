"""Submission use cases: entries within quota and deadline, receipts, overviews."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from judging.accounts.models import Role, School, User
from judging.audit.service import record
from judging.competitions.models import Competition, Extension, Phase
from judging.documents.inspection import Document, DocumentRejected, inspect_document
from judging.extensions import db
from judging.i18n import N_
from judging.storage import CHUNK
from judging.submissions.files import open_file, save_file
from judging.submissions.models import CATEGORIES, Author, Entry, EntryStatus
from judging.tables import safe_cell


class SubmissionError(ValueError):
    """A refused submission; the message is shown to the school in Chinese."""


@dataclass(frozen=True)
class AuthorInput:
    name: str
    department: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class EntryInput:
    title: str
    category: str
    authors: tuple[AuthorInput, ...]
    advisor: str = ""
    abstract: str = ""
    keywords: str = ""


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str


# --- the window ------------------------------------------------------------------


def school_deadline(competition: Competition, school_id: int) -> datetime:
    """The school's own deadline: the competition's, or a later extension."""
    extension = db.session.scalar(
        select(Extension).where(
            Extension.competition_id == competition.id,
            Extension.school_id == school_id,
        )
    )
    if extension and extension.until > competition.closes_at:
        return extension.until
    return competition.closes_at


def is_open_for(competition: Competition, school_id: int, now: datetime) -> bool:
    """Whether the school may add, change or withdraw entries right now."""
    return (
        competition.phase == Phase.OPEN
        and competition.opens_at <= now < school_deadline(competition, school_id)
    )


def _check_window(competition: Competition, school_id: int, now: datetime) -> None:
    if competition.phase != Phase.OPEN:
        raise SubmissionError("本竞赛当前不在征集阶段，作品不能提交或修改。")
    if now < competition.opens_at:
        raise SubmissionError("征集尚未开始。")
    if now >= school_deadline(competition, school_id):
        raise SubmissionError("已过截止时间，作品不能再提交、修改或撤回。")


def _check_actor(actor: User, school_id: int) -> None:
    if actor.role != Role.SCHOOL or actor.school_id != school_id:
        raise SubmissionError("只有本校联络员可以报送本校作品。")


# --- validation ---------------------------------------------------------------


def check_input(data: EntryInput) -> list[str]:
    errors = []
    if not data.title.strip():
        errors.append("请填写作品题目。")
    if data.category not in CATEGORIES:
        errors.append("请选择作品类别（理论研究或调研报告）。")
    if not data.authors or not all(a.name.strip() for a in data.authors):
        errors.append("请至少填写一位作者姓名。")
    errors.extend(unprintable(data))
    return errors


def unprintable(data: EntryInput) -> list[str]:
    """Characters the certificate font lacks: caught now, not printed as boxes."""
    from judging.certificates.fonts import missing_glyphs

    fields = [("作品题目", data.title), ("指导教师", data.advisor)]
    fields += [("作者姓名", a.name) for a in data.authors]
    errors = []
    for label, text in fields:
        missing = missing_glyphs(text)
        if missing:
            errors.append(
                f"{label}“{text}”中的字符“{''.join(missing)}”无法在证书上打印，"
                "请改用规范汉字，或联系主办方。"
            )
    return errors


def check_document(competition: Competition, upload: Upload) -> Document:
    """Inspect an upload against the competition's type, size and word limits."""
    try:
        doc = inspect_document(
            upload.data,
            max_bytes=competition.max_file_mb * 1024 * 1024,
            allowed=competition.accepted_types,
        )
    except DocumentRejected as exc:
        raise SubmissionError(str(exc)) from exc
    words = doc.word_count
    if doc.has_text and competition.min_words and words < competition.min_words:
        raise SubmissionError(
            f"作品字数约 {words} 字，少于本竞赛要求的 {competition.min_words} 字。"
        )
    if doc.has_text and competition.max_words and words > competition.max_words:
        raise SubmissionError(
            f"作品字数约 {words} 字，超过本竞赛上限 {competition.max_words} 字。"
        )
    return doc


def _safe_name(filename: str, kind: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "作品"
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}.{kind}"


def _set_fields(entry: Entry, data: EntryInput) -> None:
    entry.title = data.title.strip()
    entry.category = data.category
    entry.advisor = data.advisor.strip()
    entry.abstract = data.abstract.strip()
    entry.keywords = data.keywords.strip()
    entry.authors.clear()
    db.session.flush()
    for i, a in enumerate(data.authors, start=1):
        entry.authors.append(
            Author(
                position=i,
                name=a.name.strip(),
                department=a.department.strip(),
                title=a.title.strip(),
                phone=a.phone.strip(),
                email=a.email.strip(),
            )
        )


def _lock_school(school_id: int) -> None:
    """Serialise one school's submissions (PostgreSQL row lock; SQLite is already
    serialised by BEGIN IMMEDIATE)."""
    db.session.execute(
        select(School.id).where(School.id == school_id).with_for_update()
    )


def active_entries(competition_id: int, school_id: int) -> list[Entry]:
    return list(
        db.session.scalars(
            select(Entry)
            .where(
                Entry.competition_id == competition_id,
                Entry.school_id == school_id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .order_by(Entry.slot)
        )
    )


def create_entry(
    *,
    actor: User,
    competition: Competition,
    data: EntryInput,
    upload: Upload,
    now: datetime,
) -> Entry:
    """Add an entry for the actor's school, within the window and the maximum.

    The maximum holds under concurrent requests: each entry takes a numbered slot
    1..max, and (competition, school, slot) is unique in the database, so two
    racing requests can never both take the last slot.
    """
    school_id = actor.school_id
    _check_actor(actor, school_id)
    errors = check_input(data)
    if errors:
        raise SubmissionError("".join(errors))
    doc = check_document(competition, upload)
    _lock_school(school_id)
    _check_window(competition, school_id, now)
    used = {e.slot for e in active_entries(competition.id, school_id)}
    free = [s for s in range(1, competition.max_entries + 1) if s not in used]
    if not free:
        raise SubmissionError(
            f"本校已报送 {len(used)} 篇，达到每校 {competition.max_entries} 篇的上限。"
        )
    stored = save_file(upload.data, kind=doc.kind)
    entry = Entry(
        competition_id=competition.id,
        school_id=school_id,
        slot=free[0],
        file_id=stored.id,
        file_name=_safe_name(upload.filename, doc.kind),
        word_count=doc.word_count,
        submitted_at=now,
        title="",
        category="",
    )
    _set_fields(entry, data)
    db.session.add(entry)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise SubmissionError("报送冲突：名额刚被占用，请刷新页面后重试。") from exc
    _check_anonymity(entry)
    record(
        actor_id=actor.id,
        action="entry.create",
        obj=entry,
        competition_id=competition.id,
        slot=entry.slot,
        sha256=stored.sha256,
    )
    return entry


def _check_anonymity(entry: Entry) -> None:
    """Build the review copy and scan it now, so problems show before the deadline."""
    from judging.anonymity.service import AnonymityError, process_entry

    try:
        process_entry(entry)
    except AnonymityError as exc:
        raise SubmissionError(str(exc)) from exc


def can_replace_after_close(entry: Entry, now: datetime) -> bool:
    """A redaction request reopens one entry's file for its school until a date."""
    return entry.reopened_until is not None and now < entry.reopened_until


def update_entry(
    *,
    actor: User,
    entry: Entry,
    data: EntryInput,
    upload: Upload | None,
    now: datetime,
) -> None:
    """Edit an entry and optionally replace its file, until the deadline."""
    _check_actor(actor, entry.school_id)
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError("该作品已撤回。")
    errors = check_input(data)
    if errors:
        raise SubmissionError("".join(errors))
    competition = entry.competition
    doc = check_document(competition, upload) if upload else None
    _lock_school(entry.school_id)
    _check_window(competition, entry.school_id, now)
    _set_fields(entry, data)
    if doc is not None and upload is not None:
        stored = save_file(upload.data, kind=doc.kind)
        entry.file_id = stored.id
        entry.file_name = _safe_name(upload.filename, doc.kind)
        entry.word_count = doc.word_count
        db.session.flush()
        db.session.refresh(entry)
        _check_anonymity(entry)
    entry.updated_at = now
    record(
        actor_id=actor.id,
        action="entry.update",
        obj=entry,
        competition_id=competition.id,
        file_replaced=doc is not None,
    )


def withdraw_entry(*, actor: User, entry: Entry, now: datetime) -> None:
    """Withdraw an entry before the deadline; its slot becomes free again."""
    _check_actor(actor, entry.school_id)
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError("该作品已撤回。")
    _lock_school(entry.school_id)
    _check_window(entry.competition, entry.school_id, now)
    entry.status = EntryStatus.WITHDRAWN
    entry.slot = None
    record(
        actor_id=actor.id,
        action="entry.withdraw",
        obj=entry,
        competition_id=entry.competition_id,
    )


def grant_extension(
    *,
    actor: User,
    competition: Competition,
    school: School,
    until: datetime,
    reason: str,
) -> Extension:
    """Give one school a later deadline (audited); a new grant replaces the old."""
    if actor.role != Role.ORGANISER:
        raise SubmissionError("只有主办方可以延长截止时间。")
    if until <= competition.closes_at:
        raise SubmissionError("延期截止时间必须晚于竞赛截止时间。")
    if not reason.strip():
        raise SubmissionError("请填写延期原因。")
    extension = db.session.scalar(
        select(Extension).where(
            Extension.competition_id == competition.id, Extension.school_id == school.id
        )
    )
    if extension is None:
        extension = Extension(
            competition_id=competition.id,
            school_id=school.id,
            until=until,
            reason=reason.strip(),
        )
        db.session.add(extension)
    else:
        extension.until, extension.reason = until, reason.strip()
    db.session.flush()
    record(
        actor_id=actor.id,
        action="extension.grant",
        obj=extension,
        competition_id=competition.id,
        school=school.name,
        until=until.isoformat(),
        reason=reason.strip(),
    )
    return extension


# --- the organiser's overview -----------------------------------------------------


@dataclass(frozen=True)
class SchoolRow:
    school: School
    count: int
    state: str  # none / some / full
    extension: datetime | None


STATE_LABELS = {"none": N_("未报送"), "some": N_("已报送"), "full": N_("已报满")}


def overview(competition: Competition, *, state: str = "") -> list[SchoolRow]:
    """Every school with its number of entries and its state."""
    counts = dict(
        db.session.execute(
            select(Entry.school_id, func.count(Entry.id))
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .group_by(Entry.school_id)
        ).all()
    )
    extensions = dict(
        db.session.execute(
            select(Extension.school_id, Extension.until).where(
                Extension.competition_id == competition.id
            )
        ).all()
    )
    rows = []
    for school in db.session.scalars(select(School).order_by(School.id)):
        n = counts.get(school.id, 0)
        s = "none" if n == 0 else ("full" if n >= competition.max_entries else "some")
        if state and s != state:
            continue
        rows.append(SchoolRow(school, n, s, extensions.get(school.id)))
    return rows


def entries_of(competition: Competition, school_id: int | None = None) -> list[Entry]:
    query = select(Entry).where(
        Entry.competition_id == competition.id, Entry.status == EntryStatus.SUBMITTED
    )
    if school_id is not None:
        query = query.where(Entry.school_id == school_id)
    query = query.options(selectinload(Entry.authors), selectinload(Entry.school))
    return list(db.session.scalars(query.order_by(Entry.school_id, Entry.slot)))


def overview_xlsx(competition: Competition) -> bytes:
    """报送汇总表: one sheet per school state, one row per entry."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "报送汇总"
    sheet.append(
        [
            "学校",
            "序号",
            "作品题目",
            "类别",
            "作者",
            "指导教师",
            "字数",
            "文件名",
            "提交时间（北京时间）",
        ]
    )
    from judging.web import shanghai

    for e in entries_of(competition):
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    e.school.name,
                    e.slot,
                    e.title,
                    e.category,
                    "、".join(e.author_names),
                    e.advisor,
                    e.word_count,
                    e.file_name,
                    shanghai(e.submitted_at),
                )
            ]
        )
    schools = book.create_sheet("各校报送情况")
    schools.append(["学校", "简称", "已报送篇数", "状态", "延期至"])
    for row in overview(competition):
        schools.append(
            [
                safe_cell(v)
                for v in (
                    row.school.name,
                    row.school.short_name,
                    row.count,
                    STATE_LABELS[row.state],
                    shanghai(row.extension),
                )
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def files_zip(competition: Competition, out: BinaryIO) -> None:
    """All original files, one folder per school, for the organiser's archive,
    written to `out` one stored file at a time (streamed, each checked against
    its SHA-256), so the export's size is not bounded by memory."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in entries_of(competition):
            name = f"{e.school.name}/{e.slot:02d}-{e.file_name}"
            with open_file(e.file) as source, zf.open(name, "w") as member:
                shutil.copyfileobj(source, member, CHUNK)


def receipt_pdf(
    competition: Competition, school: School, entries: Sequence[Entry], now: datetime
) -> bytes:
    """报送回执: what the school handed in, with sizes and SHA-256 digests."""
    from judging.submissions.receipt import ReceiptLine, render_receipt
    from judging.web import shanghai

    lines = [
        ReceiptLine(
            slot=e.slot or 0,
            title=e.title,
            authors="、".join(e.author_names),
            file_name=e.file_name,
            size=e.file.size,
            sha256=e.file.sha256,
            received=shanghai(e.submitted_at),
        )
        for e in entries
    ]
    return render_receipt(
        school=school.name,
        competition=competition.title,
        lines=lines,
        printed=shanghai(now),
    )

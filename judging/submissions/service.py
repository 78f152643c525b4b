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

from judging.accounts.models import Role, Unit, User
from judging.anonymity.pipeline import process_entry, scan_entry_fields
from judging.audit.service import record
from judging.competitions.models import Competition, Extension, Phase
from judging.documents.inspection import Document, DocumentRejected, accept_document
from judging.escaping import path_segment
from judging.extensions import db
from judging.i18n import N_
from judging.messages import notices
from judging.storage import CHUNK
from judging.submissions.files import open_file, save_file
from judging.submissions.models import CATEGORIES, Author, Entry, EntryStatus
from judging.tables import safe_cell


class SubmissionError(ValueError):
    """A refused submission; the message is shown to the unit in Chinese."""


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


def unit_deadline(competition: Competition, unit_id: int) -> datetime:
    """The unit's own deadline: the competition's, or a later extension."""
    extension = db.session.scalar(
        select(Extension).where(
            Extension.competition_id == competition.id,
            Extension.unit_id == unit_id,
        )
    )
    if extension and extension.until > competition.closes_at:
        return extension.until
    return competition.closes_at


def is_open_for(competition: Competition, unit_id: int, now: datetime) -> bool:
    """Whether the unit may add, change or withdraw entries right now."""
    return (
        competition.phase == Phase.OPEN
        and competition.opens_at <= now < unit_deadline(competition, unit_id)
    )


def _check_window(competition: Competition, unit_id: int, now: datetime) -> None:
    if competition.phase != Phase.OPEN:
        raise SubmissionError("本竞赛当前不在征集阶段，作品不能提交或修改。")
    if now < competition.opens_at:
        raise SubmissionError("征集尚未开始。")
    if now >= unit_deadline(competition, unit_id):
        raise SubmissionError("已过截止时间，作品不能再提交、修改或撤回。")


def _check_actor(actor: User, unit_id: int) -> None:
    if actor.role != Role.UNIT or actor.unit_id != unit_id:
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
        return accept_document(
            upload.data,
            max_bytes=competition.max_file_mb * 1024 * 1024,
            allowed=competition.accepted_types,
            min_words=competition.min_words or 0,
            max_words=competition.max_words or 0,
        )
    except DocumentRejected as exc:
        raise SubmissionError(str(exc)) from exc


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


def _lock_unit(unit_id: int) -> None:
    """Serialise one unit's submissions (PostgreSQL row lock; SQLite is already
    serialised by BEGIN IMMEDIATE)."""
    db.session.execute(
        select(Unit.id).where(Unit.id == unit_id).with_for_update()
    )


def active_entries(competition_id: int, unit_id: int) -> list[Entry]:
    return list(
        db.session.scalars(
            select(Entry)
            .where(
                Entry.competition_id == competition_id,
                Entry.unit_id == unit_id,
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
    """Add an entry for the actor's unit, within the window and the maximum.

    The maximum holds under concurrent requests: each entry takes a numbered slot
    1..max, and (competition, unit, slot) is unique in the database, so two
    racing requests can never both take the last slot.
    """
    unit_id = actor.unit_id
    _check_actor(actor, unit_id)
    errors = check_input(data)
    if errors:
        raise SubmissionError("".join(errors))
    doc = check_document(competition, upload)
    _lock_unit(unit_id)
    _check_window(competition, unit_id, now)
    used = {e.slot for e in active_entries(competition.id, unit_id)}
    free = [s for s in range(1, competition.max_entries + 1) if s not in used]
    if not free:
        raise SubmissionError(
            f"本校已报送 {len(used)} 篇，达到每校 {competition.max_entries} 篇的上限。"
        )
    stored = save_file(upload.data, kind=doc.kind)
    entry = Entry(
        competition_id=competition.id,
        unit_id=unit_id,
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
    _check_fields(entry)
    record(
        actor_id=actor.id,
        action="entry.create",
        obj=entry,
        competition_id=competition.id,
        slot=entry.slot,
        sha256=stored.sha256,
    )
    notices.entry_received(entry)
    return entry


def _check_anonymity(entry: Entry) -> None:
    """Build the review copy and scan it now, so problems show before the deadline."""
    try:
        process_entry(entry)
    except DocumentRejected as exc:
        raise SubmissionError(str(exc)) from exc


def _check_fields(entry: Entry) -> None:
    """Scan what a judge is shown of the entry form (title, abstract, keywords)
    with the file's rules, so the unit sees leaks there before the deadline."""
    scan_entry_fields(entry)


def can_replace_after_close(entry: Entry, now: datetime) -> bool:
    """A redaction request reopens one entry's file for its unit until a date."""
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
    _check_actor(actor, entry.unit_id)
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError("该作品已撤回。")
    errors = check_input(data)
    if errors:
        raise SubmissionError("".join(errors))
    competition = entry.competition
    doc = check_document(competition, upload) if upload else None
    _lock_unit(entry.unit_id)
    _check_window(competition, entry.unit_id, now)
    _set_fields(entry, data)
    if doc is not None and upload is not None:
        stored = save_file(upload.data, kind=doc.kind)
        entry.file_id = stored.id
        entry.file_name = _safe_name(upload.filename, doc.kind)
        entry.word_count = doc.word_count
        db.session.flush()
        db.session.refresh(entry)
        _check_anonymity(entry)
    _check_fields(entry)
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
    _check_actor(actor, entry.unit_id)
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError("该作品已撤回。")
    _lock_unit(entry.unit_id)
    _check_window(entry.competition, entry.unit_id, now)
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
    unit: Unit,
    until: datetime,
    reason: str,
) -> Extension:
    """Give one unit a later deadline (audited); a new grant replaces the old."""
    if actor.role != Role.ORGANISER:
        raise SubmissionError("只有主办方可以延长截止时间。")
    if until <= competition.closes_at:
        raise SubmissionError("延期截止时间必须晚于竞赛截止时间。")
    if not reason.strip():
        raise SubmissionError("请填写延期原因。")
    extension = db.session.scalar(
        select(Extension).where(
            Extension.competition_id == competition.id, Extension.unit_id == unit.id
        )
    )
    if extension is None:
        extension = Extension(
            competition_id=competition.id,
            unit_id=unit.id,
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
        unit=unit.name,
        until=until.isoformat(),
        reason=reason.strip(),
    )
    return extension


# --- the organiser's overview -----------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    count: int
    state: str  # none / some / full
    extension: datetime | None


STATE_LABELS = {"none": N_("未报送"), "some": N_("已报送"), "full": N_("已报满")}


def overview(competition: Competition, *, state: str = "") -> list[UnitRow]:
    """Every unit with its number of entries and its state."""
    counts = dict(
        db.session.execute(
            select(Entry.unit_id, func.count(Entry.id))
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .group_by(Entry.unit_id)
        ).all()
    )
    extensions = dict(
        db.session.execute(
            select(Extension.unit_id, Extension.until).where(
                Extension.competition_id == competition.id
            )
        ).all()
    )
    rows = []
    for unit in db.session.scalars(select(Unit).order_by(Unit.id)):
        n = counts.get(unit.id, 0)
        s = "none" if n == 0 else ("full" if n >= competition.max_entries else "some")
        if state and s != state:
            continue
        rows.append(UnitRow(unit, n, s, extensions.get(unit.id)))
    return rows


def entries_of(competition: Competition, unit_id: int | None = None) -> list[Entry]:
    query = select(Entry).where(
        Entry.competition_id == competition.id, Entry.status == EntryStatus.SUBMITTED
    )
    if unit_id is not None:
        query = query.where(Entry.unit_id == unit_id)
    query = query.options(selectinload(Entry.authors), selectinload(Entry.unit))
    return list(db.session.scalars(query.order_by(Entry.unit_id, Entry.slot)))


def overview_xlsx(competition: Competition) -> bytes:
    """报送汇总表: one sheet per unit state, one row per entry."""
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
                    e.unit.name,
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
    units = book.create_sheet("各校报送情况")
    units.append(["学校", "简称", "已报送篇数", "状态", "延期至"])
    for row in overview(competition):
        units.append(
            [
                safe_cell(v)
                for v in (
                    row.unit.name,
                    row.unit.short_name,
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
    """All original files, one folder per unit, for the organiser's archive,
    written to `out` one stored file at a time (streamed, each checked against
    its SHA-256), so the export's size is not bounded by memory."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in entries_of(competition):
            folder = path_segment(e.unit.name, fallback="单位")
            name = f"{folder}/{path_segment(f'{e.slot:02d}-{e.file_name}')}"
            with open_file(e.file) as source, zf.open(name, "w") as member:
                shutil.copyfileobj(source, member, CHUNK)


def receipt_pdf(
    competition: Competition, unit: Unit, entries: Sequence[Entry], now: datetime
) -> bytes:
    """报送回执: what the unit handed in, with sizes and SHA-256 digests."""
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
        unit=unit.name,
        competition=competition.title,
        lines=lines,
        printed=shanghai(now),
    )

"""Submission use cases: entries within quota and deadline, receipts, overviews."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from judging.accounts.models import Role, Unit, User
from judging.anonymity.pipeline import process_entry, scan_entry_fields
from judging.audit.service import record
from judging.competitions.models import Competition, Extension, People, Phase
from judging.documents.inspection import Document, DocumentRejected, accept_document
from judging.escaping import path_segment
from judging.extensions import db
from judging.i18n import N_, message_of, said
from judging.messages import notices
from judging.storage import CHUNK
from judging.submissions.files import open_file, save_file
from judging.submissions.models import Attachment, Author, Entry, EntryStatus
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
        raise SubmissionError(N_("本竞赛当前不在征集阶段，作品不能提交或修改。"))
    if now < competition.opens_at:
        raise SubmissionError(N_("征集尚未开始。"))
    if now >= unit_deadline(competition, unit_id):
        raise SubmissionError(N_("已过截止时间，作品不能再提交、修改或撤回。"))


def _check_actor(actor: User, unit_id: int) -> None:
    if actor.role != Role.UNIT or actor.unit_id != unit_id:
        raise SubmissionError(N_("只有本单位联络员可以报送本单位的作品。"))


def _check_eligible(competition: Competition, unit_id: int) -> None:
    from judging.competitions.service import is_eligible

    unit = db.session.get(Unit, unit_id)
    if unit is None or not is_eligible(competition, unit):
        raise SubmissionError(N_("本单位不在本次征集的参与范围内。"))


def visible_to(competition: Competition, unit: Unit) -> bool:
    """Whether a unit's contact sees the call: it is eligible, or it already has
    entries there (kept when the organiser narrowed the call)."""
    from judging.competitions.service import is_eligible

    if competition.phase == Phase.DRAFT:
        return False
    return is_eligible(competition, unit) or bool(
        db.session.scalar(
            select(func.count(Entry.id)).where(
                Entry.competition_id == competition.id,
                Entry.unit_id == unit.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
    )


# --- validation ---------------------------------------------------------------


def check_input(competition: Competition, data: EntryInput) -> list[str]:
    """Every problem with the form as the call configures it (its categories,
    whom it names, its required fields), as Chinese sentences."""
    errors = []
    if not data.title.strip():
        errors.append(N_("请填写作品题目。"))
    categories = competition.category_list
    if categories and data.category not in categories:
        errors.append(said(
            N_("请选择作品类别（%(items)s）。"),
            items='、'.join(categories),
        ))
    if not categories and data.category:
        errors.append(N_("本次征集不分类别。"))
    names = [a for a in data.authors if a.name.strip()]
    if competition.people == People.AUTHORS and not names:
        errors.append(N_("请至少填写一位作者姓名。"))
    if competition.people == People.RESPONSIBLE and len(names) != 1:
        errors.append(N_("请填写一位负责人姓名（只填一位）。"))
    required = competition.required_field_set
    for name, label in (("abstract", "摘要"), ("keywords", "关键词")):
        if name in required and not getattr(data, name).strip():
            errors.append(said(N_("请填写%(label)s。"), label=label))
    if "advisor" in required and not data.advisor.strip():
        errors.append(N_("请填写指导教师。"))
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
                said(
                    N_(
                        "%(label)s“%(text)s”中的字符“%(items)s”无法在证书上打印，请改用"
                        "规范汉字，或联系主办方。"
                    ),
                    label=label, text=text, items=''.join(missing),
                )
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
        raise SubmissionError(message_of(exc)) from exc


def _safe_name(filename: str, kind: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "作品"
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}.{kind}"


def _set_fields(entry: Entry, data: EntryInput) -> None:
    competition = entry.competition or db.session.get(Competition, entry.competition_id)
    if competition.people == People.NONE:
        data = replace(data, authors=())
    entry.title = data.title.strip()
    entry.category = data.category if competition.category_list else ""
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
    db.session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())


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
    attachments: Sequence[Upload] = (),
) -> Entry:
    """Add an entry for the actor's unit, within the window and the maximum.

    The maximum holds under concurrent requests: each entry takes a numbered slot
    1..max, and (competition, unit, slot) is unique in the database, so two
    racing requests can never both take the last slot.
    """
    unit_id = actor.unit_id
    _check_actor(actor, unit_id)
    _check_eligible(competition, unit_id)
    errors = check_input(competition, data)
    if errors:
        raise SubmissionError("".join(errors))
    doc = check_document(competition, upload)
    extra = check_attachments(competition, attachments, existing=(), main=upload)
    _lock_unit(unit_id)
    _check_window(competition, unit_id, now)
    used = {e.slot for e in active_entries(competition.id, unit_id)}
    free = [s for s in range(1, competition.max_entries + 1) if s not in used]
    if not free:
        from judging.competitions.service import audience

        words = audience(competition)
        raise SubmissionError(
            said(
                N_(
                    "%(own)s已报送 %(n)s %(measure)s，达到%(each)s %(max_entries)s "
                    "%(measure)s的上限。"
                ),
                own=words["own"],
                n=len(used),
                measure=words["measure"],
                each=words["each"],
                max_entries=competition.max_entries,
            )
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
        raise SubmissionError(N_("报送冲突：名额刚被占用，请刷新页面后重试。")) from exc
    _store_attachments(entry, extra)
    if not competition.is_collection:  # a collection is not judged: no scan
        _check_anonymity(entry)
        _check_fields(entry)
    record(
        actor_id=actor.id,
        action="entry.create",
        obj=entry,
        competition_id=competition.id,
        slot=entry.slot,
        sha256=stored.sha256,
        attachments=len(extra),
    )
    notices.entry_received(entry)
    return entry


def _check_anonymity(entry: Entry) -> None:
    """Build the review copy and scan it now, so problems show before the deadline."""
    try:
        process_entry(entry)
    except DocumentRejected as exc:
        raise SubmissionError(message_of(exc)) from exc


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
    attachments: Sequence[Upload] = (),
) -> None:
    """Edit an entry, optionally replace its file and add attachments, until
    the deadline."""
    _check_actor(actor, entry.unit_id)
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError(N_("该作品已撤回。"))
    competition = entry.competition
    errors = check_input(competition, data)
    if errors:
        raise SubmissionError("".join(errors))
    doc = check_document(competition, upload) if upload else None
    extra = check_attachments(
        competition,
        attachments,
        existing=entry.attachments,
        main=upload,
        main_size=None if upload else entry.file.size,
    )
    _lock_unit(entry.unit_id)
    _check_window(competition, entry.unit_id, now)
    _set_fields(entry, data)
    _store_attachments(entry, extra)
    if doc is not None and upload is not None:
        stored = save_file(upload.data, kind=doc.kind)
        entry.file_id = stored.id
        entry.file_name = _safe_name(upload.filename, doc.kind)
        entry.word_count = doc.word_count
        db.session.flush()
        db.session.refresh(entry)
        if not competition.is_collection:
            _check_anonymity(entry)
    if not competition.is_collection:
        _check_fields(entry)
    entry.updated_at = now
    record(
        actor_id=actor.id,
        action="entry.update",
        obj=entry,
        competition_id=competition.id,
        file_replaced=doc is not None,
        attachments_added=len(extra),
    )


# --- attachments ------------------------------------------------------------------

ATTACHMENT_LABELS = {"document": "文档", "photo": "照片", "video": "视频"}


@dataclass(frozen=True)
class CheckedAttachment:
    upload: Upload
    kind: str
    fmt: str
    media: object  # media.Accepted for photos and videos, Document for documents


def check_attachments(
    competition: Competition,
    uploads: Sequence[Upload],
    *,
    existing: Sequence[Attachment],
    main: Upload | None,
    main_size: int | None = None,
) -> list[CheckedAttachment]:
    """Check every new attachment before anything is stored: the call takes
    attachments of its kind (decided by content), each within its size limit,
    no more than the call's number, all files of the entry within its total."""
    from judging.documents import media

    if not uploads:
        return []
    allowed = competition.attachment_kind_set
    if not allowed:
        raise SubmissionError(N_("本次征集不接收附件。"))
    if len(existing) + len(uploads) > competition.max_attachments:
        raise SubmissionError(
            said(
                N_(
                    "每件作品最多 %(max_attachments)s 个附件（已有 %(n)s 个，本次选择了"
                    " %(n2)s 个）。"
                ),
                max_attachments=competition.max_attachments,
                n=len(existing),
                n2=len(uploads),
            )
        )
    total = (main_size or 0) + (len(main.data) if main else 0)
    total += sum(a.file.size for a in existing)
    checked = []
    for upload in uploads:
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        fmt = media.sniff(upload.data)
        kind = media.kind_of(fmt)
        if kind is None:
            raise SubmissionError(
                said(
                    N_(
                        "附件“%(name)s”不是可接收的文件（文档 PDF/DOCX、照片 JPEG/PNG/H"
                        "EIC、短视频 MP4），文件类型按内容判定。"
                    ),
                    name=name,
                )
            )
        if kind not in allowed:
            kinds = "、".join(ATTACHMENT_LABELS[k] for k in sorted(allowed))
            raise SubmissionError(
                said(
                    N_(
                        "附件“%(name)s”是%(format)s，本次征集只接收%(kinds)s附件"
                        "。"
                    ),
                    name=name, format=media.FORMAT_LABELS[fmt], kinds=kinds,
                )
            )
        limit = competition.max_video_mb if kind == "video" else competition.max_file_mb
        if len(upload.data) > limit * 1024 * 1024:
            raise SubmissionError(
                said(
                    N_(
                        "附件“%(name)s”大小 %(size)s MB，超过%(kind)s %(limit)s MB "
                        "的上限。"
                    ),
                    name=name,
                    size=format(len(upload.data) / 1048576, ".1f"),
                    kind=ATTACHMENT_LABELS[kind],
                    limit=limit,
                )
            )
        total += len(upload.data)
        if total > competition.max_entry_mb * 1024 * 1024:
            raise SubmissionError(
                said(
                    N_("本件作品的文件合计超过 %(max_entry_mb)s MB 的上限。"),
                    max_entry_mb=competition.max_entry_mb,
                )
            )
        try:
            if kind == "document":
                media.check_name(name, fmt)
                accepted: object = accept_document(
                    upload.data,
                    max_bytes=limit * 1024 * 1024,
                    allowed=frozenset({"pdf", "docx"}),
                )
                fmt = accepted.kind
            else:
                accepted = media.accept_media(upload.data, name, fmt=fmt)
        except (media.MediaRejected, DocumentRejected) as exc:
            raise SubmissionError(said(
                N_("附件“%(name)s”：%(exc)s"),
                name=name, exc=message_of(exc),
            )) from exc
        checked.append(CheckedAttachment(upload, kind, fmt, accepted))
    return checked


def _store_attachments(entry: Entry, checked: Sequence[CheckedAttachment]) -> None:
    position = max((a.position for a in entry.attachments), default=0)
    for item in checked:
        position += 1
        stored = save_file(item.upload.data, kind=item.fmt)
        accepted = item.media
        preview = getattr(accepted, "preview", None)
        clean = getattr(accepted, "clean", None)
        info = getattr(accepted, "media", None)
        entry.attachments.append(
            Attachment(
                position=position,
                kind=item.kind,
                file_id=stored.id,
                file_name=_safe_name(item.upload.filename, _extension(item.fmt)),
                preview_file_id=save_file(preview, kind="jpeg").id if preview else None,
                clean_file_id=(
                    save_file(clean, kind=_clean_kind(clean)).id if clean else None
                ),
                width=getattr(info, "width", None),
                height=getattr(info, "height", None),
                seconds=getattr(info, "seconds", None),
            )
        )
    db.session.flush()


def _extension(fmt: str) -> str:
    return {"jpeg": "jpg"}.get(fmt, fmt)


def _clean_kind(data: bytes) -> str:
    return "png" if data.startswith(b"\x89PNG") else "jpeg"


def remove_attachment(*, actor: User, attachment: Attachment, now: datetime) -> None:
    """Take one attachment off an entry, until the deadline (audited)."""
    entry = attachment.entry
    _check_actor(actor, entry.unit_id)
    _lock_unit(entry.unit_id)
    _check_window(entry.competition, entry.unit_id, now)
    record(
        actor_id=actor.id,
        action="attachment.remove",
        obj=entry,
        competition_id=entry.competition_id,
        file_name=attachment.file_name,
        sha256=attachment.file.sha256,
    )
    entry.attachments.remove(attachment)
    db.session.flush()


def withdraw_entry(*, actor: User, entry: Entry, now: datetime) -> None:
    """Withdraw an entry before the deadline; its slot becomes free again."""
    _check_actor(actor, entry.unit_id)
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError(N_("该作品已撤回。"))
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
        raise SubmissionError(N_("只有主办方可以延长截止时间。"))
    if until <= competition.closes_at:
        raise SubmissionError(N_("延期截止时间必须晚于竞赛截止时间。"))
    if not reason.strip():
        raise SubmissionError(N_("请填写延期原因。"))
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
    eligible: bool = True


STATE_LABELS = {"none": N_("未报送"), "some": N_("已报送"), "full": N_("已报满")}


def submitted_counts(competition: Competition) -> dict[int, int]:
    """Unit id → its submitted entries in the call (one grouped query)."""
    return dict(
        db.session.execute(
            select(Entry.unit_id, func.count(Entry.id))
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .group_by(Entry.unit_id)
        ).all()
    )


def unit_state(competition: Competition, count: int) -> str:
    """未报送 below the call's minimum (or with nothing), 已报满 at its maximum."""
    if count == 0 or count < competition.min_entries:
        return "none"
    return "full" if count >= competition.max_entries else "some"


def overview(competition: Competition, *, state: str = "") -> list[UnitRow]:
    """Every eligible unit with its number of entries and its state, then any
    unit outside the call that still has entries (kept when it was narrowed)."""
    from judging.competitions.service import eligible_unit_ids

    counts = submitted_counts(competition)
    extensions = dict(
        db.session.execute(
            select(Extension.unit_id, Extension.until).where(
                Extension.competition_id == competition.id
            )
        ).all()
    )
    eligible = set(eligible_unit_ids(competition))
    rows = []
    for unit in db.session.scalars(select(Unit).order_by(Unit.id)):
        n = counts.get(unit.id, 0)
        if unit.id not in eligible and n == 0:
            continue
        s = unit_state(competition, n)
        if state and s != state:
            continue
        rows.append(UnitRow(unit, n, s, extensions.get(unit.id), unit.id in eligible))
    return rows


def missing_units(competition: Competition) -> list[UnitRow]:
    """Eligible units below the minimum: the ones to remind or to phone."""
    return [r for r in overview(competition, state="none") if r.eligible]


def entries_of(competition: Competition, unit_id: int | None = None) -> list[Entry]:
    query = select(Entry).where(
        Entry.competition_id == competition.id, Entry.status == EntryStatus.SUBMITTED
    )
    if unit_id is not None:
        query = query.where(Entry.unit_id == unit_id)
    query = query.options(
        selectinload(Entry.authors),
        selectinload(Entry.unit),
        selectinload(Entry.file),
        selectinload(Entry.attachments).selectinload(Attachment.file),
    )
    return list(db.session.scalars(query.order_by(Entry.unit_id, Entry.slot)))


PEOPLE_HEADINGS = {"authors": "作者", "responsible": "负责人", "none": "人员"}
RECOMMENDATION_LABELS = {"excellent": N_("优秀"), "recommended": N_("推荐")}
INDEX_NAME = "索引-index.xlsx"


def _member_names(entry: Entry) -> tuple[str, list[str]]:
    """Where the entry's files sit in the dossier: its unit's folder, the
    main file first, then the attachments in their order."""
    folder = path_segment(entry.unit.name, fallback="单位")
    slot = f"{entry.slot or 0:02d}"
    main = f"{folder}/{path_segment(f'{slot}-{entry.file_name}')}"
    extra = [
        f"{folder}/{path_segment(f'{slot}-附件{a.position}-{a.file_name}')}"
        for a in entry.attachments
    ]
    return main, extra


def _entry_sheet(book, competition: Competition, entries: list[Entry]) -> None:  # noqa: ANN001
    from judging.web import shanghai

    sheet = book.active
    sheet.title = "报送汇总"
    sheet.append(
        [
            "单位",
            "单位类型",
            "序号",
            "作品题目",
            "类别",
            PEOPLE_HEADINGS.get(competition.people, "作者"),
            "指导教师",
            "摘要",
            "关键词",
            "字数",
            "文件名",
            "附件数",
            "提交时间（北京时间）",
            "最后修改（北京时间）",
            "推荐",
            "推荐说明",
        ]
    )
    for e in entries:
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    e.unit.name,
                    e.unit.kind,
                    e.slot,
                    e.title,
                    e.category,
                    "、".join(e.author_names),
                    e.advisor,
                    e.abstract,
                    e.keywords,
                    e.word_count,
                    e.file_name,
                    len(e.attachments),
                    shanghai(e.submitted_at),
                    shanghai(e.updated_at),
                    RECOMMENDATION_LABELS.get(e.recommendation, ""),
                    e.recommendation_note,
                )
            ]
        )


def _units_sheet(book, competition: Competition) -> None:  # noqa: ANN001
    from judging.web import shanghai

    units = book.create_sheet("各单位报送情况")
    units.append(
        ["单位", "简称", "类型", "已报送件数", "状态", "延期至", "联系人", "电话"]
    )
    for row in overview(competition):
        units.append(
            [
                safe_cell(v)
                for v in (
                    row.unit.name,
                    row.unit.short_name,
                    row.unit.kind,
                    row.count,
                    STATE_LABELS[row.state]
                    + ("" if row.eligible else "（不在参与范围）"),
                    shanghai(row.extension),
                    row.unit.contact_name,
                    row.unit.contact_phone,
                )
            ]
        )


def _files_sheet(book, entries: list[Entry]) -> None:  # noqa: ANN001
    from judging.web import shanghai

    files = book.create_sheet("文件清单")
    files.append(
        [
            "单位",
            "序号",
            "文件（档案包内路径）",
            "类型",
            "字节数",
            "SHA-256",
            "收到时间（北京时间）",
        ]
    )
    for e in entries:
        main, extra = _member_names(e)
        items = [(main, e.file.kind, e.file, e.submitted_at)]
        items += [
            (name, a.kind, a.file, a.created_at)
            for name, a in zip(extra, e.attachments, strict=True)
        ]
        for name, kind, stored, at in items:
            files.append(
                [
                    safe_cell(v)
                    for v in (
                        e.unit.name, e.slot, name, kind, stored.size,
                        stored.sha256, shanghai(at),
                    )
                ]
            )  # fmt: skip


def overview_xlsx(competition: Competition) -> bytes:
    """报送汇总表: every field of every entry, each unit's state, and every
    file with its SHA-256 (also the index of the dossier)."""
    from openpyxl import Workbook

    entries = entries_of(competition)
    book = Workbook()
    _entry_sheet(book, competition, entries)
    _units_sheet(book, competition)
    _files_sheet(book, entries)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def files_zip(
    competition: Competition,
    out: BinaryIO,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """The call's dossier (档案包): one folder per unit with its files and
    attachments, and the index XLSX with every field, receipt times and
    SHA-256; written to `out` one stored file at a time (streamed, each checked
    against its SHA-256), so its size is not bounded by memory. `progress`
    hears (entries written, entries + 1 for the index)."""
    entries = entries_of(competition)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for done, e in enumerate(entries):
            if progress is not None:
                progress(done, len(entries) + 1)
            main, extra = _member_names(e)
            members = [(main, e.file)] + [
                (name, a.file) for name, a in zip(extra, e.attachments, strict=True)
            ]
            for name, stored in members:
                with open_file(stored) as source, zf.open(name, "w") as member:
                    shutil.copyfileobj(source, member, CHUNK)
        zf.writestr(INDEX_NAME, overview_xlsx(competition))


def recommended_xlsx(competition: Competition) -> bytes:
    """A collection's 优秀 / 推荐 entries with the organiser's notes, to report
    upward."""
    from openpyxl import Workbook

    entries = [e for e in entries_of(competition) if e.recommendation]
    entries.sort(key=lambda e: (e.recommendation != "excellent", e.unit_id, e.slot))
    book = Workbook()
    sheet = book.active
    sheet.title = "优秀与推荐"
    person = PEOPLE_HEADINGS.get(competition.people, "作者")
    sheet.append(["推荐", "单位", "作品题目", "类别", person, "推荐说明"])
    for e in entries:
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    RECOMMENDATION_LABELS[e.recommendation], e.unit.name, e.title,
                    e.category, "、".join(e.author_names), e.recommendation_note,
                )
            ]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def recommend_entry(*, actor: User, entry: Entry, mark: str, note: str) -> None:
    """Mark a collection's entry 优秀 or 推荐 (or clear the mark), with a note."""
    if actor.role != Role.ORGANISER:
        raise SubmissionError(N_("只有主办方可以推荐作品。"))
    if not entry.competition.is_collection:
        raise SubmissionError(N_("评审竞赛的结果由评审产生，不能直接标记推荐。"))
    if mark not in ("", *RECOMMENDATION_LABELS):
        raise SubmissionError(N_("推荐只能是“优秀”“推荐”或不推荐。"))
    if entry.status != EntryStatus.SUBMITTED:
        raise SubmissionError(N_("该作品已撤回。"))
    if len(note) > 1000:
        raise SubmissionError(N_("推荐说明不能超过 1000 字。"))
    before = entry.recommendation
    entry.recommendation, entry.recommendation_note = mark, note.strip()
    db.session.flush()
    record(
        actor_id=actor.id,
        action="entry.recommend",
        obj=entry,
        competition_id=entry.competition_id,
        before=before,
        after=mark,
        note=note.strip(),
    )


def receipt_pdf(
    competition: Competition, unit: Unit, entries: Sequence[Entry], now: datetime
) -> bytes:
    """报送回执: what the unit handed in, with sizes and SHA-256 digests."""
    from judging.submissions.receipt import ReceiptLine, render_receipt
    from judging.web import shanghai

    lines = []
    for e in entries:
        lines.append(
            ReceiptLine(
                slot=e.slot or 0,
                title=e.title,
                authors="、".join(e.author_names),
                file_name=e.file_name,
                size=e.file.size,
                sha256=e.file.sha256,
                received=shanghai(e.submitted_at),
            )
        )
        lines += [  # each attachment with its own digest and time received
            ReceiptLine(
                slot=e.slot or 0,
                title=f"附件 {a.position}",
                authors="",
                file_name=a.file_name,
                size=a.file.size,
                sha256=a.file.sha256,
                received=shanghai(a.created_at),
            )
            for a in e.attachments
        ]
    return render_receipt(
        unit=unit.name,
        competition=competition.title,
        lines=lines,
        printed=shanghai(now),
    )

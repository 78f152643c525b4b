"""The documents pipeline for one entry: review copy, scan, findings, OCR.

Called by the submissions service (after an upload) and the anonymity service
(redactions, closing); it imports neither, so the two services do not depend on
each other. Like a service it touches ``db.session`` and flushes, never commits.

Competition rule: an entry's file is checked the moment it is uploaded, so the
unit sees what the scanner found before the deadline. The text of the review
copy is scanned at once; its pictures are read by OCR (``documents.ocr``),
which is slow, on the job queue: until that job has run the entry is 检查中
(``CheckState.PENDING``), cannot be assigned, and the competition cannot move
to 评审中.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select

from judging import jobs
from judging.accounts.models import Unit
from judging.anonymity.models import Finding, FindingStatus
from judging.documents.inspection import (
    LOCATIONS,
    DocumentRejected,
    Picture,
    count_words,
    extract_pictures,
    has_pictures,
    inspect_document,
)
from judging.documents.ocr import OcrResult, OcrUnavailable, ocr_segments, recognise
from judging.documents.review_copy import make_review_copy
from judging.documents.scan import Finding as ScanFinding
from judging.documents.scan import UnitIdentity, scan_document
from judging.extensions import db
from judging.submissions.files import load_file, save_file
from judging.submissions.models import CheckState, Entry

log = logging.getLogger(__name__)
OCR_TASK = "anonymity.ocr"

REVIEW_COPY_LIMIT = 200 * 1024 * 1024


SIMILARITY_TASK = "originality.check"

# Every entry field a judge is shown (templates/review/*), scanned when saved:
# (Entry attribute, finding location). A new judge-facing field goes here.
JUDGE_FIELDS = (("title", "title"), ("abstract", "abstract"), ("keywords", "keywords"))
FIELD_LOCATIONS = tuple(location for _, location in JUDGE_FIELDS)


def identity(unit: Unit) -> UnitIdentity:
    """The scanner's view of a unit row: names, English names, abbreviations,
    web and e-mail domains, institutes."""
    return UnitIdentity(
        name=unit.name,
        short_name=unit.short_name,
        aliases=tuple(unit.alias_list),
        english_names=tuple(unit.english_name_list),
        abbreviations=tuple(unit.abbreviation_list),
        domains=tuple(unit.domain_list),
        institutes=tuple(unit.institute_list),
    )


def all_identities() -> list[UnitIdentity]:
    """Every unit of the list, for the "other unit" findings."""
    return [identity(s) for s in db.session.scalars(select(Unit).order_by(Unit.id))]


def scan_file(
    data: bytes,
    *,
    kind: str,
    unit: UnitIdentity | None,
    people: list[str],
    others: list[UnitIdentity],
) -> list[ScanFinding]:
    """Inspect and scan one file; raises ``DocumentRejected`` if unreadable."""
    document = inspect_document(
        data, max_bytes=REVIEW_COPY_LIMIT, allowed=frozenset({kind})
    )
    return scan_document(document, unit=unit, people=people, other_units=others)


def process_entry(
    entry: Entry,
    *,
    others: list[UnitIdentity] | None = None,
    source: tuple[bytes, str] | None = None,
) -> int:
    """Build the entry's review copy and record what identity leaks remain in it.

    The copy is what judges get (``judging.documents.review_copy`` keeps only
    what the scanner reads); the copy itself is then scanned, so findings
    describe exactly what a judge would see. ``source`` (bytes, kind) is an
    organiser's redacted version to use instead of the original file, which is
    kept unchanged. Returns the number of findings; raises ``DocumentRejected``
    (a Chinese message) when no copy can be made.
    """
    data, kind = source or (load_file(entry.file), entry.file.kind)
    copy = make_review_copy(data, kind=kind)
    stored = save_file(copy, kind=kind)
    entry.review_file_id = stored.id
    people = entry.author_names + ([entry.advisor] if entry.advisor else [])
    findings = scan_file(
        copy,
        kind=kind,
        unit=identity(entry.unit),
        people=people,
        others=others if others is not None else all_identities(),
    )
    # Findings about the file only: those on the entry's form fields stay.
    db.session.execute(
        delete(Finding).where(
            Finding.entry_id == entry.id, Finding.location.in_(LOCATIONS)
        )
    )
    _add_findings(entry.id, findings)
    if has_pictures(copy, kind=kind):
        entry.check_state = CheckState.PENDING
        db.session.flush()
        jobs.enqueue(OCR_TASK, entry_id=entry.id, review_file_id=stored.id)
    else:
        entry.check_state = CheckState.DONE
    db.session.flush()
    # 查重 reads the new copy's text again and compares it with the competition
    # and earlier years, after this transaction commits, on the job queue (the
    # task is judging.originality.jobs.run_check).
    jobs.enqueue(
        SIMILARITY_TASK, competition_id=entry.competition_id, entry_ids=[entry.id]
    )
    return len(findings)


def _add_findings(entry_id: int, findings: list[ScanFinding]) -> None:
    for f in findings:
        db.session.add(
            Finding(
                entry_id=entry_id,
                kind=f.kind,
                location=f.location,
                term=f.term[:200],
                evidence=f.evidence[:2000],
                severity=f.severity,
            )
        )


def picture_label(source: str, page: int | None) -> str:
    """Where a picture is, for the organiser and the unit (Chinese)."""
    if page is not None and " image " in source:
        return f"第 {page} 页图片 {source.rsplit(' ', 1)[-1]}"
    if page is not None:
        return f"第 {page} 页"
    return f"图片 {source.rsplit('/', 1)[-1]}"


def findings_from_ocr(
    results: list[OcrResult],
    *,
    unit: UnitIdentity,
    people: list[str],
    others: list[UnitIdentity],
) -> list[ScanFinding]:
    """Scan what OCR read, picture by picture; an unread picture is ``manual``.

    Pure glue (no database): the evidence of each finding starts with where the
    picture is, since the location alone ("image") does not say which one.
    """
    out: list[ScanFinding] = []
    for result in results:
        label = picture_label(result.source, result.page)
        if result.unread:
            out.append(
                ScanFinding(
                    kind="unread_image",
                    location="image",
                    evidence=f"{label}：{result.reason}",
                    severity="manual",
                    source=result.source,
                )
            )
        found = scan_document(
            ocr_segments([result]), unit=unit, people=people, other_units=others
        )
        out += [
            ScanFinding(
                kind=f.kind,
                location=f.location,
                evidence=f"{label}：{f.evidence}",
                severity=f.severity,
                term=f.term,
                source=f.source,
            )
            for f in found
        ]
    return out


@jobs.task(OCR_TASK)
def read_pictures(
    progress: jobs.Progress, *, entry_id: int, review_file_id: int
) -> dict:
    """Read the pictures of an entry's review copy and record what they show.

    Safe to run twice: it replaces the OCR findings of that copy. A job for a
    copy that has since been replaced does nothing (the new copy has its own).
    If OCR cannot run, every picture becomes a manual finding: a human looks
    instead, and the entry is not left 检查中 for ever.
    """
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.review_file_id != review_file_id:
        return {"skipped": True}
    data, kind = load_file(entry.review_file), entry.review_file.kind
    unit = identity(entry.unit)
    people = entry.author_names + ([entry.advisor] if entry.advisor else [])
    others = all_identities()
    pictures = extract_pictures(data, kind=kind)
    db.session.rollback()  # hold no transaction while Tesseract works
    results = _recognise_all(progress, pictures)
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.review_file_id != review_file_id:
        return {"skipped": True}
    findings = findings_from_ocr(results, unit=unit, people=people, others=others)
    db.session.execute(
        delete(Finding).where(
            Finding.entry_id == entry_id,
            Finding.status == FindingStatus.OPEN,
            or_(Finding.location == "image", Finding.kind == "no_text"),
        )
    )
    _add_findings(entry_id, findings)
    pairs = zip(results, pictures, strict=True)
    scanned = "\n".join(r.text for r, p in pairs if p.scanned_page)
    if entry.word_count == 0 and scanned:  # a scan: its 字数 is what OCR read
        entry.word_count = count_words(scanned)
    entry.check_state = CheckState.DONE
    db.session.flush()
    return {"pictures": len(pictures), "findings": len(findings)}


def _recognise_all(
    progress: jobs.Progress, pictures: tuple[Picture, ...]
) -> list[OcrResult]:
    results: list[OcrResult] = []
    progress.update(0, len(pictures), "图片文字识别")
    for done, picture in enumerate(pictures, start=1):
        try:
            results += recognise([picture])
        except OcrUnavailable:
            reason = "服务器未安装图片文字识别（Tesseract），需人工检查。"
            results.append(
                OcrResult(picture.source, picture.page, "", 0.0, True, reason)
            )
        except (DocumentRejected, OSError, ValueError):
            log.exception("OCR of %s failed", picture.source)
            reason = "图片文字识别失败，需人工检查。"
            results.append(
                OcrResult(picture.source, picture.page, "", 0.0, True, reason)
            )
        progress.update(done, len(pictures), "图片文字识别")
    return results


def entry_people(entry: Entry) -> list[str]:
    return entry.author_names + ([entry.advisor] if entry.advisor else [])


def field_texts(obj: object) -> list[tuple[str, str, str]]:
    """The judge-facing fields of an entry (or of anything with those
    attributes) as scanner segments."""
    return [(loc, getattr(obj, attr, "") or "", "") for attr, loc in JUDGE_FIELDS]


def scan_entry_fields(entry: Entry, *, others: list[UnitIdentity] | None = None) -> int:
    """Scan the title, abstract and keywords as saved, replacing earlier field
    findings (the file's findings stay). Returns the number of findings."""
    findings = scan_document(
        field_texts(entry),
        unit=identity(entry.unit),
        people=entry_people(entry),
        other_units=others if others is not None else all_identities(),
    )
    db.session.execute(
        delete(Finding).where(
            Finding.entry_id == entry.id, Finding.location.in_(FIELD_LOCATIONS)
        )
    )
    _add_findings(entry.id, findings)
    db.session.flush()
    return len(findings)

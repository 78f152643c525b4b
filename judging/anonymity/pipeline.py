"""The documents pipeline for one entry: review copy, scan, findings.

Called by the submissions service (after an upload) and the anonymity service
(redactions, closing); it imports neither, so the two services do not depend on
each other. Like a service it touches ``db.session`` and flushes, never commits.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from judging.accounts.models import School
from judging.anonymity.models import Finding
from judging.documents.inspection import inspect_document
from judging.documents.review_copy import make_review_copy
from judging.documents.scan import Finding as ScanFinding
from judging.documents.scan import SchoolIdentity, scan_document
from judging.extensions import db
from judging.submissions.files import load_file, save_file
from judging.submissions.models import Entry

REVIEW_COPY_LIMIT = 200 * 1024 * 1024


def identity(school: School) -> SchoolIdentity:
    """The scanner's view of a school row."""
    return SchoolIdentity(
        name=school.name, short_name=school.short_name, aliases=tuple(school.alias_list)
    )


def all_identities() -> list[SchoolIdentity]:
    """Every school of the list, for the "other school" findings."""
    return [identity(s) for s in db.session.scalars(select(School).order_by(School.id))]


def scan_file(
    data: bytes,
    *,
    kind: str,
    school: SchoolIdentity | None,
    people: list[str],
    others: list[SchoolIdentity],
) -> list[ScanFinding]:
    """Inspect and scan one file; raises ``DocumentRejected`` if unreadable."""
    document = inspect_document(
        data, max_bytes=REVIEW_COPY_LIMIT, allowed=frozenset({kind})
    )
    return scan_document(document, school=school, people=people, other_schools=others)


def process_entry(
    entry: Entry,
    *,
    others: list[SchoolIdentity] | None = None,
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
        school=identity(entry.school),
        people=people,
        others=others if others is not None else all_identities(),
    )
    db.session.execute(delete(Finding).where(Finding.entry_id == entry.id))
    for f in findings:
        db.session.add(
            Finding(
                entry_id=entry.id,
                kind=f.kind,
                location=f.location,
                evidence=f.evidence[:2000],
                severity=f.severity,
            )
        )
    db.session.flush()
    return len(findings)

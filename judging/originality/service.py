"""查重 use cases: read an entry's text, compare it with the competition and with
earlier years, list and settle the pairs found."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import Role, User
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.competitions.service import guard
from judging.extensions import db
from judging.i18n import N_, said
from judging.originality.models import EntryText, PairStatus, SimilarPair
from judging.results.models import AwardOverride
from judging.submissions.files import load_file
from judging.submissions.models import Entry, EntryStatus

if TYPE_CHECKING:  # numpy and lxml load where texts are read and compared
    from judging.documents import similarity
    from judging.documents.inspection import Document

KIND_LABELS = {
    "same_text": N_("文字相同"),
    "near_copy": N_("基本相同"),
    "shared_passages": N_("大段相同"),
}
STATUS_LABELS = {
    PairStatus.OPEN: N_("待处理"),
    PairStatus.CLEARED: N_("无问题"),
    PairStatus.ASKED: N_("已请单位说明"),
    PairStatus.EXCLUDED: N_("已取消资格"),
}
# Decisions the organiser can take, each needs a written reason.
DECISIONS = (PairStatus.CLEARED, PairStatus.ASKED, PairStatus.EXCLUDED)
MIN_REASON = 4  # characters: "重复" alone says nothing
# Phases in which an entry may still be excluded (results not yet frozen).
OPEN_PHASES = (Phase.OPEN, Phase.CLOSED, Phase.REVIEWING)


Progress = Callable[..., None]  # (done, total, message)


class OriginalityError(ValueError):
    """A refused action, with a message for the organiser (Chinese)."""


@lru_cache(maxsize=1)
def _to_simplified():  # noqa: ANN202
    import opencc

    from judging.documents import similarity

    return similarity.per_character(opencc.OpenCC("t2s.json").convert)


def document_text(doc: Document) -> str:
    """What a reader reads: body, headers and footers, footnotes (no metadata)."""
    return "\n".join(
        s.text
        for s in doc.segments
        if s.location in ("body", "header_footer", "footnote")
    )


def record_text(entry: Entry, text: str, *, now: datetime) -> EntryText:
    """Keep ``text`` (the review copy's text) and its fingerprint for ``entry``."""
    from judging.documents import similarity

    printed = similarity.fingerprint(text, convert=_to_simplified())
    row = db.session.get(EntryText, entry.id) or EntryText(entry_id=entry.id)
    row.digest = printed.digest
    row.length = printed.length
    row.fingerprint = printed.hashes.astype("<u8").tobytes()
    row.text = text
    row.computed_at = now
    db.session.add(row)
    db.session.flush()
    return row


def _text_of(entry: Entry, now: datetime) -> EntryText | None:
    """The stored text, read from the review copy (else the original) if missing."""
    row = db.session.get(EntryText, entry.id)
    if row is not None:
        return row
    from judging.documents.inspection import DocumentRejected, inspect_document

    stored = entry.review_file or entry.file
    try:
        doc = inspect_document(load_file(stored), max_bytes=2**31)
    except (DocumentRejected, OSError):
        return None
    return record_text(entry, document_text(doc), now=now)


def _print_of(row: EntryText) -> similarity.Fingerprint:
    import numpy as np

    from judging.documents import similarity

    hashes = np.frombuffer(row.fingerprint, dtype="<u8").astype(np.uint64)
    return similarity.Fingerprint(hashes=hashes, length=row.length, digest=row.digest)


def _in_scope(competition: Competition):  # noqa: ANN202 (a SQL condition)
    """Submitted entries of the competition and of every earlier one."""
    earlier = select(Competition.id).where(Competition.opens_at < competition.opens_at)
    return (Entry.status == EntryStatus.SUBMITTED) & or_(
        Entry.competition_id == competition.id, Entry.competition_id.in_(earlier)
    )


def read_texts(
    *,
    competition: Competition,
    entries: list[Entry],
    now: datetime,
    progress: Progress | None = None,
    after_each: Callable[[], None] | None = None,
) -> None:
    """Read the texts of ``entries`` and of every entry in scope not read yet
    (entries of earlier years, checked for the first time). ``after_each`` runs
    after every text: a job commits there, so that it never holds the database's
    write lock while it reads and fingerprints files."""
    unread = db.session.scalars(
        select(Entry)
        .outerjoin(EntryText, EntryText.entry_id == Entry.id)
        .where(_in_scope(competition), EntryText.entry_id.is_(None))
    ).all()
    todo = list({e.id: e for e in [*entries, *unread]}.values())
    for done, entry in enumerate(todo, 1):
        _text_of(entry, now)
        if after_each is not None:
            after_each()
        if progress is not None:
            progress(done, len(todo) + 1, "读取作品文字")


def _comparable(competition: Competition) -> list[tuple[int, EntryText]]:
    """(entry id, text) of every entry in scope whose text has been read."""
    rows = db.session.execute(
        select(Entry.id, EntryText)
        .join(EntryText, EntryText.entry_id == Entry.id)
        .where(_in_scope(competition))
    ).all()
    return [(entry_id, text) for entry_id, text in rows]


@dataclass(frozen=True)
class CheckResult:
    checked: int
    pairs: int


def _no_progress(done: int, total: int, message: str = "") -> None:
    return None


def check_entries(
    *,
    competition: Competition,
    entries: list[Entry],
    now: datetime,
    progress: Progress = _no_progress,
    read: bool = True,
) -> CheckResult:
    """Compare ``entries`` (of ``competition``) with every other entry of it and
    of earlier competitions; keep the pairs at or above the competition's
    threshold. Pairs already settled keep their decision; open pairs that no
    longer reach the threshold (a file was replaced) are removed. The texts are
    read first (:func:`read_texts`) unless ``read`` is False (already done)."""
    if read:
        read_texts(competition=competition, entries=entries, now=now, progress=progress)
    texts = dict(_comparable(competition))
    progress(len(texts), len(texts) + 1, "比对")
    new = {e.id for e in entries if e.id in texts}
    from judging.documents import similarity

    found = similarity.find_similar(
        {key: _print_of(row) for key, row in texts.items()},
        lambda key: texts[key].text,
        threshold=competition.similarity_percent / 100,
        new=new,
        convert=_to_simplified(),
    )
    entry_competition = dict(
        db.session.execute(
            select(Entry.id, Entry.competition_id).where(Entry.id.in_(list(texts)))
        ).all()
    )
    kept: set[tuple[int, int]] = set()
    for pair in found:
        a, b, share_a, share_b = pair.a, pair.b, pair.share_a, pair.share_b
        passages = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in pair.passages]
        if entry_competition[b] != competition.id:  # b must be this competition's
            a, b, share_a, share_b = b, a, share_b, share_a
            passages = [(p[2], p[3], p[0], p[1]) for p in passages]
        kept.add((a, b))
        row = db.session.scalar(
            select(SimilarPair).where(
                SimilarPair.entry_a_id == a, SimilarPair.entry_b_id == b
            )
        )
        if row is None:
            row = SimilarPair(
                competition_id=competition.id,
                entry_a_id=a,
                entry_b_id=b,
                created_at=now,
            )
            db.session.add(row)
        row.kind = pair.kind
        row.share_a = Decimal(f"{share_a:.4f}")
        row.share_b = Decimal(f"{share_b:.4f}")
        row.passages = json.dumps(passages)
    stale = [
        p
        for p in db.session.scalars(
            select(SimilarPair).where(
                SimilarPair.competition_id == competition.id,
                SimilarPair.status == PairStatus.OPEN,
                or_(SimilarPair.entry_a_id.in_(new), SimilarPair.entry_b_id.in_(new)),
            )
        )
        if (p.entry_a_id, p.entry_b_id) not in kept
    ]
    for p in stale:
        db.session.delete(p)
    db.session.flush()
    record(
        actor_id=None,
        action="originality.check",
        obj=competition,
        competition_id=competition.id,
        entries=len(entries),
        pairs=len(kept),
    )
    return CheckResult(checked=len(new), pairs=len(kept))


def submitted_entries(competition: Competition) -> list[Entry]:
    return list(
        db.session.scalars(
            select(Entry).where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
    )


def check_competition(
    *, competition: Competition, now: datetime, progress: Progress = _no_progress
) -> CheckResult:
    """Check every submitted entry of the competition (after close, or again)."""
    return check_entries(
        competition=competition,
        entries=submitted_entries(competition),
        now=now,
        progress=progress,
    )


def forget_text(entry: Entry) -> None:
    """The entry's file changed: its text is read again at the next check."""
    db.session.execute(delete(EntryText).where(EntryText.entry_id == entry.id))


def pairs_of(competition: Competition, *, status: str = "") -> list[SimilarPair]:
    """The competition's pairs, most similar first, optionally of one status."""
    query = (
        select(SimilarPair)
        .where(SimilarPair.competition_id == competition.id)
        .options(
            selectinload(SimilarPair.entry_a).selectinload(Entry.unit),
            selectinload(SimilarPair.entry_b).selectinload(Entry.unit),
            selectinload(SimilarPair.entry_a).selectinload(Entry.competition),
        )
    )
    if status:
        query = query.where(SimilarPair.status == status)
    rows = list(db.session.scalars(query))
    return sorted(rows, key=lambda p: (-p.overlap, p.id))


def overlap_by_entry(competition: Competition) -> dict[int, Decimal]:
    """The largest overlap of each entry of the competition that is in a pair."""
    result: dict[int, Decimal] = {}
    for pair in db.session.scalars(
        select(SimilarPair).where(SimilarPair.competition_id == competition.id)
    ):
        for entry_id in (pair.entry_a_id, pair.entry_b_id):
            result[entry_id] = max(result.get(entry_id, Decimal(0)), pair.overlap)
    return result


def open_count(competition: Competition) -> int:
    return db.session.scalar(
        select(func.count(SimilarPair.id)).where(
            SimilarPair.competition_id == competition.id,
            SimilarPair.status == PairStatus.OPEN,
        )
    )


@guard(Phase.FINALISED)
def _pairs_settled(competition: Competition) -> list[str]:
    n = open_count(competition)
    if not n:
        return []
    return [said(N_("还有 %(n)s 对疑似重复的作品未处理（查重），请先处理。"), n=n)]


@dataclass(frozen=True)
class Side:
    """One entry of a pair as shown to the organiser: text in runs, shared runs
    marked."""

    entry: Entry
    share: Decimal
    runs: list[tuple[str, bool]]


def _runs(text: str, ranges: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    runs, at = [], 0
    for start, end in sorted(ranges):
        start = max(start, at)
        if start > at:
            runs.append((text[at:start], False))
        if end > start:
            runs.append((text[start:end], True))
        at = max(at, end)
    if at < len(text):
        runs.append((text[at:], False))
    return runs


def sides(pair: SimilarPair) -> tuple[Side, Side]:
    """Both entries with their shared passages marked, for the side-by-side page."""
    passages = json.loads(pair.passages or "[]")
    a = db.session.get(EntryText, pair.entry_a_id)
    b = db.session.get(EntryText, pair.entry_b_id)
    text_a, text_b = (a.text if a else ""), (b.text if b else "")
    return (
        Side(
            pair.entry_a, pair.share_a, _runs(text_a, [(p[0], p[1]) for p in passages])
        ),
        Side(
            pair.entry_b, pair.share_b, _runs(text_b, [(p[2], p[3]) for p in passages])
        ),
    )


def settle(
    *,
    actor: User,
    pair: SimilarPair,
    decision: str,
    reason: str,
    exclude_entry_id: int | None,
    now: datetime,
) -> None:
    """The organiser's decision on a pair, with a written reason (audited).

    Rule: excluding takes one entry of the pair whose competition is not yet
    finalised out of the awards (取消资格, the same exclusion the results page
    records); the entry stays in the records.
    """
    if actor.role != Role.ORGANISER:
        raise OriginalityError(N_("只有主办方可以处理查重结果。"))
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise OriginalityError(N_("请选择处理方式。"))
    if len(reason) < MIN_REASON:
        raise OriginalityError(said(
            N_("请写明处理理由（至少 %(min)s 个字）。"),
            min=MIN_REASON,
        ))
    excluded = None
    if decision == PairStatus.EXCLUDED:
        if exclude_entry_id not in (pair.entry_a_id, pair.entry_b_id):
            raise OriginalityError(N_("请选择要取消资格的作品。"))
        excluded = db.session.get(Entry, exclude_entry_id)
        if excluded.competition.phase not in OPEN_PHASES:
            raise OriginalityError(N_("该作品所在竞赛的结果已定稿，不能再取消资格。"))
        override = db.session.scalar(
            select(AwardOverride).where(AwardOverride.entry_id == excluded.id)
        ) or AwardOverride(competition_id=excluded.competition_id, entry_id=excluded.id)
        override.tier_name = None
        override.is_excluded = True
        override.reason = f"查重：{reason}"
        override.actor_id = actor.id
        override.created_at = now
        db.session.add(override)
    pair.status = decision
    pair.reason = reason
    pair.excluded_entry_id = excluded.id if excluded else None
    pair.settled_by_id = actor.id
    pair.settled_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="originality.settle",
        obj=pair,
        competition_id=pair.competition_id,
        decision=decision,
        reason=reason,
        entries=[pair.entry_a_id, pair.entry_b_id],
        excluded=pair.excluded_entry_id,
        overlap=str(pair.overlap),
    )


def earlier_year_flags(entries: list[Entry]) -> set[int]:
    """Entries (of a unit) that repeat an entry of an earlier competition: the
    unit is told "与往年作品重复", nothing about the other entry."""
    ids = [e.id for e in entries]
    if not ids:
        return set()
    rows = db.session.execute(
        select(SimilarPair.entry_b_id, Entry.competition_id, SimilarPair.competition_id)
        .join(Entry, Entry.id == SimilarPair.entry_a_id)
        .where(
            SimilarPair.entry_b_id.in_(ids), SimilarPair.status != PairStatus.CLEARED
        )
    ).all()
    return {b for b, a_competition, competition in rows if a_competition != competition}

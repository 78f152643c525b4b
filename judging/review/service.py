"""Review use cases: the judge's assignments and score sheets, reopening, paper scores.

Anonymity: everything a judge sees is reached through the judge's own active
assignments, and carries only the entry code, title, abstract, keywords and the
review copy — never the unit, authors, advisor or the original file.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from judging.accounts.imports import RowError
from judging.accounts.models import Judge, Role, User
from judging.assignment.models import Assignment, AssignmentStatus
from judging.assignment.service import conflict_for, round_entries
from judging.audit.service import record
from judging.competitions.models import Competition, Criterion, Phase
from judging.competitions.service import current_phase
from judging.documents.inspection import DocumentRejected, inspect_document
from judging.extensions import db
from judging.i18n import N_, message_of, said
from judging.results import jobs as results_jobs
from judging.review.imports import (
    KnownAssignment,
    KnownJudge,
    PaperRow,
    RubricItem,
    point_errors,
    score_columns,
    total_points,
    validate_paper_scores,
)
from judging.review.models import Review, ReviewStatus, Score
from judging.rounds.models import Round
from judging.rounds.service import criteria, current_round
from judging.submissions.files import load_file
from judging.submissions.models import Entry, EntryStatus, StoredFile, split_keywords
from judging.tables import TableError, read_table, safe_cell

# Phases in which a judge sees the assignments; only in REVIEWING may he score.
VISIBLE_PHASES = (
    Phase.REVIEWING,
    Phase.FINALISED,
    Phase.PUBLICITY,
    Phase.PUBLISHED,
)
STATE_LABELS = {"new": N_("未开始"), "draft": N_("草稿"), "submitted": N_("已提交")}
SOURCE_LABELS = {"online": N_("在线"), "paper": N_("纸质")}
COPY_LIMIT = 200 * 1024 * 1024
TERMINAL = "。！？!?；：…”’」』）)"


class ReviewError(ValueError):
    """A refused review action; the message is shown to the user in Chinese.
    `errors`, when given, are its several problems, each said in the reader's
    language (``web.error_texts``)."""

    def __init__(self, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def rubric(competition: Competition, round_no: int = 1) -> list[RubricItem]:
    """The rubric a review of round `round_no` is scored on: the round's own
    (judging.rounds), else the competition's."""
    return [
        RubricItem(c.id, c.name, c.max_points) for c in criteria(competition, round_no)
    ]


def _state(review_status: str | None) -> str:
    """未开始 / 草稿 / 已提交 as a key of STATE_LABELS, from the review's status."""
    if review_status is None:
        return "new"
    return "submitted" if review_status == ReviewStatus.SUBMITTED else "draft"


# --- the judge's side --------------------------------------------------------------


# The judge's active assignments in competitions that are in review or later:
# every judge-facing lookup starts from these conditions on Assignment.judge_id
# (the bound parameter ``judge_id``). The statements below are built once:
# building one costs about as much as running it.
_OWN_CONDITIONS = (
    Assignment.judge_id == bindparam("judge_id"),
    Assignment.status == AssignmentStatus.ACTIVE,
    Entry.status == EntryStatus.SUBMITTED,
    Competition.phase.in_(VISIBLE_PHASES),
)


def _own_query():  # noqa: ANN202
    return (
        select(Assignment)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Competition, Competition.id == Entry.competition_id)
        .where(*_OWN_CONDITIONS)
    )


# The entry, competition, rubric and review copy come with the assignment (they do
# not change while scoring); the review and its scores are left to load later, so
# that save_review reads them only after taking the sheet's lock.
# Built on first use: its loader options configure every mapper, which a
# command or a worker that never reads a sheet need not pay for at start.
@cache
def _own_assignment():  # noqa: ANN202 (a Select)
    return (
        _own_query()
        .where(Assignment.id == bindparam("assignment_id"))
        .options(
            contains_eager(Assignment.entry)
            .contains_eager(Entry.competition)
            .selectinload(Competition.criteria),
            contains_eager(Assignment.entry).joinedload(Entry.review_file),
        )
    )


_DASHBOARD = (
    select(
        Competition.id,
        Competition.title,
        Competition.phase,
        Assignment.id.label("assignment_id"),
        Entry.code,
        Entry.title.label("entry_title"),
        Review.status,
    )
    .select_from(Assignment)
    .join(Entry, Entry.id == Assignment.entry_id)
    .join(Competition, Competition.id == Entry.competition_id)
    .outerjoin(Review, Review.assignment_id == Assignment.id)
    .where(*_OWN_CONDITIONS)
    .order_by(Competition.closes_at.desc(), Competition.id, Entry.code)
)


@dataclass(frozen=True)
class DashboardRow:
    assignment_id: int
    code: str
    title: str
    state: str  # a key of STATE_LABELS


@dataclass
class JudgeCompetition:
    competition_id: int
    title: str
    phase: str
    rows: list[DashboardRow] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.state == "submitted")


def judge_dashboard(judge: Judge) -> list[JudgeCompetition]:
    """The judge's assignments grouped by competition, newest competition first:
    code, title and state only, read as plain rows in one statement."""
    groups: dict[int, JudgeCompetition] = {}
    for row in db.session.execute(_DASHBOARD, {"judge_id": judge.id}):
        group = groups.get(row.id)
        if group is None:
            group = groups[row.id] = JudgeCompetition(row.id, row.title, row.phase)
        group.rows.append(
            DashboardRow(
                row.assignment_id, row.code or "", row.entry_title, _state(row.status)
            )
        )
    return list(groups.values())


def own_assignment(judge: Judge, assignment_id: int) -> Assignment | None:
    """The judge's own visible assignment, or None (missing and foreign alike)."""
    return db.session.scalar(
        _own_assignment(), {"judge_id": judge.id, "assignment_id": assignment_id}
    )


def judge_photos(entry: Entry) -> list:
    """The photos of `entry` a judge may see, in order: none unless the call is
    judged and the organiser allowed it, and only those with a clean copy (the
    photo re-encoded without any metadata)."""
    competition = entry.competition
    if competition.is_collection or not competition.attachments_to_judges:
        return []
    return [a for a in entry.attachments if a.kind == "photo" and a.clean_file_id]


def judge_photo_count(assignment_id: int) -> int:
    """How many photos the judge's sheet links to (one query; see judge_photos)."""
    from judging.competitions.models import Competition
    from judging.submissions.models import Attachment

    return db.session.scalar(
        select(func.count(Attachment.id))
        .join(Entry, Entry.id == Attachment.entry_id)
        .join(Assignment, Assignment.entry_id == Entry.id)
        .join(Competition, Competition.id == Entry.competition_id)
        .where(
            Assignment.id == assignment_id,
            Competition.attachments_to_judges.is_(True),
            Competition.kind != "collection",
            Attachment.kind == "photo",
            Attachment.clean_file_id.is_not(None),
        )
    )


@dataclass(frozen=True)
class SheetLine:
    """One criterion of the rubric with the judge's points (None: not scored)."""

    criterion_id: int
    name: str
    guidance: str
    max_points: int
    points: Decimal | None


@dataclass(frozen=True)
class Sheet:
    """What the judge's page shows of one assignment: the essay (code, title,
    abstract, keywords, review copy; never unit or authors) and the sheet.

    Read as plain rows in two statements (judge_sheet): this is the page
    judges open most, and ORM objects cost several times the queries.
    """

    assignment_id: int
    code: str
    title: str
    abstract: str
    keywords: str
    copy: StoredFile | None  # sha256 and kind only: a transient stand-in
    phase: str
    review_status: str | None
    comment: str
    total: Decimal | None
    lines: tuple[SheetLine, ...]

    @property
    def state(self) -> str:
        return _state(self.review_status)

    @property
    def editable(self) -> bool:
        return self.phase == Phase.REVIEWING and self.state != "submitted"

    @property
    def max_total(self) -> int:
        return sum(line.max_points for line in self.lines)

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)

    def values(self) -> dict[str, str]:
        """The stored sheet as form values (points_<criterion id>, comment)."""
        values = {
            f"points_{line.criterion_id}": str(line.points)
            for line in self.lines
            if line.points is not None
        }
        values["comment"] = self.comment
        return values


# The round whose own rubric this assignment is scored on (NULL: the
# competition's rubric).
_RUBRIC_ROUND = (
    select(Round.id)
    .join(Criterion, Criterion.round_id == Round.id)
    .where(Round.competition_id == Competition.id, Round.number == Assignment.round_no)
    .limit(1)
    .correlate(Competition, Assignment)
    .scalar_subquery()
)

_SHEET = (
    select(
        Assignment.id,
        Entry.code,
        Entry.title,
        Entry.abstract,
        Entry.keywords,
        StoredFile.sha256,
        StoredFile.kind,
        Competition.id.label("competition_id"),
        Competition.phase,
        Review.id.label("review_id"),
        Review.status,
        Review.comment,
        Review.total,
        _RUBRIC_ROUND.label("rubric_round"),
    )
    .select_from(Assignment)
    .join(Entry, Entry.id == Assignment.entry_id)
    .join(Competition, Competition.id == Entry.competition_id)
    .outerjoin(StoredFile, StoredFile.id == Entry.review_file_id)
    .outerjoin(Review, Review.assignment_id == Assignment.id)
    .where(*_OWN_CONDITIONS, Assignment.id == bindparam("assignment_id"))
)

_SHEET_LINES = (
    select(
        Criterion.id,
        Criterion.name,
        Criterion.guidance,
        Criterion.max_points,
        Score.points,
    )
    .outerjoin(
        Score,
        and_(
            Score.criterion_id == Criterion.id,
            Score.review_id == bindparam("review_id"),
        ),
    )
    .where(
        Criterion.competition_id == bindparam("competition_id"),
        func.coalesce(Criterion.round_id, 0) == bindparam("rubric_round"),
    )
    .order_by(Criterion.position)
)


def judge_sheet(judge: Judge, assignment_id: int) -> Sheet | None:
    """The judge's own visible sheet, or None (missing and foreign alike): the
    same conditions as own_assignment, which the writing paths use."""
    row = db.session.execute(
        _SHEET, {"judge_id": judge.id, "assignment_id": assignment_id}
    ).one_or_none()
    if row is None:
        return None
    lines = db.session.execute(
        _SHEET_LINES,
        {
            "competition_id": row.competition_id,
            "review_id": row.review_id,
            "rubric_round": row.rubric_round or 0,
        },
    ).all()
    copy = None
    if row.sha256 is not None:
        copy = StoredFile(sha256=row.sha256, kind=row.kind)
    return Sheet(
        assignment_id=row.id,
        code=row.code or "",
        title=row.title,
        abstract=row.abstract or "",
        keywords=row.keywords or "",
        copy=copy,
        phase=row.phase,
        review_status=row.status,
        comment=row.comment or "",
        total=row.total,
        lines=tuple(SheetLine(*line) for line in lines),
    )


def review_paragraphs(stored: StoredFile | None) -> list[str]:
    """The review copy's body text as paragraphs, to read in the browser.

    DOCX text comes paragraph by paragraph. PDF text comes line by line as the
    page wraps it; lines are joined until one ends a sentence, which restores the
    paragraphs of Chinese prose well enough to read.

    Extracting the text costs tens of milliseconds, most of the page's time, so
    each worker keeps the paragraphs of the last PARAGRAPH_CACHE copies by their
    SHA-256: a stored file never changes under its hash.
    """
    if stored is None:
        return []
    key = (stored.sha256, stored.kind)
    with _paragraphs_lock:
        cached = _paragraphs.get(key)
        if cached is not None:
            _paragraphs.move_to_end(key)
            return list(cached)
    try:
        document = inspect_document(
            load_file(stored), max_bytes=COPY_LIMIT, allowed=frozenset({stored.kind})
        )
    except (DocumentRejected, OSError):
        return []
    lines = [line.strip() for line in document.text("body").split("\n")]
    lines = [line for line in lines if line]
    paragraphs = lines if document.kind == "docx" else join_lines(lines)
    with _paragraphs_lock:
        _paragraphs[key] = tuple(paragraphs)
        while len(_paragraphs) > PARAGRAPH_CACHE:
            _paragraphs.popitem(last=False)
    return paragraphs


PARAGRAPH_CACHE = 64
_paragraphs: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()
_paragraphs_lock = threading.Lock()


def join_lines(lines: list[str]) -> list[str]:
    """Join wrapped PDF lines into paragraphs.

    A paragraph ends at a line shorter than a full line that ends a sentence (the
    last line of a paragraph), or at a much shorter line (a title). A full line
    ending in 。 is just a sentence ending at the margin.
    """
    lengths = sorted(len(line) for line in lines)
    full = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        joiner = " " if current and current[-1].isascii() and line[0].isascii() else ""
        current = current + joiner + line
        short = len(line) < 0.95 * full
        if (short and line[-1] in TERMINAL) or len(line) < 0.6 * full:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _lock_assignment(assignment: Assignment) -> None:
    """Serialise writes to one assignment's sheet (PostgreSQL row lock; SQLite is
    already serialised by BEGIN IMMEDIATE)."""
    db.session.execute(
        select(Assignment.id).where(Assignment.id == assignment.id).with_for_update()
    )


def _current_review(assignment: Assignment) -> Review | None:
    return db.session.scalar(
        select(Review)
        .where(Review.assignment_id == assignment.id)
        .execution_options(populate_existing=True)
    )


def _same_sheet(
    review: Review, points: dict[int, Decimal | None], comment: str
) -> bool:
    stored = {s.criterion_id: s.points for s in review.scores}
    given = {k: v for k, v in points.items() if v is not None}
    return stored == given and review.comment == comment.strip()


def _write_scores(
    review: Review, points: dict[int, Decimal | None], comment: str
) -> None:
    """Update the review's scores in place: get-or-create one Score per criterion.

    Scores are updated rather than deleted and re-inserted, so (review, criterion)
    stays unique and no moment exists where a score is missing.
    """
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, value in points.items():
        score = existing.get(criterion_id)
        if value is None:
            if score is not None:
                review.scores.remove(score)
        elif score is None:
            review.scores.append(Score(criterion_id=criterion_id, points=value))
        else:
            score.points = value
    review.comment = comment.strip()
    db.session.flush()
    values = [s.points for s in review.scores]
    review.total = total_points(values) if values else None


def _get_or_create_review(assignment: Assignment, source: str) -> Review:
    review = _current_review(assignment)
    if review is not None:
        return review
    review = Review(
        assignment_id=assignment.id, status=ReviewStatus.DRAFT, source=source
    )
    db.session.add(review)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise ReviewError(N_("保存冲突：评分表刚被修改，请刷新页面后重试。")) from exc
    return review


def save_review(
    *,
    actor: User,
    assignment: Assignment,
    points: dict[int, Decimal | None],
    comment: str,
    submit: bool,
    now: datetime,
) -> Review:
    """Save a judge's draft or submit the score sheet.

    Rules: only the assigned judge, only while the competition is in review, only
    before submission. A draft may leave scores empty; a submission must score
    every criterion; every score lies within 0..maximum in steps of 0.5. Nothing
    is written when any value is wrong. Submitting twice with the same values
    (a double click) is accepted once and changes nothing the second time.
    """
    judge = actor.judge if actor.role == Role.JUDGE else None
    if judge is None or judge.id != assignment.judge_id:
        raise ReviewError(N_("只能填写分配给您本人的评审任务。"))
    _lock_assignment(assignment)
    db.session.refresh(assignment)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ReviewError(N_("该评审任务已撤销（回避），不能再评分。"))
    competition = assignment.entry.competition
    if current_phase(competition, share_lock=True) != Phase.REVIEWING:
        raise ReviewError(N_("当前不在评审阶段，评分不能保存或提交。"))
    if assignment.round_no != current_round(competition):
        raise ReviewError(N_("该轮评审已结束，评分不能再保存或提交。"))
    errors = point_errors(
        rubric(competition, assignment.round_no), points, complete=submit
    )
    if errors:
        raise ReviewError("".join(errors), errors=errors)
    review = _current_review(assignment)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        if submit and _same_sheet(review, points, comment):
            return review
        raise ReviewError(
            N_("评分已提交，不能再修改。如需修改，请联系主办方重新开放。")
        )
    review = review or _get_or_create_review(assignment, "online")
    _write_scores(review, points, comment)
    review.source = "online"
    review.updated_at = now
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="review.submit" if submit else "review.save",
        obj=review,
        competition_id=competition.id,
        assignment_id=assignment.id,
        total=review.total,
    )
    if submit:
        results_jobs.scores_changed(competition)
    return review


# --- the organiser's side ------------------------------------------------------------


def reopen_review(*, actor: User, review: Review, reason: str, now: datetime) -> None:
    """Let the judge change a submitted sheet again (organiser, with a reason).

    Only while the competition is in review: after finalising, results rest on
    the submitted scores.
    """
    if actor.role != Role.ORGANISER:
        raise ReviewError(N_("只有主办方可以重新开放评分。"))
    if not reason.strip():
        raise ReviewError(N_("请填写重新开放的原因。"))
    assignment = review.assignment
    _lock_assignment(assignment)
    db.session.refresh(review)
    if review.status != ReviewStatus.SUBMITTED:
        raise ReviewError(N_("该评分尚未提交，无需重新开放。"))
    competition = assignment.entry.competition
    if competition.phase != Phase.REVIEWING:
        raise ReviewError(N_("当前不在评审阶段，评分不能重新开放。"))
    if assignment.round_no != current_round(competition):
        raise ReviewError(N_("该轮评审已结束，前一轮的评分不能重新开放。"))
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.updated_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="review.reopen",
        obj=review,
        competition_id=competition.id,
        assignment_id=assignment.id,
        reason=reason.strip(),
        total=review.total,
    )
    results_jobs.scores_changed(competition)


@dataclass(frozen=True)
class ReviewRow:
    assignment: Assignment
    review: Review | None
    points: dict[int, Decimal]


def entry_reviews(entry: Entry) -> list[ReviewRow]:
    """Every assignment of an entry (recused ones too) with its review, if any."""
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.entry_id == entry.id)
        .options(selectinload(Assignment.review).selectinload(Review.scores))
        .order_by(Assignment.id)
    ).all()
    return [
        ReviewRow(
            a,
            a.review,
            {s.criterion_id: s.points for s in a.review.scores} if a.review else {},
        )
        for a in assignments
    ]


@dataclass(frozen=True)
class EntryProgress:
    entry: Entry
    active: int
    submitted: int
    totals: tuple[Decimal, ...]

    @property
    def spread(self) -> Decimal | None:
        return max(self.totals) - min(self.totals) if len(self.totals) > 1 else None


def competition_progress(
    competition: Competition, entries: Sequence[Entry] | None = None
) -> list[EntryProgress]:
    """Per entry of the current round (or of `entries`, a page of them):
    active assignments, submitted reviews and their totals."""
    if entries is None:
        entries = list(
            db.session.scalars(
                round_entries(competition).order_by(Entry.code, Entry.id)
            )
        )
    if not entries:
        return []
    rows = db.session.execute(
        select(Assignment.entry_id, Review.status, Review.total)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(
            Entry.competition_id == competition.id,
            Assignment.entry_id.in_([e.id for e in entries]),
            Assignment.status == AssignmentStatus.ACTIVE,
            Assignment.round_no == current_round(competition),
        )
    ).all()
    active: dict[int, int] = {}
    totals: dict[int, list[Decimal]] = {}
    for entry_id, status, total in rows:
        active[entry_id] = active.get(entry_id, 0) + 1
        if status == ReviewStatus.SUBMITTED and total is not None:
            totals.setdefault(entry_id, []).append(total)
    return [
        EntryProgress(
            e,
            active.get(e.id, 0),
            len(totals.get(e.id, [])),
            tuple(sorted(totals.get(e.id, []))),
        )
        for e in entries
    ]


# --- paper scores ------------------------------------------------------------------


@dataclass
class PaperResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _known(competition: Competition) -> tuple[list[KnownJudge], list[Assignment]]:
    judges = [
        KnownJudge(j.id, u.username, j.name)
        for j, u in db.session.execute(
            select(Judge, User).join(User, User.id == Judge.user_id).order_by(Judge.id)
        ).all()
    ]
    assignments = db.session.scalars(
        select(Assignment)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Entry.code.is_not(None),
            Assignment.status == AssignmentStatus.ACTIVE,
            Assignment.round_no == current_round(competition),
        )
    ).all()
    return judges, list(assignments)


def _paper_problems(
    rows: list[PaperRow], by_id: dict[int, Assignment]
) -> list[RowError]:
    """Checks that need the database: conflicts and sheets already submitted online."""
    errors = []
    for row in rows:
        assignment = by_id[row.assignment_id]
        reason = conflict_for(assignment.judge, assignment.entry)
        if reason:
            errors.append(
                RowError(
                    row.row,
                    said(
                        N_("评审专家与作品 %(code)s 存在回避关系（%(reason)s）"),
                        code=row.entry_code,
                        reason=reason,
                    ),
                )
            )
        review = assignment.review
        if (
            review is not None
            and review.status == ReviewStatus.SUBMITTED
            and review.source != "paper"
        ):
            errors.append(
                RowError(
                    row.row,
                    said(
                        N_(
                            "该专家已在线提交作品 %(code)s 的评分；"
                            "如需以纸质评分为准，请先重新开放该评分"
                        ),
                        code=row.entry_code,
                    ),
                )
            )
    return errors


def import_paper_scores(
    *,
    actor: User,
    competition: Competition,
    data: bytes,
    filename: str,
    now: datetime,
) -> PaperResult:
    """Enter paper score sheets from a CSV/XLSX file as submitted reviews.

    All or nothing: any bad row (unknown entry or judge, judge not assigned or
    in conflict, a score missing, non-numeric or out of range, a sheet already
    submitted online) refuses the whole file with row-numbered errors.
    Re-importing the same file changes nothing.
    """
    result = PaperResult()
    if actor.role != Role.ORGANISER:
        raise ReviewError(N_("只有主办方可以导入纸质评分。"))
    if competition.phase != Phase.REVIEWING:
        raise ReviewError(N_("只有在评审阶段才能导入纸质评分。"))
    items = rubric(competition, current_round(competition))
    try:
        table = read_table(
            data,
            filename=filename,
            columns=score_columns(items),
            required={"entry_code", "judge"},
        )
    except TableError as exc:
        result.errors.append(RowError(1, message_of(exc)))
        return result
    judges, assignments = _known(competition)
    by_id = {a.id: a for a in assignments}
    known = [KnownAssignment(a.id, a.entry.code or "", a.judge_id) for a in assignments]
    rows, result.errors = validate_paper_scores(
        table, rubric=items, judges=judges, assignments=known
    )
    result.errors += _paper_problems(rows, by_id)
    if not rows and not result.errors:
        result.errors.append(RowError(2, N_("文件中没有评分数据")))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    for row in rows:
        _store_paper_row(actor, competition, by_id[row.assignment_id], row, now, result)
    db.session.flush()
    results_jobs.scores_changed(competition)
    return result


def _store_paper_row(
    actor: User,
    competition: Competition,
    assignment: Assignment,
    row: PaperRow,
    now: datetime,
    result: PaperResult,
) -> None:
    _lock_assignment(assignment)
    review = _current_review(assignment)
    points: dict[int, Decimal | None] = dict(row.points)
    if (
        review is not None
        and review.status == ReviewStatus.SUBMITTED
        and _same_sheet(review, points, row.comment)
    ):
        result.unchanged += 1
        return
    created = review is None
    review = review or _get_or_create_review(assignment, "paper")
    before = review.total
    _write_scores(review, points, row.comment)
    review.status = ReviewStatus.SUBMITTED
    review.source = "paper"
    review.submitted_at = now
    review.updated_at = now
    if created:
        result.created += 1
    else:
        result.updated += 1
    record(
        actor_id=actor.id,
        action="review.paper_import",
        obj=review,
        competition_id=competition.id,
        assignment_id=assignment.id,
        row=row.row,
        before=before,
        total=review.total,
    )


def paper_template_xlsx(competition: Competition) -> bytes:
    """A paper score sheet to fill in: one row per active assignment."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "纸质评分"
    sheet.append(
        [
            "作品编号",
            "评审专家",
            *(c.name for c in criteria(competition, current_round(competition))),
            "评语",
        ]
    )
    _judges, assignments = _known(competition)
    for a in sorted(assignments, key=lambda a: (a.entry.code or "", a.judge_id)):
        sheet.append([safe_cell(a.entry.code), safe_cell(a.judge.user.username)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

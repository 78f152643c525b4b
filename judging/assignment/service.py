"""Assignment use cases: conflicts, applying a solver plan, manual edits, progress.

The solver (``solver.py``) only proposes; this module turns ORM rows into its
inputs, checks the phase and the actor, verifies a plan independently before
writing it, and records every change in the audit log. Conflicts are checked in
one place, :func:`conflict_for`, for manual edits and imports alike.
"""

from __future__ import annotations

import io
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import Judge, Role, Unit, User
from judging.anonymity.service import blocked_entries
from judging.assignment import solver
from judging.assignment.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Conflict,
)
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import PHASE_LABELS
from judging.competitions.service import guard
from judging.extensions import db
from judging.i18n import N_, said
from judging.review.models import Review, ReviewStatus
from judging.rounds import service as rounds
from judging.rounds.models import Round, RoundEntry
from judging.submissions.models import Entry, EntryStatus
from judging.tables import safe_cell

ASSIGNABLE_PHASES = (Phase.CLOSED, Phase.REVIEWING)
Pair = tuple[int, int]
Track = Callable[[Sequence[Pair]], Iterable[Pair]]


class AssignmentError(ValueError):
    """A refused assignment change; the message is shown to the user in Chinese.

    ``errors``: the message in parts (each a ``Said``, said one by one on a
    page) when it joins several reasons into one Chinese line."""

    def __init__(self, message: str, *, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


# --- checks ------------------------------------------------------------------------


def _require_organiser(actor: User | None) -> None:
    """The CLI acts as the organiser (actor None); on the web only organisers may."""
    if actor is not None and actor.role != Role.ORGANISER:
        raise AssignmentError(N_("只有主办方可以分配评审专家。"))


def _require_phase(competition: Competition) -> None:
    """No assignment while submissions are open, nor after results are final;
    never for a collection, which is not judged."""
    if competition.is_collection:
        raise AssignmentError(N_("材料征集不评审，不能分配评审专家。"))
    if competition.phase not in ASSIGNABLE_PHASES:
        label = PHASE_LABELS.get(competition.phase, competition.phase)
        raise AssignmentError(
            said(
                N_(
                    "竞赛当前为“%(label)s”阶段，只有在征集截止后、结果定稿前才能分配评"
                    "审专家。"
                ),
                label=label,
            )
        )


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def _label(entry: Entry) -> str:
    return entry.code or f"#{entry.id}"


# --- solver inputs -----------------------------------------------------------------


def judge_input(judge: Judge) -> solver.JudgeInput:
    """A judge as the solver sees it: affiliation is the unit, else the body."""
    affiliation: object = (
        ("unit", judge.unit_id)
        if judge.unit_id is not None
        else (judge.affiliation.strip() or f"#{judge.id}")
    )
    return solver.JudgeInput(
        id=judge.id,
        affiliation=affiliation,
        unit_id=judge.unit_id,
        capacity=judge.capacity,
        expertise=frozenset(judge.expertise_list),
    )


def entry_input(entry: Entry) -> solver.EntryInput:
    return solver.EntryInput(
        id=entry.id,
        unit_id=entry.unit_id,
        keywords=frozenset(k.strip() for k in entry.keyword_list),
    )


def judge_pool(competition: Competition | None = None) -> list[Judge]:
    """Every judge whose account is enabled: the candidates for new assignments;
    of the current round's panel when the round has one."""
    query = (
        select(Judge)
        .join(User, User.id == Judge.user_id)
        .where(User.is_enabled.is_(True))
        .order_by(Judge.id)
    )
    if competition is not None:
        chosen = rounds.panel(competition, rounds.current_round(competition))
        if chosen is not None:
            query = query.where(Judge.id.in_(chosen))
    return list(db.session.scalars(query))


def submitted_entries(
    competition: Competition, *, every_round: bool = False
) -> list[Entry]:
    """The submitted entries of the current round (初评: all of them), or of
    every round."""
    wanted = (
        None
        if every_round
        else rounds.members(competition, rounds.current_round(competition))
    )
    found = db.session.scalars(
        select(Entry)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .order_by(Entry.code, Entry.id)
    )
    return [e for e in found if wanted is None or e.id in wanted]


def round_k(competition: Competition) -> int:
    return rounds.reviews_per_entry(competition, rounds.current_round(competition))


def conflict_pairs(entries: Sequence[Entry]) -> set[Pair]:
    """Recorded conflicts as (judge_id, entry_id) pairs for these entries.

    A judge × unit conflict covers every entry of that unit; the automatic
    same-unit rule is applied by the solver itself from ``unit_id``.
    """
    entry_ids = {e.id for e in entries}
    by_unit: dict[int, list[int]] = defaultdict(list)
    for e in entries:
        by_unit[e.unit_id].append(e.id)
    pairs: set[Pair] = set()
    if not entries:
        return pairs
    rows = db.session.scalars(
        select(Conflict).where(
            or_(
                Conflict.entry_id.in_(entry_ids),
                Conflict.unit_id.in_(list(by_unit)),
            )
        )
    )
    for c in rows:
        if c.entry_id is not None:
            pairs.add((c.judge_id, c.entry_id))
        else:
            pairs.update((c.judge_id, e) for e in by_unit.get(c.unit_id, ()))
    return pairs


def conflict_for(judge: Judge, entry: Entry) -> str | None:
    """Why ``judge`` may not review ``entry`` (Chinese), or None if it may.

    The one check shared by the solver input, manual edits, the judge's
    declaration and the paper-score import: the same unit (automatic) or a
    recorded conflict with the entry's unit or with the entry itself.
    """
    recorded = db.session.scalar(
        select(Conflict.id)
        .where(
            Conflict.judge_id == judge.id,
            or_(Conflict.entry_id == entry.id, Conflict.unit_id == entry.unit_id),
        )
        .limit(1)
    )
    pairs = {(judge.id, entry.id)} if recorded is not None else set()
    return solver.conflict_reason(
        judge=judge_input(judge), entry=entry_input(entry), conflicts=pairs
    )


def _in_round(competition: Competition, number: int | None = None) -> tuple:
    """The conditions of an active assignment of a submitted entry in round
    `number` (the current round by default), for a query joined to Entry."""
    if number is None:
        number = rounds.current_round(competition)
    return (
        Entry.competition_id == competition.id,
        Entry.status == EntryStatus.SUBMITTED,
        Assignment.status == AssignmentStatus.ACTIVE,
        Assignment.round_no == number,
    )


def _active(competition: Competition) -> list[Assignment]:
    """Active assignments of submitted entries in the current round, with judge,
    entry and review loaded in three more statements. For the changes that need
    the objects; pages read `_active_rows` (plain tuples, one statement)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(*_in_round(competition))
            .options(
                selectinload(Assignment.judge),
                selectinload(Assignment.entry),
                selectinload(Assignment.review),
            )
            .order_by(Assignment.id)
        )
    )


def _active_rows(competition: Competition) -> list:
    """(entry_id, judge_id, kind) of every active assignment of the current
    round: one statement and no object per row, whatever their number."""
    return list(
        db.session.execute(
            select(Assignment.entry_id, Assignment.judge_id, Assignment.kind)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(*_in_round(competition))
            .order_by(Assignment.id)
        )
    )


def judge_loads(competition: Competition) -> dict[int, int]:
    """Active assignments of the current round per judge id (one statement)."""
    return dict(
        db.session.execute(
            select(Assignment.judge_id, func.count(Assignment.id))
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(*_in_round(competition))
            .group_by(Assignment.judge_id)
        ).all()
    )


def active_assignment_count(competition: Competition) -> int:
    """How many active assignments the submitted entries have in this round."""
    return db.session.scalar(
        select(func.count(Assignment.id))
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
            Assignment.round_no == rounds.current_round(competition),
        )
    )


def entry_assignments(entry: Entry, *, active_only: bool = True) -> list[Assignment]:
    """The entry's assignments in the current round."""
    query = select(Assignment).where(
        Assignment.entry_id == entry.id,
        Assignment.round_no == rounds.current_round(entry.competition),
    )
    if active_only:
        query = query.where(Assignment.status == AssignmentStatus.ACTIVE)
    return list(db.session.scalars(query.order_by(Assignment.id)))


def judge_load(judge: Judge, competition: Competition) -> int:
    return judge_loads(competition).get(judge.id, 0)


# --- conflicts the organiser records -----------------------------------------------


def competition_conflicts(competition: Competition) -> list[Conflict]:
    """Recorded conflicts that bear on this competition: all judge × unit ones
    and the judge × entry ones for its entries, newest first."""
    entry_ids = select(Entry.id).where(Entry.competition_id == competition.id)
    return list(
        db.session.scalars(
            select(Conflict)
            .where(or_(Conflict.unit_id.is_not(None), Conflict.entry_id.in_(entry_ids)))
            .order_by(Conflict.id.desc())
        )
    )


def add_conflict(
    *,
    actor: User | None,
    judge: Judge,
    reason: str,
    now: datetime,
    unit: Unit | None = None,
    entry: Entry | None = None,
) -> Conflict:
    """Record that ``judge`` must not review a unit's entries or one entry.

    Takes effect for every later plan and manual edit; assignments that already
    exist are listed by :func:`conflicting_assignments` for the organiser to swap.
    """
    _require_organiser(actor)
    if (unit is None) == (entry is None):
        raise AssignmentError(N_("请选择回避的单位或作品（二选一）。"))
    if not reason.strip():
        raise AssignmentError(N_("请填写回避原因。"))
    duplicate = db.session.scalar(
        select(Conflict.id).where(
            Conflict.judge_id == judge.id,
            Conflict.unit_id == unit.id if unit else Conflict.entry_id == entry.id,  # type: ignore[union-attr]
        )
    )
    if duplicate is not None:
        raise AssignmentError(N_("该回避关系已登记。"))
    conflict = Conflict(
        judge_id=judge.id,
        unit_id=unit.id if unit else None,
        entry_id=entry.id if entry else None,
        reason=reason.strip(),
        declared_by_judge=False,
        created_at=now,
    )
    db.session.add(conflict)
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="conflict.add",
        obj=conflict,
        competition_id=entry.competition_id if entry else None,
        judge=judge.name,
        unit=unit.name if unit else None,
        entry=_label(entry) if entry else None,
        reason=reason.strip(),
    )
    return conflict


def remove_conflict(
    *, actor: User | None, conflict: Conflict, reason: str, now: datetime
) -> None:
    """Delete a recorded conflict (audited with the reason and what it was)."""
    _require_organiser(actor)
    if not reason.strip():
        raise AssignmentError(N_("请填写撤销回避的原因。"))
    entry = db.session.get(Entry, conflict.entry_id) if conflict.entry_id else None
    record(
        actor_id=_actor_id(actor),
        action="conflict.remove",
        obj=conflict,
        competition_id=entry.competition_id if entry else None,
        judge_id=conflict.judge_id,
        unit_id=conflict.unit_id,
        entry_id=conflict.entry_id,
        declared_by_judge=conflict.declared_by_judge,
        original_reason=conflict.reason,
        reason=reason.strip(),
        at=now.isoformat(),
    )
    db.session.delete(conflict)
    db.session.flush()


def conflicting_assignments(
    competition: Competition,
) -> list[tuple[Assignment, str]]:
    """Active assignments that a conflict recorded after the fact now forbids.

    The database narrows the assignments to those of a judge of the entry's
    own unit or with a recorded conflict on the entry or its unit (usually
    none); the solver's rule then decides each, so the rule stays in one place.
    """
    recorded = exists().where(
        Conflict.judge_id == Assignment.judge_id,
        or_(Conflict.entry_id == Entry.id, Conflict.unit_id == Entry.unit_id),
    )
    candidates = list(
        db.session.scalars(
            select(Assignment)
            .join(Entry, Entry.id == Assignment.entry_id)
            .join(Judge, Judge.id == Assignment.judge_id)
            .where(*_in_round(competition))
            .where(or_(Judge.unit_id == Entry.unit_id, recorded))
            .options(selectinload(Assignment.judge), selectinload(Assignment.entry))
            .order_by(Assignment.id)
        )
    )
    pairs = conflict_pairs(list({a.entry_id: a.entry for a in candidates}.values()))
    found = []
    for a in candidates:
        reason = solver.conflict_reason(
            judge=judge_input(a.judge), entry=entry_input(a.entry), conflicts=pairs
        )
        if reason is not None:
            found.append((a, reason))
    return found


# --- the plan ----------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRow:
    judge: Judge
    kept: int
    new: int

    @property
    def total(self) -> int:
        return self.kept + self.new


@dataclass(frozen=True)
class PlanPreview:
    """A solver plan with what the organiser needs to judge it; nothing written."""

    plan: solver.Plan
    entries: list[Entry]
    blocked: list[Entry]
    judges: list[Judge]
    kept: frozenset[Pair]
    conflicts: frozenset[Pair]
    rows: list[LoadRow] = field(default_factory=list)

    @property
    def new_pairs(self) -> list[Pair]:
        return [p for p in self.plan.pairs if p not in self.kept]

    @property
    def min_load(self) -> int:
        return min((r.total for r in self.rows), default=0)

    @property
    def max_load(self) -> int:
        return max((r.total for r in self.rows), default=0)


def new_seed() -> int:
    """A fresh random seed, shown to the organiser so the plan can be reproduced."""
    return secrets.randbelow(1_000_000)


def preview_plan(*, competition: Competition, k: int, seed: int) -> PlanPreview:
    """Ask the solver for k conflict-free judges per entry; write nothing.

    Entries whose anonymity findings are unresolved are left out (they may not
    reach judges yet). Existing active regular assignments are kept, so running
    it again only fills what is missing. Raises ``solver.AssignmentInfeasible``
    (with reasons by entry) or :class:`AssignmentError`.
    """
    _require_phase(competition)
    if not 1 <= k <= 15:
        raise AssignmentError(N_("每篇评审人数应在 1–15 之间。"))
    blocked = blocked_entries(competition)
    blocked_ids = {e.id for e in blocked}
    entries = [e for e in submitted_entries(competition) if e.id not in blocked_ids]
    if not entries:
        raise AssignmentError(N_("没有可分配的作品。"))
    judges = judge_pool(competition)
    if not judges:
        raise AssignmentError(N_("还没有可用的评审专家，请先导入评审专家。"))
    judge_ids = {j.id for j in judges}
    entry_ids = {e.id for e in entries}
    kept = frozenset(
        (entry_id, judge_id)
        for entry_id, judge_id, kind in _active_rows(competition)
        if kind == AssignmentKind.REGULAR
        and entry_id in entry_ids
        and judge_id in judge_ids
    )
    conflicts = frozenset(
        conflict_pairs(entries)
        | rounds.earlier_pairs(competition, rounds.current_round(competition))
    )
    entry_inputs = [entry_input(e) for e in entries]
    judge_inputs = [judge_input(j) for j in judges]
    by_entry = {e.id: e for e in entries}
    by_judge = {j.id: j for j in judges}
    clashes = [
        said(
            N_("作品 %(label)s 的现有评审专家 %(name)s 存在回避关系（%(reason)s），"
               "请先在作品的评审专家页更换。"),
            label=_label(by_entry[e]),
            name=by_judge[j].name,
            reason=reason,
        )
        for e, j in sorted(kept)
        if (
            reason := solver.conflict_reason(
                judge=judge_input(by_judge[j]),
                entry=entry_input(by_entry[e]),
                conflicts=conflicts,
            )
        )
    ]
    if clashes:
        raise AssignmentError("".join(clashes[:10]), errors=clashes[:10])
    plan = solver.build_plan(
        entries=entry_inputs,
        judges=judge_inputs,
        k=k,
        conflicts=conflicts,
        seed=seed,
        keep=kept,
    )
    kept_load: dict[int, int] = defaultdict(int)
    new_load: dict[int, int] = defaultdict(int)
    for pair in plan.pairs:
        (kept_load if pair in kept else new_load)[pair[1]] += 1
    rows = [LoadRow(j, kept_load[j.id], new_load[j.id]) for j in judges]
    return PlanPreview(
        plan=plan,
        entries=entries,
        blocked=blocked,
        judges=judges,
        kept=kept,
        conflicts=conflicts,
        rows=rows,
    )


def _activate(
    *, entry_id: int, judge_id: int, kind: str, now: datetime, round_no: int = 1
) -> Assignment:
    """Create the assignment in round `round_no`, or reactivate the pair's
    recused row of that round. A judge reviews an entry in one round only."""
    existing = db.session.scalar(
        select(Assignment).where(
            Assignment.entry_id == entry_id, Assignment.judge_id == judge_id
        )
    )
    if existing is not None:
        if existing.round_no != round_no:
            raise AssignmentError(
                N_("该评审专家已在前一轮评审过这篇作品，每位专家对一篇作品只评一轮。")
            )
        if existing.status == AssignmentStatus.ACTIVE:
            raise AssignmentError(N_("该评审专家已在评审这篇作品。"))
        existing.status = AssignmentStatus.ACTIVE
        existing.kind = kind
        return existing
    assignment = Assignment(
        entry_id=entry_id,
        judge_id=judge_id,
        kind=kind,
        created_at=now,
        round_no=round_no,
    )
    db.session.add(assignment)
    return assignment


def apply_plan(
    *,
    actor: User | None,
    competition: Competition,
    k: int,
    seed: int,
    now: datetime,
    track: Track | None = None,
) -> PlanPreview:
    """Recompute the plan with the same seed, verify it, and write the new pairs.

    The plan is checked by ``verify_plan`` (written independently of the
    solver) before anything is written: k distinct judges per entry, no
    conflict, no judge over capacity, every kept pair present. ``track`` wraps
    the loop over new pairs (the CLI's progress bar).
    """
    _require_organiser(actor)
    preview = preview_plan(competition=competition, k=k, seed=seed)
    problems = solver.verify_plan(
        pairs=preview.plan.pairs,
        entries=[entry_input(e) for e in preview.entries],
        judges=[judge_input(j) for j in preview.judges],
        k=k,
        conflicts=preview.conflicts,
        keep=preview.kept,
    )
    if problems:
        raise AssignmentError(
            "分配方案未通过校验：" + "；".join(problems[:10]) + "。",
            errors=[said(N_("分配方案未通过校验：")), *problems[:10]],
        )
    pairs = preview.new_pairs
    for entry_id, judge_id in (track or iter)(pairs):
        _activate(
            entry_id=entry_id,
            judge_id=judge_id,
            kind=AssignmentKind.REGULAR,
            now=now,
            round_no=rounds.current_round(competition),
        )
    competition.assignment_seed = seed
    db.session.flush()
    stats = preview.plan.stats
    record(
        actor_id=_actor_id(actor),
        action="assignment.apply",
        obj=competition,
        competition_id=competition.id,
        seed=seed,
        k=k,
        new_pairs=len(pairs),
        kept_pairs=len(preview.kept),
        blocked=[_label(e) for e in preview.blocked],
        components=stats.components,
        min_load=preview.min_load,
        max_load=preview.max_load,
    )
    return preview


def understaffed(competition: Competition) -> list[tuple[Entry, int]]:
    """Submitted entries of the current round with fewer active judges than
    its ``reviews_per_entry``: one statement, only the short entries loaded."""
    number = rounds.current_round(competition)
    judges = judge_count(competition, number)
    return [
        (e, n)
        for e, n in db.session.execute(
            round_entries(competition, number)
            .add_columns(judges)
            .where(judges < rounds.reviews_per_entry(competition, number))
            .order_by(Entry.code, Entry.id)
        )
    ]


@guard(Phase.REVIEWING)
def _every_entry_assigned(competition: Competition) -> list[str]:
    short = understaffed(competition)
    if not short:
        return []
    k = round_k(competition)
    missing = sum(k - n for _, n in short)
    return [
        said(
            N_("还有 %(n)s 篇作品的评审专家不足 %(k)s 位（共缺 %(missing)s 人次），"
               "请先分配评审专家。"),
            n=len(short),
            k=k,
            missing=missing,
        )
    ]


# --- manual changes ----------------------------------------------------------------


def _require_in_round(entry: Entry) -> None:
    """Only entries of the current round get judges (初评: every entry)."""
    number = rounds.current_round(entry.competition)
    wanted = rounds.members(entry.competition, number)
    if wanted is not None and entry.id not in wanted:
        raise AssignmentError(said(
            N_("作品 %(label)s 不在本轮（第 %(number)s 轮）。"),
            label=_label(entry),
            number=number,
        ))


def _check_judge_for(judge: Judge, entry: Entry) -> None:
    _require_in_round(entry)
    competition = entry.competition
    number = rounds.current_round(competition)
    chosen = rounds.panel(competition, number)
    if chosen is not None and judge.id not in chosen:
        raise AssignmentError(
            said(N_("%(name)s 不在本轮的评审专家名单中。"), name=judge.name)
        )
    if (judge.id, entry.id) in rounds.earlier_pairs(competition, number):
        raise AssignmentError(said(
            N_("%(name)s 已在前一轮评审过作品 %(label)s，每位专家对一篇作品只评一轮。"),
            name=judge.name,
            label=_label(entry),
        ))
    reason = conflict_for(judge, entry)
    if reason is not None:
        raise AssignmentError(said(
            N_("%(name)s 不能评审作品 %(label)s：%(reason)s。"),
            name=judge.name, label=_label(entry), reason=reason,
        ))
    load = judge_load(judge, entry.competition)
    if judge.capacity is not None and load >= judge.capacity:
        raise AssignmentError(
            said(
                N_("%(name)s 已分配 %(load)s 篇，达到其评审容量 %(capacity)s 篇。"),
                name=judge.name, load=load, capacity=judge.capacity,
            )
        )


def _submitted(assignment: Assignment) -> bool:
    review = assignment.review
    return review is not None and review.status == ReviewStatus.SUBMITTED


def add_judge(
    *,
    actor: User | None,
    entry: Entry,
    judge: Judge,
    now: datetime,
    kind: str = AssignmentKind.REGULAR,
) -> Assignment:
    """Give an entry one more judge by hand, under the same conflict rule."""
    _require_organiser(actor)
    _require_phase(entry.competition)
    if entry.status != EntryStatus.SUBMITTED:
        raise AssignmentError(N_("该作品已撤回。"))
    _check_judge_for(judge, entry)
    assignment = _activate(
        entry_id=entry.id,
        judge_id=judge.id,
        kind=kind,
        now=now,
        round_no=rounds.current_round(entry.competition),
    )
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="assignment.add",
        obj=assignment,
        competition_id=entry.competition_id,
        entry=_label(entry),
        judge=judge.name,
        kind=kind,
    )
    return assignment


def _changeable(actor: User | None, assignment: Assignment, verb: str) -> Entry:
    """The entry of an assignment the organiser may still change (`verb`: 更换/撤下):
    active, in an assignable phase, and without a submitted review."""
    _require_organiser(actor)
    entry = assignment.entry
    _require_phase(entry.competition)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise AssignmentError(N_("该分配已撤销。"))
    if _submitted(assignment):
        # one whole sentence per verb: English words it differently
        raise AssignmentError(
            N_("该评审专家已提交评分，不能更换。")
            if verb == "更换"
            else N_("该评审专家已提交评分，不能撤下。")
        )
    return entry


def swap_judge(
    *, actor: User | None, assignment: Assignment, judge: Judge, now: datetime
) -> Assignment:
    """Replace the judge of one assignment; refused once the review is submitted."""
    entry = _changeable(actor, assignment, "更换")
    if judge.id == assignment.judge_id:
        raise AssignmentError(N_("新旧评审专家相同。"))
    _check_judge_for(judge, entry)
    assignment.status = AssignmentStatus.RECUSED
    replacement = _activate(
        entry_id=entry.id,
        judge_id=judge.id,
        kind=assignment.kind,
        now=now,
        round_no=assignment.round_no,
    )
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="assignment.swap",
        obj=replacement,
        competition_id=entry.competition_id,
        entry=_label(entry),
        before=assignment.judge.name,
        after=judge.name,
    )
    return replacement


def remove_judge(*, actor: User | None, assignment: Assignment, now: datetime) -> None:
    """Withdraw a judge from an entry (kept as recused, for the record)."""
    entry = _changeable(actor, assignment, "撤下")
    assignment.status = AssignmentStatus.RECUSED
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="assignment.remove",
        obj=assignment,
        competition_id=entry.competition_id,
        entry=_label(entry),
        judge=assignment.judge.name,
        at=now.isoformat(),
    )


def judge_choices(entry: Entry) -> list[tuple[Judge, str | None, int]]:
    """Every enabled judge with why he may not take this entry, and his load."""
    competition = entry.competition
    loads = judge_loads(competition)
    earlier = rounds.earlier_pairs(competition, rounds.current_round(competition))
    recorded = conflict_pairs([entry])  # one statement for every judge
    return [
        (
            j,
            said(N_("已在前一轮评审过该作品"))
            if (j.id, entry.id) in earlier
            else solver.conflict_reason(
                judge=judge_input(j), entry=entry_input(entry), conflicts=recorded
            ),
            loads.get(j.id, 0),
        )
        for j in judge_pool(competition)
    ]


def _propose(entry: Entry, count: int) -> tuple[Pair, ...]:
    """Ask the solver for ``count`` more conflict-free, least-loaded judges."""
    competition = entry.competition
    entries = submitted_entries(competition)
    judges = judge_pool(competition)
    judge_ids = {j.id for j in judges}
    existing = {
        (entry_id, judge_id)
        for entry_id, judge_id, _kind in _active_rows(competition)
        if judge_id in judge_ids
    }
    conflicts = conflict_pairs(entries)
    conflicts |= rounds.earlier_pairs(competition, rounds.current_round(competition))
    # A judge once withdrawn from this entry is not proposed for it again.
    conflicts.update(
        (a.judge_id, a.entry_id)
        for a in entry_assignments(entry, active_only=False)
        if a.status != AssignmentStatus.ACTIVE
    )
    seed = (competition.assignment_seed or 0) * 1000 + entry.id + len(existing)
    return solver.propose_extra_judges(
        entry_ids=[entry.id],
        existing_pairs=existing,
        judges=[judge_input(j) for j in judges],
        entries=[entry_input(e) for e in entries],
        conflicts=conflicts,
        count=count,
        seed=seed,
    )


def add_extra_judges(
    *,
    actor: User | None,
    entry: Entry,
    count: int = 1,
    kind: str = "arbitration",
    now: datetime,
) -> list[Assignment]:
    """Add ``count`` judges proposed by the solver (arbitration or extra reviews).

    The solver picks conflict-free judges not yet on the entry, preferring a
    new affiliation and the least loaded.
    """
    _require_organiser(actor)
    _require_phase(entry.competition)
    if entry.status != EntryStatus.SUBMITTED:
        raise AssignmentError(N_("该作品已撤回。"))
    if kind not in tuple(AssignmentKind):
        raise AssignmentError(N_("未知的评审类型。"))
    _require_in_round(entry)
    if not 1 <= count <= 15:
        raise AssignmentError(N_("增加的评审专家人数应在 1–15 之间。"))
    try:
        pairs = _propose(entry, count)
    except solver.AssignmentInfeasible as exc:
        raise AssignmentError(
            "没有可增加的评审专家：" + "；".join(exc.reasons) + "。",
            errors=[said(N_("没有可增加的评审专家：")), *exc.reasons],
        ) from exc
    added = [
        _activate(
            entry_id=entry.id,
            judge_id=judge_id,
            kind=kind,
            now=now,
            round_no=rounds.current_round(entry.competition),
        )
        for _, judge_id in pairs
    ]
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="assignment.extra",
        obj=entry,
        competition_id=entry.competition_id,
        entry=_label(entry),
        kind=kind,
        judges=[a.judge_id for a in added],
    )
    return added


def declare_conflict(
    *, actor: User, assignment: Assignment, reason: str, now: datetime
) -> Assignment | None:
    """A judge declares a conflict on his own assignment and is replaced.

    Records a judge × entry conflict, marks the assignment recused, and gives
    the entry a conflict-free, least-loaded replacement from the solver.
    Returns the new assignment, or None when nobody is free (the entry then
    shows as short of judges on the organiser's assignment page).
    """
    judge = actor.judge if actor.role == Role.JUDGE else None
    if judge is None or judge.id != assignment.judge_id:
        raise AssignmentError(N_("只能对分配给自己的作品申报回避。"))
    entry = assignment.entry
    if entry.competition.phase not in ASSIGNABLE_PHASES:
        raise AssignmentError(N_("评审已结束，不能再申报回避。"))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise AssignmentError(N_("您已对该作品申报回避。"))
    if _submitted(assignment):
        raise AssignmentError(N_(
            "您已提交该作品的评分，不能再申报回避，请联系主办方。"
        ))
    if not reason.strip():
        raise AssignmentError(N_("请说明回避原因。"))
    db.session.add(
        Conflict(
            judge_id=judge.id,
            entry_id=entry.id,
            reason=reason.strip(),
            declared_by_judge=True,
            created_at=now,
        )
    )
    assignment.status = AssignmentStatus.RECUSED
    db.session.flush()
    try:
        pairs = _propose(entry, 1)
    except solver.AssignmentInfeasible:
        pairs = ()
    replacement = None
    if pairs:
        replacement = _activate(
            entry_id=entry.id,
            judge_id=pairs[0][1],
            kind=assignment.kind,
            now=now,
            round_no=assignment.round_no,
        )
        db.session.flush()
    record(
        actor_id=actor.id,
        action="conflict.declare",
        obj=assignment,
        competition_id=entry.competition_id,
        entry=_label(entry),
        reason=reason.strip(),
        replacement_judge_id=replacement.judge_id if replacement else None,
    )
    return replacement


# --- the current assignment, progress, disagreements -------------------------------


def round_entries(competition: Competition, number: int | None = None) -> Select:
    """The submitted entries of round `number` (the current one by default), as
    a query a page lists."""
    query = select(Entry).where(
        Entry.competition_id == competition.id,
        Entry.status == EntryStatus.SUBMITTED,
    )
    if number is None:
        number = rounds.current_round(competition)
    if number > 1:
        query = query.where(
            Entry.id.in_(
                select(RoundEntry.entry_id)
                .join(Round, Round.id == RoundEntry.round_id)
                .where(Round.competition_id == competition.id, Round.number == number)
            )
        )
    return query


def judge_count(competition: Competition, number: int | None = None) -> ColumnElement:
    """An entry's active judges in round `number` (the current one by default):
    a correlated count."""
    if number is None:
        number = rounds.current_round(competition)
    return (
        select(func.count(Assignment.id))
        .where(
            Assignment.entry_id == Entry.id,
            Assignment.status == AssignmentStatus.ACTIVE,
            Assignment.round_no == number,
        )
        .scalar_subquery()
    )


def panels(
    competition: Competition, entries: Sequence[Entry] | None = None
) -> list[tuple[Entry, list[Assignment]]]:
    """`entries` (by default every submitted entry of the round, by code) with
    their active assignments and judges: two statements for any number."""
    if entries is None:
        entries = list(
            db.session.scalars(
                round_entries(competition).order_by(Entry.code, Entry.id)
            )
        )
    by_entry: dict[int, list[Assignment]] = defaultdict(list)
    ids = [e.id for e in entries]
    if ids:
        for a in db.session.scalars(
            select(Assignment)
            .where(
                Assignment.entry_id.in_(ids),
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.round_no == rounds.current_round(competition),
            )
            .options(selectinload(Assignment.judge))
            .order_by(Assignment.id)
        ):
            by_entry[a.entry_id].append(a)
    return [(e, by_entry[e.id]) for e in entries]


@dataclass(frozen=True)
class JudgeProgress:
    judge: Judge
    assigned: int
    drafted: int
    submitted: int

    @property
    def unfinished(self) -> int:
        return self.assigned - self.submitted


@dataclass(frozen=True)
class Progress:
    rows: list[JudgeProgress]

    @property
    def assigned(self) -> int:
        return sum(r.assigned for r in self.rows)

    @property
    def drafted(self) -> int:
        return sum(r.drafted for r in self.rows)

    @property
    def submitted(self) -> int:
        return sum(r.submitted for r in self.rows)


def progress(competition: Competition) -> Progress:
    """Per judge: active assignments, drafts saved and reviews submitted (one
    counting statement and the judges, whatever the number of assignments)."""
    counts = db.session.execute(
        select(
            Assignment.judge_id,
            func.count(Assignment.id),
            func.count(Review.id).filter(Review.status == ReviewStatus.DRAFT),
            func.count(Review.id).filter(Review.status == ReviewStatus.SUBMITTED),
        )
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(*_in_round(competition))
        .group_by(Assignment.judge_id)
    ).all()
    judges = {
        j.id: j
        for j in db.session.scalars(
            select(Judge).where(Judge.id.in_([row[0] for row in counts]))
        )
    } if counts else {}
    return Progress(
        rows=sorted(
            (JudgeProgress(judges[j], a, d, s) for j, a, d, s in counts),
            key=lambda r: (-r.unfinished, r.judge.name),
        )
    )


def reminder_xlsx(competition: Competition) -> bytes:
    """催评名单: judges with unfinished reviews, their phone, e-mail and count."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "催评名单"
    sheet.append(["姓名", "电话", "邮箱", "未完成篇数", "已分配", "已提交"])
    for r in progress(competition).rows:
        if r.unfinished <= 0:
            continue
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    r.judge.name,
                    r.judge.phone,
                    r.judge.email,
                    r.unfinished,
                    r.assigned,
                    r.submitted,
                )
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Disagreement:
    entry: Entry
    totals: list[Decimal]
    arbitrations: int

    @property
    def spread(self) -> Decimal:
        return max(self.totals) - min(self.totals)


def disagreements(competition: Competition) -> list[Disagreement]:
    """Entries whose submitted totals differ by more than the threshold (max − min).

    The totals are read as plain rows in one statement; only the entries that
    disagree are loaded."""
    totals: dict[int, list[Decimal]] = defaultdict(list)
    arbitrations: dict[int, int] = defaultdict(int)
    rows = db.session.execute(
        select(Assignment.entry_id, Assignment.kind, Review.status, Review.total)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(*_in_round(competition))
    )
    for entry_id, kind, status, total in rows:
        if kind == AssignmentKind.ARBITRATION:
            arbitrations[entry_id] += 1
        if status == ReviewStatus.SUBMITTED and total is not None:
            totals[entry_id].append(Decimal(total))
    threshold = Decimal(competition.disagreement_threshold)
    wide = [
        i for i, t in totals.items() if len(t) >= 2 and max(t) - min(t) > threshold
    ]
    entries = (
        db.session.scalars(select(Entry).where(Entry.id.in_(wide))) if wide else ()
    )
    found = [Disagreement(e, sorted(totals[e.id]), arbitrations[e.id]) for e in entries]
    return sorted(found, key=lambda d: (-d.spread, d.entry.code or "", d.entry.id))

"""Assignment use cases: plans, conflicts, manual edits, the reviewing guard."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from judging.anonymity.models import Finding
from judging.assignment import service, solver
from judging.assignment.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Conflict,
)
from judging.audit.models import AuditEvent
from judging.competitions import service as competitions
from judging.competitions.models import Phase
from judging.extensions import db
from judging.review.models import ReviewStatus
from tests.assignment.conftest import add_review

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _active_pairs() -> set[tuple[int, int]]:
    return set(
        db.session.execute(
            select(Assignment.entry_id, Assignment.judge_id).where(
                Assignment.status == AssignmentStatus.ACTIVE
            )
        ).all()
    )


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count(model.id)))


def test_apply_writes_k_judges_per_entry_without_conflicts(make_world):
    w = make_world()

    preview = service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=7, now=NOW
    )
    db.session.commit()

    pairs = _active_pairs()
    judges = {j.id: j for j in w.judges}
    per_entry = {e.id: sum(1 for p in pairs if p[0] == e.id) for e in w.entries}
    assert set(per_entry.values()) == {3}
    assert [
        (e.id, j)
        for e in w.entries
        for (pe, j) in pairs
        if pe == e.id and service.conflict_for(judges[j], e) is not None
    ] == []
    assert len(preview.new_pairs) == 36
    assert w.competition.assignment_seed == 7
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assignment.apply")
    )
    assert event.competition_id == w.competition.id


def test_preview_same_seed_same_plan_and_writes_nothing(make_world):
    w = make_world()

    first = service.preview_plan(competition=w.competition, k=3, seed=11)
    second = service.preview_plan(competition=w.competition, k=3, seed=11)

    assert first.plan.pairs == second.plan.pairs
    assert _count(Assignment) == 0
    assert w.competition.assignment_seed is None


def test_apply_infeasible_explained_and_nothing_written(make_world):
    w = make_world(units=2, per_unit=2, outside=0)  # 2 judges, k = 3

    with pytest.raises(solver.AssignmentInfeasible) as caught:
        service.apply_plan(
            actor=w.organiser, competition=w.competition, k=3, seed=1, now=NOW
        )
    db.session.rollback()

    assert caught.value.reasons != []
    assert all("作品" in r for r in caught.value.reasons)
    assert _count(Assignment) == 0


def test_apply_refused_while_submissions_open(make_world):
    w = make_world(phase=Phase.OPEN)

    with pytest.raises(service.AssignmentError) as caught:
        service.apply_plan(
            actor=w.organiser, competition=w.competition, k=3, seed=1, now=NOW
        )

    assert str(caught.value) == (
        "竞赛当前为“征集中”阶段，只有在征集截止后、结果定稿前才能分配评审专家。"
    )
    assert _count(Assignment) == 0


def test_apply_skips_entries_with_unresolved_findings(make_world):
    w = make_world()
    leaky = w.entries[0]
    db.session.add(
        Finding(
            entry_id=leaky.id,
            kind="unit",
            location="body",
            evidence="山城第1大学",
            severity="high",
        )
    )
    db.session.commit()

    preview = service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=3, now=NOW
    )

    assert [e.id for e in preview.blocked] == [leaky.id]
    assert {e for e, _ in _active_pairs()} == {e.id for e in w.entries[1:]}


def test_apply_again_keeps_existing_pairs_and_fills_missing(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=5, now=NOW
    )
    before = _active_pairs()
    removed = db.session.scalar(select(Assignment).order_by(Assignment.id).limit(1))
    service.remove_judge(actor=w.organiser, assignment=removed, now=NOW)

    preview = service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=6, now=NOW
    )

    after = _active_pairs()
    assert len(preview.new_pairs) == 1
    assert before - {(removed.entry_id, removed.judge_id)} <= after
    assert len(after) == len(before)


def test_conflict_for_unit_and_recorded_conflicts(make_world):
    w = make_world()
    own, other = w.entries[0], w.entries[3]
    outside = w.judges[-1]

    service.add_conflict(
        actor=w.organiser,
        judge=outside,
        unit=w.units[1],
        reason="曾在该校兼职",
        now=NOW,
    )

    assert service.conflict_for(w.judges[0], own) == "评审专家与作品来自同一单位"
    assert service.conflict_for(w.judges[0], other) is None
    assert service.conflict_for(outside, other) == "已登记的回避关系"
    assert service.conflict_for(outside, own) is None


def test_swap_refused_on_conflict_and_allowed_otherwise(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=2, now=NOW
    )
    entry = w.entries[0]  # from unit 0; judge 0 is from that unit
    assignment = service.entry_assignments(entry)[0]

    with pytest.raises(service.AssignmentError) as caught:
        service.swap_judge(
            actor=w.organiser, assignment=assignment, judge=w.judges[0], now=NOW
        )

    assert "同一单位" in str(caught.value)
    assert assignment.status == AssignmentStatus.ACTIVE
    on_entry = {a.judge_id for a in service.entry_assignments(entry)}
    free = next(j for j in w.judges[1:] if j.id not in on_entry)
    replacement = service.swap_judge(
        actor=w.organiser, assignment=assignment, judge=free, now=NOW
    )
    assert (assignment.status, replacement.judge_id) == (
        AssignmentStatus.RECUSED,
        free.id,
    )


def test_judge_with_submitted_review_cannot_be_removed_or_swapped(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=2, now=NOW
    )
    assignment = db.session.scalar(select(Assignment).limit(1))
    add_review(assignment, ReviewStatus.SUBMITTED, "80")

    with pytest.raises(service.AssignmentError) as removed:
        service.remove_judge(actor=w.organiser, assignment=assignment, now=NOW)
    with pytest.raises(service.AssignmentError) as swapped:
        service.swap_judge(
            actor=w.organiser, assignment=assignment, judge=w.judges[-1], now=NOW
        )

    assert str(removed.value) == "该评审专家已提交评分，不能撤下。"
    assert str(swapped.value) == "该评审专家已提交评分，不能更换。"


def test_declared_conflict_replaces_the_judge(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=4, now=NOW
    )
    assignment = db.session.scalar(select(Assignment).limit(1))
    judge_user = assignment.judge.user

    replacement = service.declare_conflict(
        actor=judge_user, assignment=assignment, reason="作者是我的学生", now=NOW
    )

    conflict = db.session.scalar(select(Conflict))
    assert (conflict.judge_id, conflict.entry_id, conflict.declared_by_judge) == (
        assignment.judge_id,
        assignment.entry_id,
        True,
    )
    assert assignment.status == AssignmentStatus.RECUSED
    assert replacement is not None
    assert replacement.judge_id != assignment.judge_id
    assert service.conflict_for(replacement.judge, replacement.entry) is None
    assert len(service.entry_assignments(assignment.entry)) == 3


def test_declared_conflict_without_free_judge_lists_the_entry(make_world):
    w = make_world(units=2, per_unit=1, outside=2)  # 4 judges, 2 conflicts each
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=4, now=NOW
    )
    assignment = service.entry_assignments(w.entries[0])[0]

    replacement = service.declare_conflict(
        actor=assignment.judge.user, assignment=assignment, reason="亲属", now=NOW
    )

    assert replacement is None
    assert [(e.id, n) for e, n in service.understaffed(w.competition)] == [
        (w.entries[0].id, 2)
    ]


def test_declare_conflict_refused_for_another_judges_assignment(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=4, now=NOW
    )
    assignment = db.session.scalar(select(Assignment).limit(1))
    other = next(j for j in w.judges if j.id != assignment.judge_id)

    with pytest.raises(service.AssignmentError) as caught:
        service.declare_conflict(
            actor=other.user, assignment=assignment, reason="x", now=NOW
        )

    assert str(caught.value) == "只能对分配给自己的作品申报回避。"


def test_reviewing_guard_names_the_missing_count(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=8, now=NOW
    )
    first, second = db.session.scalars(select(Assignment).limit(2)).all()
    service.remove_judge(actor=w.organiser, assignment=first, now=NOW)
    service.remove_judge(actor=w.organiser, assignment=second, now=NOW)

    problems = competitions.transition_problems(w.competition, Phase.REVIEWING)

    short = 1 if first.entry_id == second.entry_id else 2
    assert problems == [
        f"还有 {short} 篇作品的评审专家不足 3 位（共缺 2 人次），请先分配评审专家。"
    ]


def test_reviewing_guard_passes_when_every_entry_has_k(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=8, now=NOW
    )

    competitions.advance_phase(
        actor=w.organiser, competition=w.competition, target=Phase.REVIEWING
    )

    assert w.competition.phase == Phase.REVIEWING


def test_disagreements_list_spread_over_threshold(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=9, now=NOW
    )
    w.competition.disagreement_threshold = Decimal("20")
    wide, narrow = w.entries[0], w.entries[1]
    for a, total in zip(
        service.entry_assignments(wide), ("90", "65", "70"), strict=True
    ):
        add_review(a, ReviewStatus.SUBMITTED, total)
    for a, total in zip(service.entry_assignments(narrow), ("90", "70"), strict=False):
        add_review(a, ReviewStatus.SUBMITTED, total)

    found = service.disagreements(w.competition)

    assert [(d.entry.id, d.spread, d.totals) for d in found] == [
        (wide.id, Decimal("25"), [Decimal("65"), Decimal("70"), Decimal("90")])
    ]


def test_arbitration_judge_respects_conflicts(make_world):
    w = make_world(units=3, per_unit=1, outside=1)  # 4 judges, k = 2
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=2, seed=1, now=NOW
    )
    entry = w.entries[0]
    on_entry = {a.judge_id for a in service.entry_assignments(entry)}
    free = [j for j in w.judges[1:] if j.id not in on_entry]
    assert len(free) == 1  # judge 0 shares the unit; two are on the panel
    service.add_conflict(
        actor=w.organiser, judge=free[0], entry=entry, reason="合作者", now=NOW
    )

    with pytest.raises(service.AssignmentError) as caught:
        service.add_extra_judges(actor=w.organiser, entry=entry, now=NOW)

    assert "没有可增加的评审专家" in str(caught.value)
    service.remove_conflict(
        actor=w.organiser,
        conflict=db.session.scalar(select(Conflict)),
        reason="误登记",
        now=NOW,
    )
    added = service.add_extra_judges(actor=w.organiser, entry=entry, now=NOW)
    assert [(a.judge_id, a.kind) for a in added] == [
        (free[0].id, AssignmentKind.ARBITRATION)
    ]
    actions = db.session.scalars(
        select(AuditEvent.action).order_by(AuditEvent.id)
    ).all()
    assert actions[-3:] == ["conflict.add", "conflict.remove", "assignment.extra"]


def test_plan_refused_when_existing_assignment_now_conflicts(make_world):
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=2, now=NOW
    )
    assignment = db.session.scalar(select(Assignment).limit(1))
    service.add_conflict(
        actor=w.organiser,
        judge=assignment.judge,
        entry=assignment.entry,
        reason="新发现的合作关系",
        now=NOW,
    )

    with pytest.raises(service.AssignmentError) as caught:
        service.preview_plan(competition=w.competition, k=3, seed=2)

    assert "存在回避关系" in str(caught.value)
    assert [a.id for a, _ in service.conflicting_assignments(w.competition)] == [
        assignment.id
    ]

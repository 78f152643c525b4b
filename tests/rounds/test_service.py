"""Rounds end to end in the services: shortlist, panel, assignment, results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from judging.accounts.models import Role
from judging.assignment import service as assignment
from judging.assignment import solver
from judging.assignment.models import Assignment
from judging.audit.models import AuditEvent
from judging.competitions.models import Phase
from judging.extensions import db
from judging.results import computed
from judging.results.demo import add_review
from judging.review.service import ReviewError, save_review
from judging.rounds import service as rounds
from judging.rounds.models import RoundEntry
from judging.submissions.models import EntryStatus

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
# Five entries, three judges, plain scores (every judge the same): mean 80, 70,
# 70, 60, 50. Top 2 ties at 70: three go on.
FLAT = [[80, 80, 80], [70, 70, 70], [70, 70, 70], [60, 60, 60], [50, 50, 50]]


@pytest.fixture()
def first_round(build_scored, make_user):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(3)]
    return s, senior


def _start(s, senior, **kwargs):  # noqa: ANN001, ANN202
    options = {"top_n": 2, "method": "mean"} | kwargs
    row = rounds.start_next_round(
        actor=s.organiser,
        competition=s.competition,
        name="复评",
        reviews=2,
        deadline=None,
        judge_ids=[j.id for j in senior],
        now=NOW,
        **options,
    )
    db.session.commit()
    return row


def _codes(entries) -> list[str]:  # noqa: ANN001
    return [e.code for e in entries]


def test_existing_assignments_are_of_round_one(first_round):
    s, _senior = first_round
    info = rounds.rounds(s.competition)
    assert [(r.number, r.name, r.row) for r in info] == [(1, "初评", None)]
    assert rounds.current_round(s.competition) == 1
    assert {a.round_no for a in s.assignments.values()} == {1}


def test_preview_takes_everyone_tied_at_the_cut(first_round):
    s, _senior = first_round
    preview = rounds.preview_shortlist(s.competition, top_n=2, method="mean")
    assert _codes(preview.selected) == ["ZW-001", "ZW-002", "ZW-003"]
    assert preview.planned == 2
    assert len(preview.notes) == 1
    assert [r.rank for r in preview.rows] == [1, 2, 2, 4, 5]


def test_start_next_round_writes_shortlist_panel_and_audit(first_round):
    s, senior = first_round
    row = _start(s, senior)
    assert rounds.current_round(s.competition) == 2
    assert rounds.members(s.competition, 2) == {e.id for e in s.entries[:3]}
    assert rounds.panel(s.competition, 2) == {j.id for j in senior}
    assert rounds.reviews_per_entry(s.competition, 2) == 2
    assert [r.name for r in rounds.rounds(s.competition)] == ["初评", "复评"]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "round.start")
    )
    detail = json.loads(event.detail)
    assert detail["entries"] == ["ZW-001", "ZW-002", "ZW-003"]
    assert row.shortlist_rule == "全部作品中取前 2 篇（按均值得分，同分并列全部入围）"


def test_next_round_refused_while_reviews_are_open(build_scored, make_user):
    s = build_scored(FLAT, pending=frozenset({(4, 2)}))
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    with pytest.raises(rounds.RoundError, match="还有 1 份评审未提交"):
        _start(s, senior)


def test_round_two_assigns_only_shortlist_to_its_panel(first_round):
    s, senior = first_round
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()
    new = db.session.scalars(select(Assignment).where(Assignment.round_no == 2)).all()
    assert len(new) == 6
    assert {a.entry_id for a in new} == {e.id for e in s.entries[:3]}
    assert {a.judge_id for a in new} <= {j.id for j in senior}
    assert assignment.understaffed(s.competition) == []
    assert sum(r.assigned for r in assignment.progress(s.competition).rows) == 6


def test_round_one_judges_do_not_review_the_same_entry_again(first_round):
    s, senior = first_round
    # No panel: every judge may take round 2, but not an entry he already read.
    _start(s, [], top_n=1)
    with pytest.raises(solver.AssignmentInfeasible):
        assignment.preview_plan(competition=s.competition, k=4, seed=1)
    preview = assignment.preview_plan(competition=s.competition, k=3, seed=1)
    judges = {j for _e, j in preview.plan.pairs}
    assert judges == {j.id for j in senior}
    with pytest.raises(assignment.AssignmentError, match="只评一轮"):
        assignment.add_judge(
            actor=s.organiser, entry=s.entries[0], judge=s.judges[0], now=NOW
        )


def test_a_judge_conflicted_only_in_round_two_is_avoided(first_round, make_user):
    s, senior = first_round
    _start(s, senior)
    target = s.entries[0]
    assignment.add_conflict(
        actor=s.organiser, judge=senior[0], reason="近亲属", now=NOW, entry=target
    )
    preview = assignment.preview_plan(competition=s.competition, k=2, seed=3)
    assert (target.id, senior[0].id) not in preview.plan.pairs
    assert sorted(j for e, j in preview.plan.pairs if e == target.id) == sorted(
        j.id for j in senior[1:]
    )


def test_add_and_remove_need_a_reason_and_are_audited(first_round):
    s, senior = first_round
    _start(s, senior)
    fourth = s.entries[3]
    with pytest.raises(rounds.RoundError, match="原因"):
        rounds.add_entry(
            actor=s.organiser, competition=s.competition, entry=fourth, reason=" "
        )
    rounds.add_entry(
        actor=s.organiser, competition=s.competition, entry=fourth, reason="专家复议"
    )
    rounds.remove_entry(
        actor=s.organiser, competition=s.competition, entry=s.entries[2], reason="撤稿"
    )
    db.session.commit()
    assert rounds.members(s.competition, 2) == {
        s.entries[0].id,
        s.entries[1].id,
        fourth.id,
    }
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("round.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["round.start", "round.add", "round.remove"]


def test_only_the_organiser_manages_rounds(first_round, make_user):
    s, senior = first_round
    judge = make_user(Role.JUDGE)
    with pytest.raises(rounds.RoundError, match="只有主办方"):
        rounds.start_next_round(
            actor=judge,
            competition=s.competition,
            name="",
            reviews=2,
            deadline=None,
            judge_ids=[],
            now=NOW,
            top_n=1,
        )


def _score_round_two(s, totals: dict[int, list[int]]):  # noqa: ANN001
    for entry_index, values in totals.items():
        entry = s.entries[entry_index]
        mine = db.session.scalars(
            select(Assignment)
            .where(Assignment.entry_id == entry.id, Assignment.round_no == 2)
            .order_by(Assignment.id)
        ).all()
        for a, total in zip(mine, values, strict=True):
            add_review(
                assignment=a,
                total=Decimal(total),
                criteria=list(s.competition.criteria),
                comment="复评意见",
                now=NOW,
            )
    db.session.commit()


def _ranking(s, method: str = "mean") -> list[tuple[str, float, int, int]]:  # noqa: ANN001
    computed.compute_and_store(s.competition)
    data, _ = computed.stored_data(s.competition.id, method)
    codes = {e.id: e.code for e in s.entries}
    return [(codes[r[0]], round(r[1], 2), r[4], r[16]) for r in data["rows"]]


def test_results_rank_finalists_above_everyone_else(first_round):
    s, senior = first_round
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    _score_round_two(s, {0: [60, 60], 1: [90, 90], 2: [75, 75]})
    # The last round decides: 002 (90), 003 (75), 001 (60); then 004, 005.
    assert _ranking(s) == [
        ("ZW-002", 90.0, 1, 2),
        ("ZW-003", 75.0, 2, 2),
        ("ZW-001", 60.0, 3, 2),
        ("ZW-004", 60.0, 4, 1),
        ("ZW-005", 50.0, 5, 1),
    ]
    # 初评 30 % + 复评 70 %: 001 = 0.3×80 + 0.7×60 = 66; 002 = 84; 003 = 73.5
    rounds.set_combination(
        actor=s.organiser,
        competition=s.competition,
        mode="weighted",
        weights={1: "30", 2: "70"},
        defense_weight="0",
        defense_max="100",
    )
    assert _ranking(s)[:3] == [
        ("ZW-002", 84.0, 1, 2),
        ("ZW-003", 73.5, 2, 2),
        ("ZW-001", 66.0, 3, 2),
    ]


def test_defense_score_joins_with_its_weight(first_round):
    s, senior = first_round
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    _score_round_two(s, {0: [60, 60], 1: [90, 90], 2: [75, 75]})
    rounds.set_combination(
        actor=s.organiser,
        competition=s.competition,
        mode="last",
        weights={},
        defense_weight="50",
        defense_max="10",
    )
    for index, marks in ((0, ["10", "10"]), (1, ["5", "5"]), (2, ["8", "9"])):
        rounds.save_defense(
            actor=s.organiser,
            competition=s.competition,
            entry=s.entries[index],
            marks=[("评委甲", marks[0]), ("评委乙", marks[1])],
            now=NOW,
        )
    # 001 = ½×60 + ½×100 = 80; 002 = ½×90 + ½×50 = 70; 003 = ½×75 + ½×85 = 80
    assert _ranking(s)[:3] == [
        ("ZW-001", 80.0, 1, 2),
        ("ZW-003", 80.0, 1, 2),
        ("ZW-002", 70.0, 3, 2),
    ]
    with pytest.raises(rounds.RoundError, match="最后一轮"):
        rounds.save_defense(
            actor=s.organiser,
            competition=s.competition,
            entry=s.entries[4],
            marks=[("评委甲", "9")],
            now=NOW,
        )
    with pytest.raises(rounds.RoundError, match="0 到 10"):
        rounds.save_defense(
            actor=s.organiser,
            competition=s.competition,
            entry=s.entries[0],
            marks=[("评委甲", "11")],
            now=NOW,
        )


def test_round_one_sheets_are_closed_once_round_two_starts(build_scored, make_user):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _start(s, senior)
    judge_user = s.judges[0].user
    a = s.assignments[(0, 0)]
    with pytest.raises(ReviewError, match="该轮评审已结束"):
        save_review(
            actor=judge_user,
            assignment=a,
            points={c.id: Decimal(1) for c in s.competition.criteria},
            comment="",
            submit=False,
            now=NOW,
        )


def test_an_entry_withdrawn_between_rounds_leaves_round_two(first_round):
    s, senior = first_round
    _start(s, senior)
    s.entries[1].status = EntryStatus.WITHDRAWN
    db.session.commit()
    assert _codes(assignment.submitted_entries(s.competition)) == ["ZW-001", "ZW-003"]
    assert db.session.get(
        RoundEntry, (rounds.round_row(s.competition, 2).id, s.entries[1].id)
    )


def test_finalising_needs_the_last_round_scored(first_round):
    s, senior = first_round
    _start(s, senior)
    problems = rounds._last_round_complete(s.competition)
    assert problems == ["作品 ZW-001、ZW-002、ZW-003 还没有本轮（第 2 轮）的评分。"]
    assert s.competition.phase == Phase.REVIEWING


def test_notices_and_reminders_are_of_the_current_round(first_round):
    from judging.assignment import notify

    s, senior = first_round
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()
    for kind in ("assignment", "reminder"):
        notices = notify.build_notices(s.competition, kind=kind, login_url="http://x")
        assert {n.judge_id for n in notices} <= {j.id for j in senior}
        assert notices
    rows = assignment.progress(s.competition).rows
    assert {r.judge.id for r in rows} <= {j.id for j in senior}


def test_an_entry_out_of_the_round_gets_no_judge(first_round):
    s, senior = first_round
    _start(s, senior)
    with pytest.raises(assignment.AssignmentError, match="不在本轮"):
        assignment.add_judge(
            actor=s.organiser, entry=s.entries[4], judge=senior[0], now=NOW
        )
    with pytest.raises(assignment.AssignmentError, match="不在本轮"):
        assignment.add_extra_judges(actor=s.organiser, entry=s.entries[4], now=NOW)


def test_start_round_from_the_command_line(first_round, runner):
    s, senior = first_round
    args = ["start-round", str(s.competition.id), "--top", "2", "--method", "mean"]
    preview = runner.invoke(args=[*args, "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "入围 3 篇：ZW-001、ZW-002、ZW-003" in preview.output
    assert "按并列规则全部入围" in preview.output
    assert rounds.current_round(s.competition) == 1
    judges = [a for j in senior for a in ("--judge", str(j.id))]
    done = runner.invoke(args=[*args, "--k", "2", *judges])
    assert done.exit_code == 0, done.output
    assert "已开始第 2 轮（复评）" in done.output
    db.session.rollback()
    assert rounds.panel(s.competition, 2) == {j.id for j in senior}
    refused = runner.invoke(args=["start-round", str(s.competition.id), "--top", "0"])
    assert refused.exit_code == 1
    assert "入围篇数至少为 1" in refused.output


def test_round_scores_from_stored_results_equal_a_fresh_computation(first_round):
    s, senior = first_round
    fresh = rounds.round_scores(s.competition, 1, method="calibrated")
    computed.compute_and_store(s.competition)
    db.session.commit()
    stored = rounds.round_scores(s.competition, 1, method="calibrated")
    assert stored.keys() == fresh.keys()
    assert all(abs(stored[k] - fresh[k]) < 1e-9 for k in fresh)
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    _score_round_two(s, {0: [60, 60], 1: [90, 90], 2: [75, 75]})
    fresh_two = rounds.round_scores(s.competition, 2, method="mean")
    computed.compute_and_store(s.competition)
    db.session.commit()
    assert rounds.round_scores(s.competition, 2, method="mean") == fresh_two
    assert rounds.round_scores(s.competition, 1, method="mean") == {
        e.id: float(t[0]) for e, t in zip(s.entries, FLAT, strict=True)
    }

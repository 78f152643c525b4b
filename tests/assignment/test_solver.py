"""Property and example tests for the reviewer assignment solver (no app)."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from judging.assignment.solver import (
    AssignmentInfeasible,
    EntryInput,
    JudgeInput,
    Plan,
    build_plan,
    conflict_reason,
    is_conflict,
    propose_extra_judges,
    verify_plan,
)


def make_entry(entry_id: int, unit_id: int, *keywords: str) -> EntryInput:
    return EntryInput(id=entry_id, unit_id=unit_id, keywords=frozenset(keywords))


def make_judge(
    judge_id: int,
    *,
    unit_id: int | None = None,
    affiliation: int | str | None = None,
    capacity: int | None = None,
    expertise: tuple[str, ...] = (),
) -> JudgeInput:
    return JudgeInput(
        id=judge_id,
        affiliation=affiliation if affiliation is not None else unit_id or "外部",
        unit_id=unit_id,
        capacity=capacity,
        expertise=frozenset(expertise),
    )


def make_instance(
    seed: int, *, n_entries: int = 60, n_judges: int = 14, n_conflicts: int = 10
) -> tuple[list[EntryInput], list[JudgeInput], set[tuple[int, int]]]:
    """Units with 1-5 entries, most judges from a unit, some from bodies."""
    rng = random.Random(seed)
    entries: list[EntryInput] = []
    unit = 0
    while len(entries) < n_entries:
        unit += 1
        for _ in range(min(rng.randint(1, 5), n_entries - len(entries))):
            entries.append(make_entry(len(entries) + 1, unit))
    judges = []
    for judge_id in range(1, n_judges + 1):
        if rng.random() < 0.7:
            judges.append(make_judge(judge_id, unit_id=rng.randint(1, unit)))
        else:
            judges.append(make_judge(judge_id, affiliation=f"学会{rng.randint(1, 3)}"))
    conflicts = {
        (rng.randint(1, n_judges), rng.randint(1, n_entries))
        for _ in range(n_conflicts)
    }
    return entries, judges, conflicts


def judges_by_entry(plan: Plan) -> dict[int, list[int]]:
    panels: dict[int, list[int]] = defaultdict(list)
    for entry_id, judge_id in plan.pairs:
        panels[entry_id].append(judge_id)
    return panels


SEEDS = list(range(8))


@pytest.mark.parametrize("seed", SEEDS)
def test_build_plan_gives_k_distinct_judges_per_entry(seed: int) -> None:
    entries, judges, conflicts = make_instance(seed)

    plan = build_plan(
        entries=entries, judges=judges, k=3, conflicts=conflicts, seed=seed
    )

    panels = judges_by_entry(plan)
    assert sorted(panels) == [entry.id for entry in entries]
    assert {len(set(panel)) for panel in panels.values()} == {3}
    assert {len(panel) for panel in panels.values()} == {3}


@pytest.mark.parametrize("seed", SEEDS)
def test_build_plan_has_no_conflict_pair(seed: int) -> None:
    entries, judges, conflicts = make_instance(seed, n_conflicts=40)
    entry_by_id = {entry.id: entry for entry in entries}
    judge_by_id = {judge.id: judge for judge in judges}

    plan = build_plan(
        entries=entries, judges=judges, k=3, conflicts=conflicts, seed=seed
    )

    clashes = [
        (e, j)
        for e, j in plan.pairs
        if is_conflict(judge=judge_by_id[j], entry=entry_by_id[e], conflicts=conflicts)
    ]
    assert clashes == []
    assert (
        verify_plan(
            pairs=plan.pairs, entries=entries, judges=judges, k=3, conflicts=conflicts
        )
        == []
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_build_plan_loads_differ_by_at_most_one(seed: int) -> None:
    entries, judges, conflicts = make_instance(seed, n_entries=97, n_judges=23)

    plan = build_plan(
        entries=entries, judges=judges, k=3, conflicts=conflicts, seed=seed
    )

    loads = list(plan.loads.values())
    assert max(loads) - min(loads) <= 1
    assert sum(loads) == 97 * 3


@pytest.mark.parametrize("seed", SEEDS)
def test_build_plan_capacities_respected_and_others_balanced(seed: int) -> None:
    entries, judges, conflicts = make_instance(seed, n_entries=80, n_judges=20)
    rng = random.Random(seed)
    judges = [
        make_judge(
            judge.id,
            unit_id=judge.unit_id,
            affiliation=judge.affiliation,
            capacity=rng.choice([None, None, 2, 5, 9]),
        )
        for judge in judges
    ]

    plan = build_plan(
        entries=entries, judges=judges, k=3, conflicts=conflicts, seed=seed
    )

    capacity = {judge.id: judge.capacity for judge in judges}
    over = [
        j
        for j, load in plan.loads.items()
        if capacity[j] is not None and load > capacity[j]
    ]
    assert over == []
    # A judge below the top load band is there only because of its capacity.
    top = max(plan.loads.values())
    held_back = [
        j for j, load in plan.loads.items() if load < top - 1 and load != capacity[j]
    ]
    assert held_back == []


def test_build_plan_same_seed_gives_same_plan() -> None:
    entries, judges, conflicts = make_instance(3, n_entries=200, n_judges=30)

    first = build_plan(entries=entries, judges=judges, conflicts=conflicts, seed=42)
    second = build_plan(
        entries=list(reversed(entries)),
        judges=list(reversed(judges)),
        conflicts=conflicts,
        seed=42,
    )

    assert first == second


def test_build_plan_different_seed_gives_different_plan() -> None:
    entries, judges, conflicts = make_instance(3, n_entries=200, n_judges=30)

    plans = {
        build_plan(entries=entries, judges=judges, conflicts=conflicts, seed=s).pairs
        for s in range(4)
    }

    assert len(plans) == 4


def test_build_plan_avoids_same_affiliation_when_possible() -> None:
    entries = [make_entry(i, unit_id=100 + i) for i in range(1, 41)]
    # Four outside bodies of five judges each: three distinct bodies per entry
    # are always possible.
    judges = [make_judge(j, affiliation=f"学会{j % 4}") for j in range(1, 21)]

    plan = build_plan(entries=entries, judges=judges, k=3, seed=7)

    affiliation = {judge.id: judge.affiliation for judge in judges}
    doubled = [
        entry_id
        for entry_id, panel in judges_by_entry(plan).items()
        if len({affiliation[j] for j in panel}) < len(panel)
    ]
    assert doubled == []
    assert plan.stats.same_affiliation_entries == 0


def test_build_plan_same_affiliation_allowed_when_unavoidable() -> None:
    entries = [make_entry(i, unit_id=100 + i) for i in range(1, 11)]
    judges = [make_judge(j, affiliation="学会") for j in range(1, 7)]

    plan = build_plan(entries=entries, judges=judges, k=3, seed=1)

    assert len(plan.pairs) == 30
    assert plan.stats.same_affiliation_entries == 10


@pytest.mark.parametrize("seed", SEEDS)
def test_build_plan_random_instance_is_one_component(seed: int) -> None:
    entries, judges, conflicts = make_instance(seed, n_entries=150, n_judges=40)

    plan = build_plan(
        entries=entries, judges=judges, k=3, conflicts=conflicts, seed=seed
    )

    assert plan.stats.components == 1
    assert plan.stats.mean_shared_linked >= 1.0


def test_build_plan_sparse_path_is_valid_balanced_and_connected() -> None:
    # 3,000 x 400 pairs exceed the dense limit, so random candidates are used.
    entries, judges, conflicts = make_instance(
        11, n_entries=3000, n_judges=400, n_conflicts=300
    )

    plan = build_plan(entries=entries, judges=judges, k=3, conflicts=conflicts, seed=5)

    problems = verify_plan(
        pairs=plan.pairs, entries=entries, judges=judges, k=3, conflicts=conflicts
    )
    loads = plan.loads.values()
    assert problems == []
    assert (min(loads), max(loads)) == (22, 23)
    assert plan.stats.components == 1
    assert plan.stats.candidate_arcs < 3000 * 400 // 4


def test_build_plan_prefers_matching_expertise() -> None:
    topics = ["史学", "法学", "经济"]
    entries = [make_entry(i, 100 + i, topics[i % 3]) for i in range(1, 61)]
    judges = [
        make_judge(j, affiliation=f"学会{j}", expertise=(topics[j % 3],))
        for j in range(1, 19)
    ]

    plan = build_plan(entries=entries, judges=judges, k=3, seed=2)

    # By chance a third of the 180 pairs would match; the bonus is mild, so
    # random mixing still wins some of the time.
    assert plan.stats.expertise_matches >= 120


def test_build_plan_infeasible_names_entry_with_too_few_judges() -> None:
    entries = [make_entry(17, unit_id=1), make_entry(18, unit_id=2)]
    judges = [make_judge(1, unit_id=1), make_judge(2, unit_id=2)]
    judges += [make_judge(3, affiliation="甲"), make_judge(4, affiliation="乙")]

    with pytest.raises(AssignmentInfeasible) as caught:
        build_plan(
            entries=entries, judges=judges, k=3, conflicts={(4, 17), (4, 18)}, seed=0
        )

    assert caught.value.reasons == [
        "作品 17 只有 2 位无回避关系的评审专家，少于每篇所需的 3 位",
        "作品 18 只有 2 位无回避关系的评审专家，少于每篇所需的 3 位",
    ]


def test_build_plan_infeasible_when_total_capacity_too_small() -> None:
    entries = [make_entry(i, unit_id=100 + i) for i in range(1, 6)]
    judges = [make_judge(j, affiliation=f"学会{j}", capacity=4) for j in range(1, 4)]

    with pytest.raises(AssignmentInfeasible) as caught:
        build_plan(entries=entries, judges=judges, k=3, seed=0)

    assert caught.value.reasons == [
        "评审专家剩余总容量 12 篇次，少于所需的评审任务 15 篇次"
    ]


def test_build_plan_infeasible_when_capacity_sits_with_conflicted_judges() -> None:
    # Unit 1's entries can only use unit 2's judges, who can take one each.
    entries = [make_entry(i, unit_id=1) for i in range(1, 5)]
    entries += [make_entry(i, unit_id=2) for i in range(5, 9)]
    judges = [make_judge(j, unit_id=1) for j in range(1, 4)]
    judges += [make_judge(j, unit_id=2, capacity=1) for j in range(4, 7)]

    with pytest.raises(AssignmentInfeasible) as caught:
        build_plan(entries=entries, judges=judges, k=3, seed=0)

    named = {int(reason.split()[1]) for reason in caught.value.reasons}
    assert named == {1, 2, 3, 4}


def test_build_plan_keeps_existing_pairs() -> None:
    entries, judges, conflicts = make_instance(4)
    first = build_plan(entries=entries, judges=judges, k=3, conflicts=conflicts, seed=1)
    keep = set(first.pairs[:30])

    plan = build_plan(
        entries=entries, judges=judges, k=3, conflicts=conflicts, seed=9, keep=keep
    )

    assert keep <= set(plan.pairs)
    assert (
        verify_plan(
            pairs=plan.pairs,
            entries=entries,
            judges=judges,
            k=3,
            conflicts=conflicts,
            keep=keep,
        )
        == []
    )


def test_propose_extra_judges_respects_conflicts_and_existing() -> None:
    entries, judges, conflicts = make_instance(5, n_entries=40, n_judges=12)
    plan = build_plan(entries=entries, judges=judges, k=3, conflicts=conflicts, seed=3)
    targets = [2, 9, 31]
    entry_by_id = {entry.id: entry for entry in entries}
    judge_by_id = {judge.id: judge for judge in judges}
    # Declare a conflict for each target with a judge it does not have yet.
    panels = judges_by_entry(plan)
    free = {e: sorted(set(judge_by_id) - set(panels[e])) for e in targets}
    conflicts |= {(free[e][0], e) for e in targets}

    extra = propose_extra_judges(
        entry_ids=targets,
        existing_pairs=set(plan.pairs),
        judges=judges,
        entries=entries,
        conflicts=conflicts,
        count=1,
        seed=3,
    )

    assert sorted(e for e, _ in extra) == targets
    assert [(e, j) for e, j in extra if j in panels[e]] == []
    assert [
        (e, j)
        for e, j in extra
        if is_conflict(judge=judge_by_id[j], entry=entry_by_id[e], conflicts=conflicts)
    ] == []


def test_propose_extra_judges_prefers_least_loaded() -> None:
    entries = [make_entry(i, unit_id=100 + i) for i in range(1, 7)]
    judges = [make_judge(j, affiliation=f"学会{j}") for j in range(1, 6)]
    existing = {(e, j) for e in range(1, 7) for j in (1, 2, 3)}
    existing |= {(5, 4), (6, 4)}

    extra = propose_extra_judges(
        entry_ids=[1, 2],
        existing_pairs=existing,
        judges=judges,
        entries=entries,
        count=1,
        seed=0,
    )

    assert extra == ((1, 5), (2, 5))


def test_propose_extra_judges_infeasible_names_entry() -> None:
    entries = [make_entry(3, unit_id=1)]
    judges = [make_judge(1, affiliation="甲"), make_judge(2, unit_id=1)]

    with pytest.raises(AssignmentInfeasible) as caught:
        propose_extra_judges(
            entry_ids=[3],
            existing_pairs={(3, 1)},
            judges=judges,
            entries=entries,
            seed=0,
        )

    assert caught.value.reasons == [
        "作品 3 还需 1 位评审专家，但只有 0 位无回避关系且尚未分配的评审专家"
    ]


def test_verify_plan_reports_conflicts_and_counts() -> None:
    entries = [make_entry(1, unit_id=1), make_entry(2, unit_id=2)]
    judges = [make_judge(1, unit_id=1), make_judge(2, affiliation="甲", capacity=1)]

    problems = verify_plan(
        pairs=[(1, 1), (1, 2), (2, 2)], entries=entries, judges=judges, k=2
    )

    assert problems == [
        "作品 1 与评审专家 1 存在回避关系：评审专家与作品来自同一单位",
        "作品 2 分配了 1 位评审专家，应为 2 位",
        "评审专家 2 分配了 2 篇作品，超过其容量 1 篇",
    ]


@pytest.mark.parametrize(
    ("judge", "conflicts", "expected"),
    [
        (make_judge(1, unit_id=5), set(), "评审专家与作品来自同一单位"),
        (make_judge(1, unit_id=6), {(1, 9)}, "已登记的回避关系"),
        (make_judge(1, unit_id=6), {(1, 8)}, None),
        (make_judge(1, affiliation="学会"), set(), None),
    ],
)
def test_conflict_reason_rules(
    judge: JudgeInput, conflicts: set[tuple[int, int]], expected: str | None
) -> None:
    entry = make_entry(9, unit_id=5)

    assert conflict_reason(judge=judge, entry=entry, conflicts=conflicts) == expected


def test_build_plan_sparse_entry_with_three_free_judges_gets_them() -> None:
    entries, judges, conflicts = make_instance(
        12, n_entries=3000, n_judges=400, n_conflicts=0
    )
    conflicts = {(judge.id, 1) for judge in judges if judge.id not in (7, 70, 300)}

    plan = build_plan(entries=entries, judges=judges, k=3, conflicts=conflicts, seed=1)

    assert judges_by_entry(plan)[1] == [7, 70, 300]
    assert (
        verify_plan(
            pairs=plan.pairs, entries=entries, judges=judges, k=3, conflicts=conflicts
        )
        == []
    )


def test_build_plan_kept_conflicting_pair_is_infeasible() -> None:
    entries = [make_entry(i, unit_id=100 + i) for i in range(1, 4)]
    judges = [make_judge(j, affiliation=f"学会{j}") for j in range(1, 6)]

    with pytest.raises(AssignmentInfeasible) as caught:
        build_plan(
            entries=entries, judges=judges, k=3, conflicts={(2, 3)}, keep={(3, 2)}
        )

    assert caught.value.reasons == [
        "作品 3 已分配的评审专家 2 与该作品存在回避关系：已登记的回避关系"
    ]


def test_build_plan_entry_keeping_more_than_k_is_left_alone() -> None:
    entries = [make_entry(i, unit_id=100 + i) for i in range(1, 5)]
    judges = [make_judge(j, affiliation=f"学会{j}") for j in range(1, 7)]
    keep = {(1, 1), (1, 2), (1, 3), (1, 4)}

    plan = build_plan(entries=entries, judges=judges, k=3, keep=keep, seed=0)

    assert judges_by_entry(plan)[1] == [1, 2, 3, 4]
    assert len(plan.pairs) == 13
    assert max(plan.loads.values()) - min(plan.loads.values()) == 1

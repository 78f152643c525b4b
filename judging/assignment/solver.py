"""Propose which judge reviews which entry: a balanced, conflict-free, mixed plan.

Pure: no Flask, no database. Inputs are frozen dataclasses of ids, numbers and
strings; the output is a frozen :class:`Plan` that nothing has written anywhere.
The service validates it (:func:`verify_plan`) and applies it.

Method (see also the README): a min-cost flow (OR-Tools ``SimpleMinCostFlow``)
from entries to judges over a sparse random set of conflict-free candidate
pairs.

* entry ``e`` supplies ``k`` units (minus judges it already keeps); every unit
  reaching the sink through judge ``j`` is one (entry, judge) pair;
* judge -> sink arcs form a convex staircase around the "water level" of the
  loads, so the optimum spreads loads as evenly as conflicts and individual
  capacities allow (a minimum sum of squares, which on these bipartite degree
  vectors also minimises the maximum and maximises the minimum load);
* where an entry has several candidates of one affiliation, they are reached
  through an (entry, affiliation) node whose first unit is free and whose
  further units cost ``_AFFILIATION_COST``, so two judges of one affiliation
  share an entry only when nothing else is possible;
* every candidate arc gets a random cost drawn from ``seed`` (and a small bonus
  when the judge's expertise matches the entry's keywords), so panels are mixed
  rather than fixed and the judge-entry graph is connected, which calibration
  of judge severity needs.

If the sparse problem is infeasible or cannot reach the balanced loads, the
candidate set is enlarged (short entries get all their conflict-free judges,
the others twice as many) and solved again; the last resort is every
conflict-free pair. Same seed, same plan: no global RNG, no clock.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from judging.i18n import N_, said

__all__ = [
    "AssignmentInfeasible",
    "EntryInput",
    "JudgeInput",
    "Plan",
    "PlanStats",
    "build_plan",
    "conflict_reason",
    "is_conflict",
    "propose_extra_judges",
    "verify_plan",
]

# Cost hierarchy (int64): balance >> one affiliation per entry >> random mixing
# and expertise.  The largest cost (about 4e12) times the number of nodes stays
# far below 2**63, which OR-Tools' cost scaling needs.
_BALANCE_COST = 1_000_000_000
_AFFILIATION_COST = 1_000_000
_NOISE_RANGE = 1_000
_EXPERTISE_BONUS = 300
_EXPERTISE_MAX_MATCHES = 3
# Individual staircase steps either side of the water level; beyond them the
# remaining units of a judge are bundled into one arc (still convex).
_STAIR_WINDOW = 3
# Below this many entry x judge pairs, every conflict-free pair is a candidate.
_DENSE_PAIRS = 300_000
# Never build more candidate arcs than this (memory bound for huge instances).
_MAX_CANDIDATE_ARCS = 40_000_000
_MAX_ROUNDS = 5
_MAX_REASONS = 50

# numpy and OR-Tools (~0.4 s of imports) load on the first plan: every web
# process and command imports this module for its conflict rule, few solve.
np: Any = None
min_cost_flow: Any = None


def _load_numerics() -> None:
    global np, min_cost_flow  # noqa: PLW0603 (bound once, on first use)
    if np is None:
        import numpy
        from ortools.graph.python import min_cost_flow as flow

        np, min_cost_flow = numpy, flow


class AssignmentInfeasible(Exception):
    """No plan satisfies the rules; ``reasons`` says why, in Chinese, by entry."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons
        # each reason a ``Said``: a page says them one by one (``error_texts``)
        self.errors = reasons


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryInput:
    """One entry as the solver sees it: its id, its unit and its keywords."""

    id: int
    unit_id: int
    keywords: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class JudgeInput:
    """One judge: affiliation key (a unit id or an outside body's name).

    ``unit_id`` is set when the judge belongs to a unit that submits
    entries (automatic conflict with that unit's entries); ``capacity`` is the
    most entries the judge may review in total (``None``: no limit).
    """

    id: int
    affiliation: Hashable
    unit_id: int | None = None
    capacity: int | None = None
    expertise: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanStats:
    """How good the plan is, for the preview page and the bench.

    ``components``: connected components of the judge-entry graph (judges
    without entries are not counted); 1 means every judge's severity can be
    compared with every other's.  ``mean_shared_all``: mean number of entries a
    pair of judges shares, over all pairs of judges; ``mean_shared_linked``: the
    same over the pairs that share at least one entry.  ``conflicts_avoided``:
    (judge, entry) pairs excluded because of a conflict.
    ``same_affiliation_entries``: entries with two judges of one affiliation
    (only when unavoidable).  ``expertise_matches``: pairs whose judge expertise
    meets an entry keyword.
    """

    components: int
    mean_shared_all: float
    mean_shared_linked: float
    conflicts_avoided: int
    same_affiliation_entries: int
    expertise_matches: int
    candidate_arcs: int
    rounds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A proposed assignment. Nothing is written anywhere: it is a plan.

    ``pairs`` are (entry_id, judge_id), sorted, including kept pairs;
    ``loads`` maps every judge id to its number of entries in the plan.
    """

    pairs: tuple[tuple[int, int], ...]
    seed: int
    k: int
    loads: dict[int, int] = field(hash=False)
    stats: PlanStats


# --------------------------------------------------------------------------
# Conflicts: checked in one place.


def conflict_reason(
    *,
    judge: JudgeInput,
    entry: EntryInput,
    conflicts: Collection[tuple[int, int]] = frozenset(),
) -> str | None:
    """Why ``judge`` may not review ``entry``, or ``None`` if it may.

    The competition rule: a judge never reviews an entry from the judge's own
    unit, nor an entry with a declared conflict (``conflicts`` holds
    (judge_id, entry_id) pairs; the service expands judge-unit conflicts to
    such pairs).  Used by the solver, by manual edits and by imports.
    """
    if judge.unit_id is not None and judge.unit_id == entry.unit_id:
        return said(N_("评审专家与作品来自同一单位"))
    if (judge.id, entry.id) in conflicts:
        return said(N_("已登记的回避关系"))
    return None


def is_conflict(
    *,
    judge: JudgeInput,
    entry: EntryInput,
    conflicts: Collection[tuple[int, int]] = frozenset(),
) -> bool:
    """True if ``judge`` must not review ``entry`` (see :func:`conflict_reason`)."""
    return conflict_reason(judge=judge, entry=entry, conflicts=conflicts) is not None


# --------------------------------------------------------------------------
# Public entry points.


def build_plan(
    *,
    entries: Sequence[EntryInput],
    judges: Sequence[JudgeInput],
    k: int = 3,
    conflicts: Collection[tuple[int, int]] = frozenset(),
    seed: int = 0,
    keep: Collection[tuple[int, int]] = frozenset(),
) -> Plan:
    """Propose k distinct conflict-free judges for every entry.

    Rules: each entry gets exactly ``k`` distinct judges (more only if it
    already keeps more); no conflict (same unit, or a (judge_id, entry_id)
    pair in ``conflicts``); judge loads differ by at most one wherever
    conflicts and capacities allow; no entry gets two judges of the same
    affiliation when avoidable; matching expertise is mildly preferred.
    ``keep`` holds (entry_id, judge_id) pairs that stay and count towards
    loads.  Raises :class:`AssignmentInfeasible` with the reasons, by entry.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    _load_numerics()
    inst = _Instance(entries, judges, conflicts, keep)
    kept_per_entry = np.bincount(inst.kept_e, minlength=inst.n_entries)
    need = np.maximum(k - kept_per_entry, 0)
    new_e, new_j, arcs, rounds = _assign(
        inst, need, seed, check_kept=np.ones(inst.n_entries, dtype=bool), k=k
    )
    all_e = np.concatenate([inst.kept_e, new_e])
    all_j = np.concatenate([inst.kept_j, new_j])
    return _make_plan(inst, all_e, all_j, seed=seed, k=k, arcs=arcs, rounds=rounds)


def propose_extra_judges(
    *,
    entry_ids: Iterable[int],
    existing_pairs: Collection[tuple[int, int]],
    judges: Sequence[JudgeInput],
    entries: Sequence[EntryInput],
    conflicts: Collection[tuple[int, int]] = frozenset(),
    count: int = 1,
    seed: int = 0,
) -> tuple[tuple[int, int], ...]:
    """Propose ``count`` more judges for each listed entry (arbitration).

    Each proposed judge is conflict-free, not already on the entry, preferably
    of an affiliation the entry has not got yet, and among the least loaded
    (``existing_pairs`` (entry_id, judge_id) give the current loads).  Returns
    only the new (entry_id, judge_id) pairs, sorted.  Raises
    :class:`AssignmentInfeasible` with the reasons, by entry.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    _load_numerics()
    inst = _Instance(entries, judges, conflicts, existing_pairs)
    need = np.zeros(inst.n_entries, dtype=np.int64)
    for entry_id in entry_ids:
        if entry_id not in inst.entry_index:
            raise ValueError(f"unknown entry id {entry_id}")
        need[inst.entry_index[entry_id]] = count
    new_e, new_j, _, _ = _assign(inst, need, seed, check_kept=need > 0, k=None)
    pairs = zip(
        inst.entry_ids[new_e].tolist(), inst.judge_ids[new_j].tolist(), strict=True
    )
    return tuple(sorted(pairs))


def verify_plan(
    *,
    pairs: Iterable[tuple[int, int]],
    entries: Sequence[EntryInput],
    judges: Sequence[JudgeInput],
    k: int = 3,
    conflicts: Collection[tuple[int, int]] = frozenset(),
    keep: Collection[tuple[int, int]] = frozenset(),
) -> list[str]:
    """Check a plan's hard rules independently of the solver; [] if it is valid.

    Checked before a plan is applied (and by the bench): known ids, no
    duplicate pair, each entry has exactly k distinct judges (or as many as it
    keeps, if more), every kept pair is present, no conflict, no judge over
    capacity.  Written with plain loops on purpose, sharing no code with the
    solver besides :func:`conflict_reason`.
    """
    problems: list[str] = []
    entry_by_id = {entry.id: entry for entry in entries}
    judge_by_id = {judge.id: judge for judge in judges}
    judges_of: dict[int, set[int]] = {entry.id: set() for entry in entries}
    load: dict[int, int] = {judge.id: 0 for judge in judges}
    for entry_id, judge_id in pairs:
        if entry_id not in entry_by_id:
            problems.append(said(N_("未知的作品 %(entry)s"), entry=entry_id))
            continue
        if judge_id not in judge_by_id:
            problems.append(said(N_("未知的评审专家 %(judge)s"), judge=judge_id))
            continue
        if judge_id in judges_of[entry_id]:
            problems.append(said(
                N_("作品 %(entry)s 重复分配给评审专家 %(judge)s"),
                entry=entry_id,
                judge=judge_id,
            ))
            continue
        judges_of[entry_id].add(judge_id)
        load[judge_id] += 1
        reason = conflict_reason(
            judge=judge_by_id[judge_id],
            entry=entry_by_id[entry_id],
            conflicts=conflicts,
        )
        if reason is not None:
            problems.append(said(
                N_("作品 %(entry)s 与评审专家 %(judge)s 存在回避关系：%(reason)s"),
                entry=entry_id,
                judge=judge_id,
                reason=reason,
            ))
    kept_count: dict[int, int] = {}
    for entry_id, judge_id in keep:
        kept_count[entry_id] = kept_count.get(entry_id, 0) + 1
        if judge_id not in judges_of.get(entry_id, set()):
            problems.append(said(
                N_("作品 %(entry)s 缺少应保留的评审专家 %(judge)s"),
                entry=entry_id,
                judge=judge_id,
            ))
    for entry_id, assigned in judges_of.items():
        wanted = max(k, kept_count.get(entry_id, 0))
        if len(assigned) != wanted:
            problems.append(said(
                N_("作品 %(entry)s 分配了 %(got)s 位评审专家，应为 %(wanted)s 位"),
                entry=entry_id,
                got=len(assigned),
                wanted=wanted,
            ))
    for judge in judges:
        if judge.capacity is not None and load[judge.id] > judge.capacity:
            problems.append(said(
                N_("评审专家 %(judge)s 分配了 %(load)s 篇作品，"
                   "超过其容量 %(capacity)s 篇"),
                judge=judge.id,
                load=load[judge.id],
                capacity=judge.capacity,
            ))
    return problems


# --------------------------------------------------------------------------
# Internals: dense integer indices and numpy arrays.


class _Instance:
    """Entries and judges as sorted index arrays; conflicts as pair codes."""

    def __init__(
        self,
        entries: Sequence[EntryInput],
        judges: Sequence[JudgeInput],
        conflicts: Collection[tuple[int, int]],
        keep: Collection[tuple[int, int]],
    ) -> None:
        # Sorting by id makes the plan independent of the input order.
        self.entries = sorted(entries, key=lambda entry: entry.id)
        self.judges = sorted(judges, key=lambda judge: judge.id)
        self.n_entries = len(self.entries)
        self.n_judges = len(self.judges)
        self.entry_ids = np.array([e.id for e in self.entries], dtype=np.int64)
        self.judge_ids = np.array([j.id for j in self.judges], dtype=np.int64)
        self.entry_index = {e.id: i for i, e in enumerate(self.entries)}
        self.judge_index = {j.id: i for i, j in enumerate(self.judges)}
        if len(self.entry_index) != self.n_entries:
            raise ValueError("duplicate entry ids")
        if len(self.judge_index) != self.n_judges:
            raise ValueError("duplicate judge ids")

        unit_code: dict[int, int] = {}
        self.entry_unit = np.array(
            [unit_code.setdefault(e.unit_id, len(unit_code)) for e in self.entries],
            dtype=np.int64,
        )
        # A judge from a unit without entries conflicts with nothing: -1.
        self.judge_unit = np.array(
            [
                unit_code.get(j.unit_id, -1) if j.unit_id is not None else -1
                for j in self.judges
            ],
            dtype=np.int64,
        )
        self.n_units = len(unit_code)
        affiliation_code: dict[Hashable, int] = {}
        self.judge_affiliation = np.array(
            [
                affiliation_code.setdefault(j.affiliation, len(affiliation_code))
                for j in self.judges
            ],
            dtype=np.int64,
        )
        self.n_affiliations = max(len(affiliation_code), 1)
        self.judge_capacity = np.array(
            [-1 if j.capacity is None else max(j.capacity, 0) for j in self.judges],
            dtype=np.int64,
        )

        explicit = [
            self.entry_index[entry_id] * self.n_judges + self.judge_index[judge_id]
            for judge_id, entry_id in conflicts
            if judge_id in self.judge_index and entry_id in self.entry_index
        ]
        self.explicit_codes = np.unique(np.array(explicit, dtype=np.int64))
        self.conflicts = frozenset(conflicts)

        kept_e: list[int] = []
        kept_j: list[int] = []
        for entry_id, judge_id in sorted(set(keep)):
            if entry_id not in self.entry_index:
                raise ValueError(f"kept pair names unknown entry {entry_id}")
            if judge_id not in self.judge_index:
                raise ValueError(f"kept pair names unknown judge {judge_id}")
            kept_e.append(self.entry_index[entry_id])
            kept_j.append(self.judge_index[judge_id])
        self.kept_e = np.array(kept_e, dtype=np.int64)
        self.kept_j = np.array(kept_j, dtype=np.int64)
        self.kept_codes = np.unique(self.kept_e * self.n_judges + self.kept_j)

        self.keyword_masks: tuple[np.ndarray, np.ndarray] | None = None
        vocabulary: dict[str, int] = {}
        for judge in self.judges:
            for word in judge.expertise:
                vocabulary.setdefault(word, len(vocabulary))
        if vocabulary and any(e.keywords & vocabulary.keys() for e in self.entries):
            words = (len(vocabulary) + 63) // 64
            entry_mask = np.zeros((self.n_entries, words), dtype=np.uint64)
            judge_mask = np.zeros((self.n_judges, words), dtype=np.uint64)
            for masks, items in (
                (entry_mask, [e.keywords for e in self.entries]),
                (judge_mask, [j.expertise for j in self.judges]),
            ):
                for row, keywords in enumerate(items):
                    for word in keywords:
                        bit = vocabulary.get(word)
                        if bit is not None:
                            masks[row, bit // 64] |= np.uint64(1 << (bit % 64))
            self.keyword_masks = (entry_mask, judge_mask)

    def is_blocked(self, codes: np.ndarray) -> np.ndarray:
        """Which pair codes (entry * J + judge) conflict or are already kept."""
        e = codes // self.n_judges
        j = codes % self.n_judges
        blocked = self.entry_unit[e] == self.judge_unit[j]
        for table in (self.explicit_codes, self.kept_codes):
            if len(table):
                pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
                blocked |= table[pos] == codes
        return blocked

    def expertise_matches(self, e: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Number of entry keywords each judge's expertise covers, per pair."""
        if self.keyword_masks is None:
            return np.zeros(len(e), dtype=np.int64)
        entry_mask, judge_mask = self.keyword_masks
        both = entry_mask[e] & judge_mask[j]
        return np.bitwise_count(both).sum(axis=1).astype(np.int64)

    def conflict_free_counts(self, usable: np.ndarray) -> np.ndarray:
        """Per entry: usable judges neither in conflict nor already kept."""
        usable_per_unit = np.bincount(
            self.judge_unit[usable & (self.judge_unit >= 0)],
            minlength=self.n_units,
        )
        counts = int(usable.sum()) - usable_per_unit[self.entry_unit]
        codes = np.union1d(self.explicit_codes, self.kept_codes)
        if len(codes):
            e = codes // self.n_judges
            j = codes % self.n_judges
            extra = usable[j] & (self.entry_unit[e] != self.judge_unit[j])
            counts = counts - np.bincount(e[extra], minlength=self.n_entries)
        return counts


def _limit(reasons: list[str]) -> list[str]:
    """Keep the reasons readable when thousands of entries fail alike."""
    if len(reasons) <= _MAX_REASONS:
        return reasons
    rest = len(reasons) - _MAX_REASONS
    return [*reasons[:_MAX_REASONS], said(N_("……另有 %(n)s 条同类问题"), n=rest)]


def _precheck(
    inst: _Instance,
    need: np.ndarray,
    remaining: np.ndarray,
    check_kept: np.ndarray,
    k: int | None,
) -> list[str]:
    """Infeasibilities that can be named without solving, by entry."""
    reasons: list[str] = []
    for e, j in zip(inst.kept_e.tolist(), inst.kept_j.tolist(), strict=True):
        if not check_kept[e]:
            continue
        entry, judge = inst.entries[e], inst.judges[j]
        reason = conflict_reason(judge=judge, entry=entry, conflicts=inst.conflicts)
        if reason is not None:
            reasons.append(said(
                N_("作品 %(entry)s 已分配的评审专家 %(judge)s 与该作品存在回避关系："
                   "%(reason)s"),
                entry=entry.id,
                judge=judge.id,
                reason=reason,
            ))
    free = inst.conflict_free_counts(np.ones(inst.n_judges, dtype=bool))
    free_with_room = inst.conflict_free_counts(remaining > 0)
    for e in np.flatnonzero(need > 0).tolist():
        entry_id, wanted = int(inst.entry_ids[e]), int(need[e])
        if free[e] < wanted:
            if k is not None and wanted == k:
                reasons.append(said(
                    N_("作品 %(entry)s 只有 %(free)s 位无回避关系的评审专家，"
                       "少于每篇所需的 %(k)s 位"),
                    entry=entry_id,
                    free=int(free[e]),
                    k=k,
                ))
            else:
                reasons.append(said(
                    N_("作品 %(entry)s 还需 %(wanted)s 位评审专家，但只有 %(free)s 位"
                       "无回避关系且尚未分配的评审专家"),
                    entry=entry_id,
                    wanted=wanted,
                    free=int(free[e]),
                ))
        elif free_with_room[e] < wanted:
            reasons.append(said(
                N_("作品 %(entry)s 的 %(free)s 位无回避关系的评审专家中只有 "
                   "%(room)s 位尚有评审容量，少于所需的 %(wanted)s 位"),
                entry=entry_id,
                free=int(free[e]),
                room=int(free_with_room[e]),
                wanted=wanted,
            ))
    total_need = int(need.sum())
    total_room = int(remaining.sum())
    if total_room < total_need:
        reasons.append(said(
            N_("评审专家剩余总容量 %(room)s 篇次，少于所需的评审任务 %(need)s 篇次"),
            room=total_room,
            need=total_need,
        ))
    return _limit(reasons)


def _water_level(kept: np.ndarray, cap: np.ndarray, total: int) -> int:
    """Smallest level m with sum(clip(m, kept, cap)) >= total final load."""
    low, high = 0, int(cap.max(initial=0))
    while low < high:
        mid = (low + high) // 2
        if int(np.clip(mid, kept, cap).sum()) >= total:
            high = mid
        else:
            low = mid + 1
    return low


def _candidates(
    inst: _Instance,
    rng: np.random.Generator,
    need: np.ndarray,
    usable: np.ndarray,
    per_entry: int,
    full: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Candidate pairs (entry idx, judge idx) sorted by entry; True if dense.

    Sparse: ``per_entry`` random judges per entry (drawn with replacement,
    duplicates dropped), all conflict-free judges for entries marked ``full``
    or left with too few candidates.
    """
    n_judges = inst.n_judges
    active = np.flatnonzero(need > 0)
    dense = (
        len(active) * n_judges <= max(_DENSE_PAIRS, 2 * len(active) * per_entry)
        or per_entry >= n_judges
    )
    if dense:
        codes = (active[:, None] * n_judges + np.arange(n_judges)[None, :]).ravel()
    else:
        sparse = active[~full[active]]
        drawn = rng.integers(0, n_judges, size=(len(sparse), per_entry))
        codes = np.concatenate(
            [
                (sparse[:, None] * n_judges + drawn).ravel(),
                _all_codes(full[active], active, n_judges),
            ]
        )
        codes = np.unique(codes)
    codes = codes[~inst.is_blocked(codes) & usable[codes % n_judges]]
    if not dense:
        have = np.bincount(codes // n_judges, minlength=inst.n_entries)
        short = active[(have[active] < need[active] + 1) & ~full[active]]
        if len(short):
            full[short] = True
            extra = _all_codes(np.ones(len(short), dtype=bool), short, n_judges)
            extra = extra[~inst.is_blocked(extra) & usable[extra % n_judges]]
            codes = np.unique(np.concatenate([codes, extra]))
    return codes // n_judges, codes % n_judges, dense


def _all_codes(mask: np.ndarray, entries: np.ndarray, n_judges: int) -> np.ndarray:
    """Every pair code for the entries selected by ``mask``."""
    chosen = entries[mask]
    return (chosen[:, None] * n_judges + np.arange(n_judges)[None, :]).ravel()


class _Network:
    """The min-cost-flow network for one candidate set."""

    def __init__(
        self,
        inst: _Instance,
        rng: np.random.Generator,
        need: np.ndarray,
        kept_load: np.ndarray,
        cap: np.ndarray,
        level: int,
        cand_e: np.ndarray,
        cand_j: np.ndarray,
    ) -> None:
        n_e, n_j = inst.n_entries, inst.n_judges
        sink = n_e + n_j
        n_arcs = len(cand_e)
        costs = rng.integers(0, _NOISE_RANGE, size=n_arcs, dtype=np.int64)
        matches = inst.expertise_matches(cand_e, cand_j)
        costs -= _EXPERTISE_BONUS * np.minimum(matches, _EXPERTISE_MAX_MATCHES)

        # (entry, affiliation) groups: route through a group node when the
        # entry could otherwise get two judges of one affiliation.
        n_aff = inst.n_affiliations
        cand_aff = inst.judge_affiliation[cand_j]
        group_key = cand_e * n_aff + cand_aff
        keys, inverse, sizes = np.unique(
            group_key, return_inverse=True, return_counts=True
        )
        kept_keys, kept_sizes = np.unique(
            inst.kept_e * n_aff + inst.judge_affiliation[inst.kept_j],
            return_counts=True,
        )
        already = np.zeros(len(keys), dtype=np.int64)
        if len(kept_keys):
            pos = np.minimum(np.searchsorted(kept_keys, keys), len(kept_keys) - 1)
            hit = kept_keys[pos] == keys
            already[hit] = kept_sizes[pos[hit]]
        grouped = (sizes + already) >= 2
        group_node = np.full(len(keys), -1, dtype=np.int64)
        group_node[grouped] = sink + 1 + np.arange(int(grouped.sum()))
        arc_group = group_node[inverse]
        tails = np.where(arc_group >= 0, arc_group, cand_e)
        heads = n_e + cand_j

        g_entry = keys[grouped] // n_aff
        g_free = np.maximum(1 - already[grouped], 0)
        g_sizes = sizes[grouped]

        stair_t, stair_c, stair_w = _staircase(kept_load, cap, level)
        self.solver = min_cost_flow.SimpleMinCostFlow()
        self.cand_arcs = self.solver.add_arcs_with_capacity_and_unit_cost(
            tails, heads, np.ones(n_arcs, dtype=np.int64), costs
        )
        self.solver.add_arcs_with_capacity_and_unit_cost(
            np.concatenate([g_entry, g_entry]),
            np.concatenate([group_node[grouped], group_node[grouped]]),
            np.concatenate([g_free, g_sizes]),
            np.concatenate(
                [
                    np.zeros(len(g_entry), np.int64),
                    np.full(len(g_entry), _AFFILIATION_COST),
                ]
            ),
        )
        self.solver.add_arcs_with_capacity_and_unit_cost(
            n_e + stair_t, np.full(len(stair_t), sink), stair_c, stair_w
        )
        active = np.flatnonzero(need > 0)
        self.solver.set_nodes_supplies(
            np.append(active, sink), np.append(need[active], -int(need.sum()))
        )
        self.cand_e, self.cand_j = cand_e, cand_j

    def chosen(self) -> np.ndarray:
        """Mask of candidate arcs carrying flow, after a solve."""
        return self.solver.flows(self.cand_arcs) > 0


def _staircase(
    kept_load: np.ndarray, cap: np.ndarray, level: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Judge -> sink arcs (judge idx, capacity, unit cost): a convex staircase.

    The unit taking a judge's load from t to t+1 costs (t - (level - 1)) * B
    inside the window, and a flat +/-(W + 1) * B beyond it.
    """
    centre = level - 1
    window = _STAIR_WINDOW
    judge_idx = np.arange(len(cap))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    low_end = np.clip(centre - window, kept_load, cap)
    parts.append((judge_idx, low_end - kept_load, np.full(len(cap), -(window + 1))))
    for offset in range(-window, window + 1):
        t = centre + offset
        ok = (kept_load <= t) & (t < cap)
        count = int(ok.sum())
        parts.append((judge_idx[ok], np.ones(count, np.int64), np.full(count, offset)))
    high_start = np.maximum(kept_load, centre + window + 1)
    high_caps = np.maximum(cap - high_start, 0)
    parts.append((judge_idx, high_caps, np.full(len(cap), window + 1)))
    judges = np.concatenate([p[0] for p in parts])
    caps = np.concatenate([p[1] for p in parts]).astype(np.int64)
    steps = np.concatenate([p[2] for p in parts]).astype(np.int64)
    keep = caps > 0
    return judges[keep], caps[keep], steps[keep] * _BALANCE_COST


def _assign(
    inst: _Instance,
    need: np.ndarray,
    seed: int,
    *,
    check_kept: np.ndarray,
    k: int | None,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """New pairs (entry idx, judge idx) meeting ``need``; candidate arcs; rounds."""
    need = need.astype(np.int64)
    empty = np.zeros(0, dtype=np.int64)
    total_need = int(need.sum())
    kept_load = np.bincount(inst.kept_j, minlength=inst.n_judges).astype(np.int64)
    unlimited = kept_load + total_need
    cap = np.where(inst.judge_capacity < 0, unlimited, inst.judge_capacity)
    cap = np.clip(cap, kept_load, unlimited)
    remaining = cap - kept_load
    reasons = _precheck(inst, need, remaining, check_kept, k)
    if reasons:
        raise AssignmentInfeasible(reasons)
    if total_need == 0:
        return empty, empty, 0, 0

    rng = np.random.default_rng(seed)
    usable = remaining > 0
    level = _water_level(kept_load, cap, int(kept_load.sum()) + total_need)
    lowest = np.clip(level - 1, kept_load, cap)
    highest = np.clip(level, kept_load, cap)
    k_max = int(need.max())
    per_entry = min(inst.n_judges, max(4 * k_max, 12))
    full = np.zeros(inst.n_entries, dtype=bool)
    best: tuple[np.ndarray, np.ndarray, int, int] | None = None
    for round_no in range(1, _MAX_ROUNDS + 1):
        cand_e, cand_j, dense = _candidates(inst, rng, need, usable, per_entry, full)
        net = _Network(inst, rng, need, kept_load, cap, level, cand_e, cand_j)
        status = net.solver.solve()
        last = dense or round_no == _MAX_ROUNDS
        if status == net.solver.OPTIMAL:
            chosen = net.chosen()
            new_e, new_j = cand_e[chosen], cand_j[chosen]
            best = (new_e, new_j, len(cand_e), round_no)
            load = kept_load + np.bincount(new_j, minlength=inst.n_judges)
            balanced = bool(np.all((load >= lowest) & (load <= highest)))
            mixed_up = _duplicate_affiliation_entries(inst, new_e, new_j)
            # Entries that already had every candidate cannot do better.
            mixed_up = mixed_up[~full[mixed_up]]
            grow = not balanced and 2 * len(cand_e) <= _MAX_CANDIDATE_ARCS
            if last or not (grow or len(mixed_up)):
                return best
            full[mixed_up] = True
            if grow:
                per_entry *= 2
            continue
        if status != net.solver.INFEASIBLE:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        short = _short_entries(net, need)
        if last:
            raise AssignmentInfeasible(_explain_short(inst, need, short))
        full[short[0]] = True
        if 2 * len(cand_e) <= _MAX_CANDIDATE_ARCS:
            per_entry *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def _short_entries(net: _Network, need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entries left short by a maximum flow: (entry idx, judges found)."""
    net.solver.solve_max_flow_with_min_cost()
    got = np.bincount(net.cand_e[net.chosen()], minlength=len(need))
    short = np.flatnonzero(got < need)
    return short, got[short]


def _explain_short(
    inst: _Instance, need: np.ndarray, short: tuple[np.ndarray, np.ndarray]
) -> list[str]:
    """Chinese reasons for entries a maximum flow could not serve."""
    reasons = [
        said(
            N_("作品 %(entry)s 只能分配到 %(got)s 位评审专家，少于所需的 %(wanted)s "
               "位：与其无回避关系的评审专家容量已被其他作品占满"),
            entry=int(inst.entry_ids[e]),
            got=got,
            wanted=int(need[e]),
        )
        for e, got in zip(short[0].tolist(), short[1].tolist(), strict=True)
    ]
    return _limit(reasons or [said(N_("评审专家容量不足，无法完成分配"))])


def _duplicate_affiliation_entries(
    inst: _Instance, new_e: np.ndarray, new_j: np.ndarray
) -> np.ndarray:
    """Entries that got two judges of one affiliation (kept pairs included)."""
    all_e = np.concatenate([inst.kept_e, new_e])
    all_j = np.concatenate([inst.kept_j, new_j])
    keys = all_e * inst.n_affiliations + inst.judge_affiliation[all_j]
    uniq, counts = np.unique(keys, return_counts=True)
    dup = np.unique(uniq[counts > 1] // inst.n_affiliations)
    # Only entries that got new judges can be improved.
    return dup[np.isin(dup, new_e)]


# --------------------------------------------------------------------------
# Plan statistics.


def _make_plan(
    inst: _Instance,
    all_e: np.ndarray,
    all_j: np.ndarray,
    *,
    seed: int,
    k: int,
    arcs: int,
    rounds: int,
) -> Plan:
    """Wrap index pairs into a sorted Plan with its statistics."""
    order = np.lexsort((all_j, all_e))
    all_e, all_j = all_e[order], all_j[order]
    pairs = tuple(
        zip(inst.entry_ids[all_e].tolist(), inst.judge_ids[all_j].tolist(), strict=True)
    )
    load = np.bincount(all_j, minlength=inst.n_judges)
    loads = dict(zip(inst.judge_ids.tolist(), load.tolist(), strict=True))
    shared_total, linked_pairs = _shared_pairs(all_e, all_j, inst.n_judges)
    judge_pairs = inst.n_judges * (inst.n_judges - 1) // 2
    free = inst.conflict_free_counts(np.ones(inst.n_judges, dtype=bool))
    kept_per_entry = np.bincount(inst.kept_e, minlength=inst.n_entries)
    conflicts_avoided = int((inst.n_judges - kept_per_entry - free).sum())
    stats = PlanStats(
        components=_components(all_e, all_j, inst.n_entries),
        mean_shared_all=shared_total / judge_pairs if judge_pairs else 0.0,
        mean_shared_linked=shared_total / linked_pairs if linked_pairs else 0.0,
        conflicts_avoided=conflicts_avoided,
        same_affiliation_entries=_count_same_affiliation(inst, all_e, all_j),
        expertise_matches=int((inst.expertise_matches(all_e, all_j) > 0).sum()),
        candidate_arcs=arcs,
        rounds=rounds,
    )
    return Plan(pairs=pairs, seed=seed, k=k, loads=loads, stats=stats)


def _count_same_affiliation(
    inst: _Instance, all_e: np.ndarray, all_j: np.ndarray
) -> int:
    """Entries with two or more judges of one affiliation."""
    keys = all_e * inst.n_affiliations + inst.judge_affiliation[all_j]
    uniq, counts = np.unique(keys, return_counts=True)
    return len(np.unique(uniq[counts > 1] // inst.n_affiliations))


def _shared_pairs(
    all_e: np.ndarray, all_j: np.ndarray, n_judges: int
) -> tuple[int, int]:
    """(sum over judge pairs of shared entries, number of pairs sharing any).

    ``all_e`` must be sorted.  Entries are grouped by panel size so the pairs
    inside each panel are built with array operations.
    """
    if len(all_e) == 0:
        return 0, 0
    starts = np.flatnonzero(np.r_[True, all_e[1:] != all_e[:-1]])
    sizes = np.diff(np.r_[starts, len(all_e)])
    codes: list[np.ndarray] = []
    for size in np.unique(sizes).tolist():
        if size < 2:
            continue
        rows = starts[sizes == size][:, None] + np.arange(size)[None, :]
        panel = all_j[rows]
        for a in range(size):
            for b in range(a + 1, size):
                low = np.minimum(panel[:, a], panel[:, b])
                high = np.maximum(panel[:, a], panel[:, b])
                codes.append(low * n_judges + high)
    if not codes:
        return 0, 0
    every = np.concatenate(codes)
    return len(every), len(np.unique(every))


def _components(all_e: np.ndarray, all_j: np.ndarray, n_entries: int) -> int:
    """Connected components of the judge-entry graph (its non-isolated nodes)."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = parent.setdefault(node, node)
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        return root

    for e, j in zip(all_e.tolist(), (all_j + n_entries).tolist(), strict=True):
        root_e, root_j = find(e), find(j)
        if root_e != root_j:
            parent[root_e] = root_j
    return sum(1 for node in parent if find(node) == node)

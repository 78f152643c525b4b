"""Shortlists between rounds (初评 → 复评 → 终评) and how round scores combine.

Pure: no Flask, no database.

SHORTLIST rule (``shortlist``): the entries of one round are ranked by their
score rounded to ``tie_decimals`` decimals (2, what people see), as in
``judging.results.awards``. Withdrawn entries take no place: they are dropped
before anything is counted. The cut is either a count (``top_n``: that many
places) or a share (``top_share`` percent: round_half_up(share × N) places, N =
the entries ranked, at least 1 when the share is above 0 and N > 0). With
``per_category`` the cut is made within each category separately (a count per
category, or the share of each category's own N); a category without entries
gets nothing and a note says so. TIE rule at the cut, the written tie rule of
the award tiers applied here: when equal rounded scores straddle the last
place, all of them go in, so the shortlist grows and a note says by how many (a
tie can only move entries up, never split equal scores).

COMBINATION rule (``combine``): each round is aggregated on its own (judge
calibration applies within a round, whose judges are different people) and
gives each entry of that round a score in points of the rubric's total. Then

* ``last`` (the last round decides): an entry's score is its score in the last
  round it reached;
* ``weighted``: an entry's score is the weighted mean of its scores in the
  rounds it reached, each round with its weight (e.g. 初评 30, 复评 70), the
  weights of those rounds rescaled to sum to 1.

An optional 答辩/现场评审 score (the mean of the panel members' scores,
converted to points of the rubric's total) joins the finalists' score with its
weight w (percent): score = (1 − w) × rounds + w × 答辩. A finalist without a
答辩 score keeps its rounds' score and is flagged ``missing_defense``.

ORDER: an entry that reached a later round always ranks above every entry that
did not (it was shortlisted over them); within the same last round, by the
combined score. Only the entries of the last round (the finalists) are given
award tiers; the others are listed below them, not awarded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from judging.i18n import N_, said

EntryId = Hashable
MODES = ("last", "weighted")
MODE_LABELS = {"last": N_("最后一轮决定"), "weighted": N_("各轮加权")}


class RoundsError(ValueError):
    """A shortlist or combination request that cannot be honoured (Chinese)."""


@dataclass(frozen=True)
class Ranked:
    """One entry of a round as the shortlist sees it."""

    entry_id: EntryId
    score: float
    category: str = ""
    is_withdrawn: bool = False


@dataclass(frozen=True)
class Shortlist:
    """The entries that go on, in ranking order, with the notes on the cut."""

    entry_ids: tuple[EntryId, ...]
    planned: int  # places before the tie rule
    notes: tuple[str, ...]


def _round_half_up(value: float) -> int:
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _sort_key(item: Ranked, decimals: int) -> tuple:
    entry = item.entry_id
    return (-round(item.score, decimals), (type(entry).__name__, str(entry)))


def _cut(
    rows: Sequence[Ranked],
    *,
    top_n: int | None,
    top_share: float | None,
    decimals: int,
    label: str,
) -> tuple[list[EntryId], int, list[str]]:
    ordered = sorted(rows, key=lambda r: _sort_key(r, decimals))
    n = len(ordered)
    if top_n is not None:
        planned = min(top_n, n)
    else:
        share = float(top_share or 0)
        planned = min(n, _round_half_up(share * n / 100))
        if share > 0 and n > 0:
            planned = max(planned, 1)
    if planned == 0:
        return [], 0, []
    last = round(ordered[planned - 1].score, decimals)
    taken = planned
    while taken < n and round(ordered[taken].score, decimals) == last:
        taken += 1
    notes = []
    if taken > planned:
        fields = {
            "planned": planned,
            "tied": taken - planned + 1,
            "score": f"{last:.{decimals}f}",
            "taken": taken,
        }
        notes.append(
            said(
                N_("“%(category)s”第 %(planned)s 名有 %(tied)s 篇作品同分"
                   "（%(score)s），按并列规则全部入围，入围 %(taken)s 篇。"),
                category=label,
                **fields,
            )
            if label
            else said(
                N_("第 %(planned)s 名有 %(tied)s 篇作品同分"
                   "（%(score)s），按并列规则全部入围，入围 %(taken)s 篇。"),
                **fields,
            )
        )
    return [r.entry_id for r in ordered[:taken]], planned, notes


def shortlist(
    rows: Iterable[Ranked],
    *,
    top_n: int | None = None,
    top_share: float | None = None,
    per_category: bool = False,
    categories: Sequence[str] = (),
    tie_decimals: int = 2,
) -> Shortlist:
    """The entries that go to the next round, by the SHORTLIST and TIE rules.

    Exactly one of ``top_n`` (places) and ``top_share`` (percent) is given.
    ``categories`` names the categories to report on (a listed category
    without entries gets a note); entries of other categories count too.
    """
    if (top_n is None) == (top_share is None):
        raise RoundsError(N_("请给出入围篇数或入围比例（二选一）。"))
    if top_n is not None and top_n < 1:
        raise RoundsError(N_("入围篇数至少为 1。"))
    if top_share is not None and not 0 < float(top_share) <= 100:
        raise RoundsError(N_("入围比例应大于 0、不超过 100%。"))
    seen: set[EntryId] = set()
    kept: list[Ranked] = []
    for row in rows:
        if row.entry_id in seen:
            raise RoundsError(said(N_("作品 %(entry)s 重复出现。"), entry=row.entry_id))
        seen.add(row.entry_id)
        if not row.is_withdrawn and math.isfinite(row.score):
            kept.append(row)
    if not per_category:
        ids, planned, notes = _cut(
            kept, top_n=top_n, top_share=top_share, decimals=tie_decimals, label=""
        )
        return Shortlist(tuple(ids), planned, tuple(notes))
    groups: dict[str, list[Ranked]] = {c: [] for c in categories}
    for row in kept:
        groups.setdefault(row.category, []).append(row)
    ids: list[EntryId] = []
    notes: list[str] = []
    planned = 0
    for category, members in groups.items():
        label = category or N_("未分类")
        if not members:
            notes.append(said(N_("“%(category)s”没有可入围的作品。"), category=label))
            continue
        got, p, n = _cut(
            members,
            top_n=top_n,
            top_share=top_share,
            decimals=tie_decimals,
            label=label,
        )
        ids.extend(got)
        planned += p
        notes.extend(n)
    order = {r.entry_id: _sort_key(r, tie_decimals) for r in kept}
    ids.sort(key=lambda e: order[e])
    return Shortlist(tuple(ids), planned, tuple(notes))


@dataclass(frozen=True)
class RoundScore:
    """An entry's aggregated score in one round (points of the rubric total)."""

    score: float
    low: float
    high: float
    sd: float = 0.0
    n_reviews: int = 0


@dataclass(frozen=True)
class Combined:
    """An entry's combined score and the last round it reached (1-based)."""

    entry_id: EntryId
    score: float
    low: float
    high: float
    sd: float
    last_round: int
    is_finalist: bool
    defense: float | None
    missing_defense: bool
    parts: tuple[float | None, ...]  # the entry's score in each round


def _weights(mode: str, n_rounds: int, weights: Sequence[float]) -> list[float]:
    if mode not in MODES:
        raise RoundsError(said(N_("未知的合成方式：%(mode)s"), mode=mode))
    if mode == "last":
        return [0.0] * (n_rounds - 1) + [1.0]
    if len(weights) != n_rounds:
        raise RoundsError(said(N_("各轮加权须给出 %(n)s 个权重。"), n=n_rounds))
    if any(not math.isfinite(w) or w < 0 for w in weights):
        raise RoundsError(N_("各轮权重不能为负数。"))
    if weights[-1] <= 0:
        raise RoundsError(N_("最后一轮的权重须大于 0。"))
    return [float(w) for w in weights]


def combine(
    rounds: Sequence[Mapping[EntryId, RoundScore]],
    *,
    mode: str = "last",
    weights: Sequence[float] = (),
    defense: Mapping[EntryId, Sequence[float]] | None = None,
    defense_weight: float = 0.0,
    defense_max: float = 100.0,
    max_total: float = 100.0,
) -> tuple[Combined, ...]:
    """Combine per-round scores by the COMBINATION rule, in the ORDER rule.

    ``rounds[i]`` maps the entries scored in round i + 1 to their score;
    ``defense`` maps finalists to the 答辩 panel members' scores (out of
    ``defense_max``), weighted ``defense_weight`` percent.
    """
    if not rounds:
        return ()
    w = _weights(mode, len(rounds), weights)
    if not 0 <= defense_weight < 100:
        raise RoundsError(N_("答辩权重应在 0 到 100 之间（不含 100）。"))
    if defense_max <= 0:
        raise RoundsError(N_("答辩满分须大于 0。"))
    defense = defense or {}
    everyone: dict[EntryId, int] = {}
    for number, scores in enumerate(rounds, start=1):
        for entry in scores:
            everyone[entry] = number
    n = len(rounds)
    out: list[Combined] = []
    for entry, last in everyone.items():
        parts = tuple(
            rounds[i][entry].score if entry in rounds[i] else None for i in range(n)
        )
        reached = [i for i in range(last) if entry in rounds[i]]
        if mode == "last":
            used = {last - 1: 1.0}
        else:
            total = sum(w[i] for i in reached)
            used = {i: w[i] / total for i in reached} if total > 0 else {last - 1: 1.0}
        score = sum(rounds[i][entry].score * f for i, f in used.items())
        low = sum(rounds[i][entry].low * f for i, f in used.items())
        high = sum(rounds[i][entry].high * f for i, f in used.items())
        var = sum((rounds[i][entry].sd * f) ** 2 for i, f in used.items())
        finalist = last == n
        marks = [float(x) for x in defense.get(entry, ())] if finalist else []
        value = None
        missing = False
        if finalist and defense_weight > 0:
            if marks:
                scale = max_total / defense_max
                value = sum(marks) / len(marks) * scale
                spread = 0.0
                if len(marks) > 1:
                    mean = sum(marks) / len(marks)
                    sd = math.sqrt(
                        sum((m - mean) ** 2 for m in marks) / (len(marks) - 1)
                    )
                    spread = sd / math.sqrt(len(marks)) * scale
                f = defense_weight / 100
                score = (1 - f) * score + f * value
                low = (1 - f) * low + f * (value - 1.96 * spread)
                high = (1 - f) * high + f * (value + 1.96 * spread)
                var = (1 - f) ** 2 * var + (f * spread) ** 2
            else:
                missing = True
        out.append(
            Combined(
                entry_id=entry,
                score=score,
                low=low,
                high=high,
                sd=math.sqrt(var),
                last_round=last,
                is_finalist=finalist,
                defense=value,
                missing_defense=missing,
                parts=parts,
            )
        )
    out.sort(key=lambda c: (-c.last_round, -round(c.score, 2), str(c.entry_id)))
    return tuple(out)


# --- a round's own rubric ------------------------------------------------------------

RUBRIC_LINE = re.compile(r"^(.+?)[\s：:，,]+(\d+(?:\.\d+)?)分?(?:[\s：:，,]+(.*))?$")
MAX_CRITERIA = 20


@dataclass(frozen=True)
class RubricLine:
    """One criterion of a round's own rubric."""

    name: str
    max_points: int
    guidance: str = ""


def parse_rubric(text: str) -> tuple[RubricLine, ...]:
    """A round's rubric from lines "名称 满分 [说明]" ("观点创新：40：说明" and
    "观点创新，40" too). Empty text: no rubric of its own (the competition's).

    RUBRIC rule: every line names a criterion once (at most 80 字) with whole
    points from 1 to 1000; at most 20 criteria.
    """
    out: list[RubricLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = RUBRIC_LINE.match(line)
        if match is None:
            raise RoundsError(said(
                N_("评分标准第 %(number)s 行无法识别：“%(line)s”，"
                   "请写成“评分项 满分 说明”。"),
                number=number,
                line=line,
            ))
        name, points, guidance = match.group(1).strip(), match.group(2), match.group(3)
        if "." in points or not 1 <= int(points) <= 1000:
            raise RoundsError(
                said(N_("评分项“%(name)s”的满分须为 1–1000 的整数。"), name=name)
            )
        if len(name) > 80:
            raise RoundsError(
                said(N_("评分项“%(name)s…”的名称超过 80 字。"), name=name[:20])
            )
        if any(r.name == name for r in out):
            raise RoundsError(said(N_("评分项“%(name)s”重复。"), name=name))
        out.append(RubricLine(name, int(points), (guidance or "").strip()))
    if len(out) > MAX_CRITERIA:
        raise RoundsError(said(N_("评分项最多 %(n)s 项。"), n=MAX_CRITERIA))
    return tuple(out)


def rescale(total: Decimal, *, own: int | None, top: int) -> Decimal:
    """A review total of a round with its own rubric of `own` points in points
    of the competition's rubric (`top`): 40 of 50 → 80 of 100, so that rounds
    combine and rank on one scale. `own` None (the competition's rubric) or
    equal to `top`: unchanged."""
    if not own or own == top:
        return Decimal(total)
    return Decimal(total) * Decimal(top) / Decimal(own)

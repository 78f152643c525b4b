"""The 优秀组织奖 (organisation award) of the units, from the final results.

Pure: no Flask, no database.

A unit's TALLY counts its entries that took part in the final results (an entry
disqualified, 取消资格, counts for nothing) and the award tier of each awarded
one. The organiser chooses one of two RULES:

- ``threshold`` (达标制): every unit with at least ``min_entries`` entries and at
  least one award receives it — as many units as qualify.
- ``points`` (积分制): each award earns its tier's points (e.g. 一等奖 5, 二等奖 3,
  三等奖 1; a tier without points earns 0); the units are ranked by their
  points, highest first, and the top ``top`` units receive it. A unit with no
  points never does.

TIE rule (``points``): equal points share a rank (1, 2, 2, 4) and are never
split: when units with equal points straddle the ``top``-th place, all of them
receive the award and the number given grows (a note says so). There is no
hidden tie-break; within a tie units are listed by name only for a stable order.
Under ``threshold`` units are listed by points, then name, and carry the same
shared ranks, for information.

OVERRIDES: the organiser may give or withhold the award of one unit, always with
a written reason; the rule's own outcome stays visible beside it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from judging.i18n import N_, said

UnitId = Hashable
THRESHOLD = "threshold"
POINTS = "points"
RULES = (THRESHOLD, POINTS)


class OrganisationError(ValueError):
    """The rule or an override is invalid (the message is Chinese)."""


@dataclass(frozen=True)
class UnitTally:
    """One unit's entries in the final results and the tiers they won."""

    unit_id: UnitId
    name: str
    entries: int
    tiers: tuple[str, ...] = ()  # one per awarded entry


@dataclass(frozen=True)
class Rule:
    """The organiser's rule: ``threshold`` (N entries and an award) or
    ``points`` (top M units by points per tier)."""

    kind: str
    min_entries: int = 3
    top: int = 10
    points: Mapping[str, int] | None = None


@dataclass(frozen=True)
class UnitOutcome:
    """A unit's line: its tally, points, shared rank and the award."""

    unit_id: UnitId
    name: str
    entries: int
    awarded: int
    points: int
    rank: int
    model_awarded: bool
    is_awarded: bool
    is_overridden: bool
    reason: str


@dataclass(frozen=True)
class OrganisationAwards:
    """Every unit's outcome (awarded first, then by rank and name) and notes."""

    units: tuple[UnitOutcome, ...]
    notes: tuple[str, ...]

    @property
    def awarded(self) -> tuple[UnitOutcome, ...]:
        return tuple(u for u in self.units if u.is_awarded)


def parse_points(text: str, *, tiers: Sequence[str]) -> dict[str, int]:
    """Points per tier from "5,3,1" (in tier order; missing tiers earn 0)."""
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    if not parts:
        raise OrganisationError(N_("请填写各奖项的积分，如 5,3,1"))
    if len(parts) > len(tiers):
        raise OrganisationError(
            said(
                N_("积分有 %(given)s 个，但只有 %(tiers)s 个奖项"),
                given=len(parts),
                tiers=len(tiers),
            )
        )
    values = []
    for part in parts:
        if not part.isdigit() or not part.isascii():
            raise OrganisationError(
                said(N_("积分须为不小于 0 的整数：%(value)s"), value=part)
            )
        values.append(int(part))
    return dict(zip(tiers, values, strict=False))


def check_rule(rule: Rule) -> None:
    """Refuse a rule that cannot be applied, with a Chinese message."""
    if rule.kind not in RULES:
        raise OrganisationError(
            said(N_("未知的优秀组织奖规则：%(rule)s"), rule=rule.kind)
        )
    if rule.kind == THRESHOLD and not 1 <= rule.min_entries <= 1000:
        raise OrganisationError(N_("最少参评作品数须在 1 到 1000 之间"))
    if rule.kind == POINTS:
        if not 1 <= rule.top <= 10000:
            raise OrganisationError(N_("获奖单位数须在 1 到 10000 之间"))
        if not rule.points or not any(rule.points.values()):
            raise OrganisationError(N_("积分制须至少有一个奖项的积分大于 0"))


def organisation_awards(
    tallies: Sequence[UnitTally],
    *,
    rule: Rule,
    overrides: Mapping[UnitId, tuple[bool, str]] | None = None,
) -> OrganisationAwards:
    """Apply the RULE, the TIE rule and the OVERRIDES (see the module docstring).

    ``overrides`` maps a unit to (awarded?, reason); every reason must be
    written, and only units with a tally can be overridden.
    """
    check_rule(rule)
    overrides = overrides or {}
    known = {t.unit_id for t in tallies}
    for unit_id, (_given, reason) in overrides.items():
        if unit_id not in known:
            raise OrganisationError(
                said(N_("单位 %(unit)s 没有参评作品，无法调整"), unit=unit_id)
            )
        if not reason or not reason.strip():
            raise OrganisationError(N_("调整优秀组织奖必须填写理由"))
    points_of = dict(rule.points or {})
    scored = [(sum(points_of.get(t, 0) for t in u.tiers), u) for u in tallies]
    scored.sort(key=lambda pair: (-pair[0], str(pair[1].name), str(pair[1].unit_id)))
    ranks: list[int] = []
    for position, (points, _u) in enumerate(scored):
        same = ranks and scored[position - 1][0] == points
        ranks.append(ranks[-1] if same else position + 1)
    notes: list[str] = []
    if rule.kind == THRESHOLD:
        model = [u.entries >= rule.min_entries and len(u.tiers) > 0 for _p, u in scored]
    else:
        model, tie_note = _top_with_ties(scored, ranks, top=rule.top)
        notes += tie_note
    units = []
    for (points, u), rank, given in zip(scored, ranks, model, strict=True):
        override = overrides.get(u.unit_id)
        awarded = given if override is None else override[0]
        units.append(
            UnitOutcome(
                unit_id=u.unit_id,
                name=u.name,
                entries=u.entries,
                awarded=len(u.tiers),
                points=points,
                rank=rank,
                model_awarded=given,
                is_awarded=awarded,
                is_overridden=override is not None,
                reason=override[1].strip() if override else "",
            )
        )
        if override is not None and awarded != given:
            verb = "授予" if awarded else "不授予"
            notes.append(f"{u.name}经调整{verb}优秀组织奖：{override[1].strip()}")
    units.sort(key=lambda o: (not o.is_awarded, o.rank, str(o.name)))
    return OrganisationAwards(units=tuple(units), notes=tuple(notes))


def _top_with_ties(
    scored: Sequence[tuple[int, UnitTally]], ranks: Sequence[int], *, top: int
) -> tuple[list[bool], list[str]]:
    """The top ``top`` units with points; ties at the last place all go in."""
    eligible = [points > 0 for points, _u in scored]
    n_eligible = sum(eligible)
    if n_eligible <= top:
        return eligible, []
    last = scored[top - 1][0]
    given = [points >= last for points, _u in scored]
    n_given = sum(given)
    notes = []
    if n_given > top:
        group = sum(1 for points, _u in scored if points == last)
        notes.append(
            f"积分 {last} 分的 {group} 个单位并列第 {ranks[top - 1]} 名，"
            f"跨越第 {top} 名，均获优秀组织奖；获奖单位由 {top} 个增至 {n_given} 个"
        )
    return given, notes

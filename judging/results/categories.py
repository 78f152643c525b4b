"""Award tiers allocated per category (理论研究 / 调研报告 ranked apart).

Pure: no Flask, no database.

PER-CATEGORY rule (``allocate_by_category``): when a competition ranks its
categories apart, every category is a competition of its own for the awards:
its entries are ranked among themselves, the ROUNDING rule of
`judging.results.awards` applies to that category's N (a share of 10 % of a
category of 23 entries is round_half_up(2.3) = 2 places), and so do the TIE rule
(equal rounded scores at a tier's last place all go to the better tier, within
the category), the OVERRIDES and the tier probabilities. Ranks are ranks within
the category. A category with no entries gives no awards and says so in a note.
An entry whose category is not (or no longer) one of the competition's is ranked
in a group of its own under that name, after the listed categories, so no entry
is ever dropped.

Every category uses the competition's tiers unless the organiser gave it its own
shares or counts (``parse_category_schemes``): one line per category, the same
tier names in the same order, e.g. ``理论研究：10%，20%，30%`` or
``调研报告：2，4，6`` (counts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence

from judging.i18n import N_, said
from judging.numbers import NotANumber, parse_decimal
from judging.results.aggregate import Aggregation
from judging.results.awards import (
    Award,
    AwardAllocation,
    AwardError,
    Override,
    Tier,
    TierCount,
    allocate_awards,
    suggest_reviews,
)

EntryId = Hashable
UNCATEGORISED = "未分类"
_SEPARATORS = ("：", ":", "=")


def parse_category_schemes(
    text: str, *, scheme: Sequence[Tier], categories: Sequence[str]
) -> dict[str, tuple[Tier, ...]]:
    """Per-category tiers from lines such as "理论研究：10%，20%，30%".

    A value ending in % is a share of the category's entries, any other a count
    of places; each line gives one value per tier of ``scheme`` (same names,
    same order). Categories not listed use ``scheme`` itself. Blank text: none.
    """
    out: dict[str, tuple[Tier, ...]] = {}
    for raw in text.replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        name, values = _split_line(line)
        if name not in categories:
            raise AwardError(
                said(N_("类别“%(category)s”不是本竞赛的类别"), category=name)
            )
        if name in out:
            raise AwardError(
                said(N_("类别“%(category)s”的奖项名额写了两次"), category=name)
            )
        if len(values) != len(scheme):
            raise AwardError(
                said(
                    N_(
                        "类别“%(category)s”须为 %(tiers)s 个奖项各给一个比例或名额"
                        "（如 10%%，20%%，30%% 或 2，4，6），现为 %(given)s 个"
                    ),
                    category=name,
                    tiers=len(scheme),
                    given=len(values),
                )
            )
        tiers = tuple(
            _tier(tier.name, value, category=name)
            for tier, value in zip(scheme, values, strict=True)
        )
        total = sum(t.share for t in tiers if t.share is not None)
        if total > 100:
            raise AwardError(
                said(
                    N_("类别“%(category)s”各奖项比例之和不能超过 100%%"),
                    category=name,
                )
            )
        out[name] = tiers
    return out


def _split_line(line: str) -> tuple[str, list[str]]:
    for sep in _SEPARATORS:
        if sep in line:
            name, _, rest = line.partition(sep)
            for comma in ("，", "、", ";", "；", " "):
                rest = rest.replace(comma, ",")
            return name.strip(), [v.strip() for v in rest.split(",") if v.strip()]
    raise AwardError(
        said(N_("无法识别“%(line)s”：请写成“类别：10%%，20%%，30%%”"), line=line)
    )


def _tier(name: str, value: str, *, category: str) -> Tier:
    is_share = value.endswith(("%", "％"))
    try:
        number = parse_decimal(value.rstrip("%％"))
    except NotANumber as exc:
        raise AwardError(
            said(
                N_("类别“%(category)s”的“%(value)s”不是比例或名额"),
                category=category,
                value=value,
            )
        ) from exc
    if number is None or number < 0:
        raise AwardError(
            said(
                N_("类别“%(category)s”的“%(value)s”不是比例或名额"),
                category=category,
                value=value,
            )
        )
    if is_share:
        if number > 100:
            raise AwardError(
                said(
                    N_("类别“%(category)s”的比例须在 0 到 100 之间"),
                    category=category,
                )
            )
        return Tier(name=name, share=float(number))
    if number != number.to_integral_value():
        raise AwardError(
            said(
                N_("类别“%(category)s”的名额须为整数：%(value)s"),
                category=category,
                value=value,
            )
        )
    return Tier(name=name, count=int(number))


def format_category_schemes(schemes: Mapping[str, Sequence[Tier]]) -> str:
    """The text ``parse_category_schemes`` reads back (for the settings form)."""
    lines = []
    for name, tiers in schemes.items():
        values = [
            f"{t.share:g}%" if t.share is not None else str(t.count) for t in tiers
        ]
        lines.append(f"{name}：{'，'.join(values)}")
    return "\n".join(lines)


def category_groups(
    category_of: Mapping[EntryId, str], categories: Sequence[str]
) -> list[str]:
    """The categories ranked apart: the competition's, in its order, then any
    other category an entry carries (by name; "" becomes 未分类)."""
    extra = sorted({_label(c) for c in category_of.values()} - set(categories), key=str)
    return [*categories, *extra]


def _label(category: str) -> str:
    return category or UNCATEGORISED


def allocate_by_category(
    aggregation: Aggregation,
    *,
    category_of: Mapping[EntryId, str],
    categories: Sequence[str],
    scheme: Sequence[Tier],
    schemes: Mapping[str, Sequence[Tier]] | None = None,
    overrides: Sequence[Override] = (),
    tie_decimals: int = 2,
    draws: int = 1000,
    seed: int = 0,
    threshold: float = 0.8,
    max_suggestions: int = 10,
) -> AwardAllocation:
    """Allocate tiers within each category by the PER-CATEGORY rule.

    The awards come category by category (in ``category_groups`` order), each in
    its ranking order; every award and tier count carries its category; notes
    start with 【category】. Overrides apply within the entry's category.
    """
    schemes = schemes or {}
    by_id = {e.entry_id: e for e in aggregation.entries}
    for item in overrides:
        if item.entry_id not in by_id:
            raise AwardError(
                said(N_("作品 %(entry)s 没有汇总分数，无法调整"), entry=item.entry_id)
            )
    group_of = {e: _label(category_of.get(e, "")) for e in by_id}
    awards: list[Award] = []
    tiers: list[TierCount] = []
    notes: list[str] = []
    for category in category_groups(group_of, categories):
        members = tuple(
            e for e in aggregation.entries if group_of[e.entry_id] == category
        )
        own = tuple(schemes.get(category, scheme))
        if not members:
            notes.append(
                said(
                    N_("【%(category)s】没有参评作品，本类别不评奖"),
                    category=category,
                )
            )
        allocation = allocate_awards(
            dataclasses.replace(aggregation, entries=members),
            scheme=own,
            overrides=[o for o in overrides if group_of[o.entry_id] == category],
            tie_decimals=tie_decimals,
            draws=draws,
            seed=seed,
            threshold=threshold,
            max_suggestions=0,
        )
        awards += [dataclasses.replace(a, category=category) for a in allocation.awards]
        tiers += [dataclasses.replace(t, category=category) for t in allocation.tiers]
        notes += [f"【{category}】{n}" for n in allocation.notes]
    suggestions = suggest_reviews(
        awards, by_id=by_id, threshold=threshold, limit=max_suggestions
    )
    return AwardAllocation(
        awards=tuple(awards),
        tiers=tuple(tiers),
        notes=tuple(notes),
        suggestions=suggestions,
    )

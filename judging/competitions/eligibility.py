"""Kinds of unit and who may take part in a call.

Pure: no Flask, no database. A call is open to all units, to units of chosen
kinds, to a group (试点单位, or a named group from the unit list), or to an
explicit list; these functions decide one unit's eligibility from plain facts,
so the submission pages, the overview, reminders and the CLI all agree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from judging.i18n import N_, said

# The kinds of the sector's member units. The first three are universities
# (高校): a call limited to them may still say 高校 and 本校 on its pages.
# Marked for the catalogue: the pages show a kind in the reader's language.
UNIVERSITY_KINDS = (N_("本科院校"), N_("高职院校"), N_("开放大学"))
UNIT_KINDS = UNIVERSITY_KINDS + (
    N_("中小学"),
    N_("科研院所"),
    N_("医疗卫生机构"),
    N_("文化单位"),
    N_("体育单位"),
    N_("企业"),
    N_("机关事业单位"),
    N_("其他"),
)
# The words people write in a list for a kind ("本科", "高职高专" …).
KIND_ALIASES = {
    "本科": "本科院校",
    "本科高校": "本科院校",
    "普通本科": "本科院校",
    "大学": "本科院校",
    "高职": "高职院校",
    "高职高专": "高职院校",
    "高专": "高职院校",
    "专科": "高职院校",
    "职业院校": "高职院校",
    "中学": "中小学",
    "小学": "中小学",
    "中职": "中小学",
    "学校": "中小学",
    "研究院所": "科研院所",
    "科研机构": "科研院所",
    "医院": "医疗卫生机构",
    "医疗机构": "医疗卫生机构",
    "卫生机构": "医疗卫生机构",
    "文化": "文化单位",
    "体育": "体育单位",
    "企业单位": "企业",
    "机关": "机关事业单位",
    "事业单位": "机关事业单位",
}

PILOT_GROUP = "试点单位"

MODES = ("all", "kinds", "group", "list")
MODE_LABELS = {
    "all": N_("全部单位"),
    "kinds": N_("指定类型的单位"),
    "group": N_("指定分组（如试点单位）"),
    "list": N_("指定名单"),
}


class UnknownKind(ValueError):
    """A kind of unit that is neither a known kind nor one of its usual names."""


def normalise_kind(text: str, *, default: str = "") -> str:
    """The canonical kind for what a list says ("本科" → 本科院校); empty stays
    `default`. Raises UnknownKind for a word that names no kind."""
    word = "".join(text.split())
    if not word:
        return default
    if word in UNIT_KINDS:
        return word
    if word in KIND_ALIASES:
        return KIND_ALIASES[word]
    raise UnknownKind(word)


def is_university(kind: str) -> bool:
    return kind in UNIVERSITY_KINDS


@dataclass(frozen=True)
class UnitFacts:
    id: int
    kind: str
    is_pilot: bool
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """Who may take part: `mode` and the kinds, group or unit ids it needs."""

    mode: str = "all"
    kinds: frozenset[str] = frozenset()
    group: str = ""
    unit_ids: frozenset[int] = frozenset()


def problems(rule: Rule) -> list[str]:
    """Why the rule cannot be saved, as Chinese sentences (empty when it can)."""
    if rule.mode not in MODES:
        return [N_("请选择参与单位的范围。")]
    if rule.mode == "kinds":
        if not rule.kinds:
            return [N_("请至少选择一种单位类型。")]
        unknown = sorted(rule.kinds - set(UNIT_KINDS))
        if unknown:
            return [said(N_("未知的单位类型：%(kinds)s。"), kinds="、".join(unknown))]
    if rule.mode == "group" and not rule.group.strip():
        return [N_("请选择或填写一个分组。")]
    if rule.mode == "list" and not rule.unit_ids:
        return [
            N_(
                "“指定名单”还没有单位：请在下面的单位列表中勾选单位，"
                "再点“加入指定名单”。"
            )
        ]
    return []


def is_eligible(rule: Rule, unit: UnitFacts) -> bool:
    """Whether `unit` may see and submit to a call with this rule."""
    if rule.mode == "all":
        return True
    if rule.mode == "kinds":
        return unit.kind in rule.kinds
    if rule.mode == "group":
        if rule.group == PILOT_GROUP:
            return unit.is_pilot or PILOT_GROUP in unit.groups
        return rule.group in unit.groups
    if rule.mode == "list":
        return unit.id in rule.unit_ids
    return False


def eligible_ids(rule: Rule, units: Iterable[UnitFacts]) -> list[int]:
    return [u.id for u in units if is_eligible(rule, u)]


def universities_only(rule: Rule, units: Collection[UnitFacts]) -> bool:
    """Whether every unit the rule admits is a university, so its pages may say
    高校 / 本校 rather than 单位 / 本单位."""
    admitted = [u for u in units if is_eligible(rule, u)]
    if rule.mode == "kinds":
        return bool(rule.kinds) and rule.kinds <= set(UNIVERSITY_KINDS)
    return bool(admitted) and all(is_university(u.kind) for u in admitted)

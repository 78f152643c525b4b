"""Award rules use cases: tiers per category or overall, the 优秀组织奖 rule,
its computation from the final results with the organiser's overrides, and
whether certificates go to each entry or to each author.

Translates the frozen `Result` rows into the pure `organisation` module's
tallies and stores its outcome as `OrganisationAward` rows: computed when the
results are frozen, again whenever the rule, an override or a frozen tier
changes (公示 changes, 更正), and read by every list, export and certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import Role, Unit, User
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.competitions.service import on_enter
from judging.extensions import db
from judging.i18n import N_, Refusal, message_of
from judging.results import jobs as results_jobs
from judging.results import organisation
from judging.results.models import OrganisationAward, OrganisationOverride, Result
from judging.results.service import scheme_of
from judging.submissions.models import Entry

RULE_LABELS = {
    "": N_("不评优秀组织奖"),
    organisation.THRESHOLD: N_("达标制：参评作品不少于 N 篇且至少一篇获奖"),
    organisation.POINTS: N_("积分制：按获奖积分取前 M 个单位"),
}
CERTIFICATE_MODES = {"entry": N_("每篇获奖作品一张"), "author": N_("每位作者一张")}
# Tiers per category are part of the ranking: fixed once the results are frozen.
RANKING_PHASES = (Phase.DRAFT, Phase.OPEN, Phase.CLOSED, Phase.REVIEWING)
# The 优秀组织奖 come from the frozen results: adjustable until published.
OVERRIDE_PHASES = (Phase.FINALISED, Phase.PUBLICITY)


class RulesError(Refusal):
    """A refused award-rules action (see `judging.i18n.Refusal`)."""


@dataclass(frozen=True)
class AwardRules:
    """The organiser's choices on the award rules page."""

    by_category: bool
    category_tiers: str
    org_rule: str
    org_min_entries: int
    org_top: int
    org_points: str
    certificate_mode: str


def rules_of(competition: Competition) -> AwardRules:
    return AwardRules(
        by_category=competition.award_by_category,
        category_tiers=competition.category_tiers,
        org_rule=competition.org_award_rule,
        org_min_entries=competition.org_award_min_entries,
        org_top=competition.org_award_top,
        org_points=competition.org_award_points,
        certificate_mode=competition.certificate_mode,
    )


def _require_organiser(actor: User) -> None:
    if actor.role != Role.ORGANISER:
        raise RulesError(N_("只有主办方可以设置评奖规则。"))


def organisation_rule(competition: Competition) -> organisation.Rule | None:
    """The competition's 优秀组织奖 rule as the pure `Rule`; None: not awarded."""
    if not competition.org_award_rule:
        return None
    tiers = [t.name for t in competition.tiers]
    try:
        points = organisation.parse_points(competition.org_award_points, tiers=tiers)
    except organisation.OrganisationError:
        points = {}
    return organisation.Rule(
        kind=competition.org_award_rule,
        min_entries=competition.org_award_min_entries,
        top=competition.org_award_top,
        points=points,
    )


def _check(competition: Competition, rules: AwardRules) -> list[str]:
    # numpy/scipy (behind the categories' allocation): only when saving rules
    from judging.results import categories
    from judging.results.awards import AwardError

    problems = []
    if rules.by_category and not competition.category_list:
        problems.append(N_("本竞赛没有设置作品类别，不能分类评奖。"))
    if rules.by_category:
        try:
            categories.parse_category_schemes(
                rules.category_tiers,
                scheme=scheme_of(competition),
                categories=competition.category_list,
            )
        except AwardError as exc:
            problems.append(message_of(exc))
    if rules.org_rule:
        tiers = [t.name for t in competition.tiers]
        try:
            points = organisation.parse_points(rules.org_points, tiers=tiers)
            organisation.check_rule(
                organisation.Rule(
                    kind=rules.org_rule,
                    min_entries=rules.org_min_entries,
                    top=rules.org_top,
                    points=points,
                )
            )
        except organisation.OrganisationError as exc:
            problems.append(message_of(exc))
    if rules.certificate_mode not in CERTIFICATE_MODES:
        problems.append(N_("证书颁发方式无效。"))
    return problems


def set_award_rules(
    *, actor: User, competition: Competition, rules: AwardRules
) -> None:
    """Save the award rules of a competition (audited).

    Rules: tiers per category (and each category's shares or counts) decide the
    ranking, so they change only until the results are frozen; the 优秀组织奖
    rule and the certificate mode change until the final list is published.
    A change recomputes what depends on it (the live results, or the stored
    organisation awards).
    """
    _require_organiser(actor)
    if competition.is_collection:
        raise RulesError(N_("征集活动不评奖。"))
    if competition.phase in (Phase.PUBLISHED, Phase.ARCHIVED):
        raise RulesError(N_("名单已公布，评奖规则不能再修改。"))
    before = rules_of(competition)
    ranking_changed = before.by_category != rules.by_category or (
        rules.by_category
        and before.category_tiers.strip() != rules.category_tiers.strip()
    )
    if ranking_changed and competition.phase not in RANKING_PHASES:
        raise RulesError(N_("结果已定稿，不能再改变分类评奖方式与名额。"))
    problems = _check(competition, rules)
    if problems:
        raise RulesError(problems)
    competition.award_by_category = rules.by_category
    if rules.by_category:
        competition.category_tiers = rules.category_tiers.strip()
    competition.org_award_rule = rules.org_rule
    competition.org_award_min_entries = rules.org_min_entries
    competition.org_award_top = rules.org_top
    competition.org_award_points = rules.org_points.strip()
    competition.certificate_mode = rules.certificate_mode
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.rules",
        obj=competition,
        competition_id=competition.id,
        by_category=rules.by_category,
        category_tiers=competition.category_tiers,
        org_rule=rules.org_rule,
        org_min_entries=rules.org_min_entries,
        org_top=rules.org_top,
        org_points=competition.org_award_points,
        certificate_mode=rules.certificate_mode,
    )
    if ranking_changed and competition.phase == Phase.REVIEWING:
        results_jobs.scores_changed(competition)
    if competition.phase in OVERRIDE_PHASES:
        refresh_organisation_awards(competition)


# --- the organisation awards -----------------------------------------------------


def tallies(competition: Competition) -> list[organisation.UnitTally]:
    """Each unit's entries in the frozen results (not disqualified) and the
    tiers they won: one grouped query and one for the tiers."""
    counts = db.session.execute(
        select(Unit.id, Unit.name, func.count(Result.id))
        .join(Entry, Entry.unit_id == Unit.id)
        .join(Result, Result.entry_id == Entry.id)
        .where(Result.competition_id == competition.id, Result.is_excluded.is_(False))
        .group_by(Unit.id, Unit.name)
    ).all()
    tiers: dict[int, list[str]] = {}
    for unit_id, tier in db.session.execute(
        select(Entry.unit_id, Result.tier_name)
        .join(Entry, Entry.id == Result.entry_id)
        .where(
            Result.competition_id == competition.id,
            Result.is_excluded.is_(False),
            Result.tier_name.is_not(None),
        )
        .order_by(Result.tier_position, Result.rank, Entry.id)
    ):
        tiers.setdefault(unit_id, []).append(tier)
    return [
        organisation.UnitTally(
            unit_id=i, name=name, entries=n, tiers=tuple(tiers.get(i, ()))
        )
        for i, name, n in counts
    ]


def _overrides(competition: Competition) -> list[OrganisationOverride]:
    return list(
        db.session.scalars(
            select(OrganisationOverride)
            .where(OrganisationOverride.competition_id == competition.id)
            .order_by(OrganisationOverride.id)
        )
    )


def refresh_organisation_awards(competition: Competition) -> list[str]:
    """Recompute and store the 优秀组织奖 from the frozen results; return the
    notes (ties, overrides). No rule: no rows."""
    db.session.execute(
        delete(OrganisationAward).where(
            OrganisationAward.competition_id == competition.id
        )
    )
    rule = organisation_rule(competition)
    if rule is None:
        db.session.flush()
        return []
    units = tallies(competition)
    known = {u.unit_id for u in units}
    overrides = {
        o.unit_id: (o.is_awarded, o.reason)
        for o in _overrides(competition)
        if o.unit_id in known
    }
    try:
        outcome = organisation.organisation_awards(
            units, rule=rule, overrides=overrides
        )
    except organisation.OrganisationError:
        db.session.flush()
        return []
    for u in outcome.units:
        db.session.add(
            OrganisationAward(
                competition_id=competition.id,
                unit_id=u.unit_id,
                entries=u.entries,
                awarded=u.awarded,
                points=u.points,
                rank=u.rank,
                model_awarded=u.model_awarded,
                is_awarded=u.is_awarded,
                override_reason=u.reason,
            )
        )
    db.session.flush()
    return list(outcome.notes)


@on_enter(Phase.FINALISED)
def compute_on_freeze(competition: Competition, actor: User) -> None:
    """The 优秀组织奖 follow the frozen results."""
    refresh_organisation_awards(competition)


def organisation_rows(
    competition: Competition, *, awarded_only: bool = False
) -> list[OrganisationAward]:
    """The stored lines, awarded first, then by rank and unit name (2 queries)."""
    query = (
        select(OrganisationAward)
        .join(Unit, Unit.id == OrganisationAward.unit_id)
        .where(OrganisationAward.competition_id == competition.id)
        .options(selectinload(OrganisationAward.unit))
        .order_by(
            OrganisationAward.is_awarded.desc(),
            OrganisationAward.rank,
            Unit.name,
            Unit.id,
        )
    )
    if awarded_only:
        query = query.where(OrganisationAward.is_awarded.is_(True))
    return list(db.session.scalars(query))


def public_organisation_rows(competition: Competition) -> list[OrganisationAward]:
    """The units with the 优秀组织奖 on the published list; empty until then."""
    if competition.phase != Phase.PUBLISHED:
        return []
    return organisation_rows(competition, awarded_only=True)


def set_organisation_override(
    *,
    actor: User,
    competition: Competition,
    unit: Unit,
    is_awarded: bool,
    reason: str,
    now: datetime,
) -> None:
    """Give or withhold one unit's 优秀组织奖, with a written reason (audited).

    Rule: only after the results are frozen (it is computed from them) and
    before the final list is published; the reason is required.
    """
    _require_organiser(actor)
    if competition.phase not in OVERRIDE_PHASES:
        raise RulesError(N_("优秀组织奖在结果定稿后、名单公布前可以调整。"))
    if not competition.org_award_rule:
        raise RulesError(N_("本竞赛不评优秀组织奖。"))
    reason = (reason or "").strip()
    if not reason:
        raise RulesError(N_("调整优秀组织奖必须填写理由。"))
    line = db.session.scalar(
        select(OrganisationAward).where(
            OrganisationAward.competition_id == competition.id,
            OrganisationAward.unit_id == unit.id,
        )
    )
    if line is None:
        raise RulesError(N_("该单位没有参评作品，无法调整。"))
    override = db.session.scalar(
        select(OrganisationOverride).where(
            OrganisationOverride.competition_id == competition.id,
            OrganisationOverride.unit_id == unit.id,
        )
    )
    if override is None:
        override = OrganisationOverride(competition_id=competition.id, unit_id=unit.id)
        db.session.add(override)
    override.is_awarded = is_awarded
    override.reason = reason
    override.actor_id = actor.id
    override.created_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.organisation_override",
        obj=unit,
        competition_id=competition.id,
        awarded=is_awarded,
        reason=reason,
    )
    refresh_organisation_awards(competition)


def clear_organisation_override(
    *, actor: User, competition: Competition, unit: Unit
) -> None:
    """Withdraw the override of one unit: the rule's outcome applies again."""
    _require_organiser(actor)
    if competition.phase not in OVERRIDE_PHASES:
        raise RulesError(N_("优秀组织奖在结果定稿后、名单公布前可以调整。"))
    override = db.session.scalar(
        select(OrganisationOverride).where(
            OrganisationOverride.competition_id == competition.id,
            OrganisationOverride.unit_id == unit.id,
        )
    )
    if override is None:
        raise RulesError(N_("该单位没有调整记录。"))
    db.session.delete(override)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.organisation_override_clear",
        obj=unit,
        competition_id=competition.id,
    )
    refresh_organisation_awards(competition)

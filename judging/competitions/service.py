"""Competition use cases: create, edit, and the one guarded phase machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from judging.accounts.models import Role, Unit, User
from judging.audit.service import record
from judging.competitions import eligibility
from judging.competitions.models import (
    AwardTier,
    Competition,
    Criterion,
    EligibleUnit,
    Phase,
)
from judging.competitions.rules import (
    ALL_PHASES,
    PHASE_LABELS,
    Settings,
    end_of_day,
    local_day,
    phases_for,
    start_of_day,
    validate_settings,
)
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_, said


class CompetitionError(ValueError):
    """A refused competition change; `errors` are Chinese sentences for the user."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("；".join(self.errors))


@dataclass(frozen=True)
class Extras:
    theme: str = ""
    code_prefix: str = "ZW"
    disagreement_threshold: Decimal = Decimal("20")
    similarity_percent: int = 30
    issuer: str = ""
    issued_on: object = None


def scores_exist(competition: Competition) -> bool:
    from judging.review.models import Score

    return bool(
        db.session.scalar(
            select(func.count(Score.id))
            .join(Criterion, Criterion.id == Score.criterion_id)
            .where(Criterion.competition_id == competition.id)
        )
    )


def _apply_settings(c: Competition, s: Settings, extras: Extras) -> None:
    c.title = s.title.strip()
    c.opens_at = start_of_day(s.opens_on)
    c.closes_at = end_of_day(s.closes_on)
    c.min_entries, c.max_entries = s.min_entries, s.max_entries
    c.file_types = ",".join(sorted(s.file_types))
    c.max_file_mb = s.max_file_mb
    c.min_words, c.max_words = s.min_words, s.max_words
    c.reviews_per_entry = s.reviews_per_entry
    c.theme = extras.theme
    c.code_prefix = extras.code_prefix or "ZW"
    c.disagreement_threshold = extras.disagreement_threshold
    c.similarity_percent = extras.similarity_percent
    c.issuer = extras.issuer
    c.issued_on = extras.issued_on
    c.categories = "|".join(x.strip() for x in s.categories)
    c.people = s.people
    c.required_fields = "|".join(sorted(s.required_fields))
    c.attachment_kinds = "|".join(
        k for k in ("document", "photo", "video") if k in s.attachment_kinds
    )
    c.max_attachments = s.max_attachments if s.attachment_kinds else 0
    c.max_video_mb, c.max_entry_mb = s.max_video_mb, s.max_entry_mb
    c.attachments_to_judges = s.attachments_to_judges and s.kind != "collection"


def _rubric_changed(c: Competition, s: Settings) -> bool:
    old = [(x.name, x.max_points, x.guidance) for x in c.criteria]
    return old != [(x.name, x.max_points, x.guidance) for x in s.criteria]


def _replace_rubric_and_tiers(c: Competition, s: Settings) -> None:
    c.criteria.clear()
    c.tiers.clear()
    db.session.flush()
    for i, spec in enumerate(s.criteria, start=1):
        c.criteria.append(
            Criterion(
                position=i,
                name=spec.name.strip(),
                guidance=spec.guidance,
                max_points=spec.max_points,
            )
        )
    for i, spec in enumerate(s.tiers, start=1):
        c.tiers.append(
            AwardTier(
                position=i,
                name=spec.name.strip(),
                share_percent=spec.share_percent,
                count=spec.count,
            )
        )


def _total_problem(settings: Settings, confirmed: bool) -> list[str]:
    """A rubric whose points do not total 100 is kept only when confirmed."""
    total = sum(c.max_points for c in settings.criteria)
    if total == 100 or confirmed or not settings.criteria:
        return []
    return [
        said(
            N_(
                "评分细则总分为 %(total)s 分，不是 100 分；"
                "如确需如此，请勾选“确认评分细则总分不是 100 分”。"
            ),
            total=total,
        )
    ]


def create_competition(
    *, actor: User, settings: Settings, extras: Extras, confirm_total: bool = True
) -> Competition:
    """A new competition in the draft phase, refused whole if a setting is invalid.

    The web form passes ``confirm_total`` from its checkbox (scripts: True)."""
    errors = validate_settings(settings) + _total_problem(settings, confirm_total)
    if errors:
        raise CompetitionError(errors)
    c = Competition(phase=Phase.DRAFT, kind=settings.kind)
    _apply_settings(c, settings, extras)
    db.session.add(c)
    _replace_rubric_and_tiers(c, settings)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="competition.create",
        obj=c,
        competition_id=c.id,
        title=c.title,
    )
    return c


def update_competition(
    *,
    actor: User,
    competition: Competition,
    settings: Settings,
    extras: Extras,
    confirm_total: bool = True,
) -> None:
    """Edit settings; the rubric is locked once any score exists."""
    errors = validate_settings(settings)
    rubric_changed = _rubric_changed(competition, settings)
    if rubric_changed:
        errors += _total_problem(settings, confirm_total)
    if rubric_changed and scores_exist(competition):
        errors.append(N_("已有评分记录，评分细则不能再修改。"))
    if competition.phase in (Phase.FINALISED, Phase.PUBLICITY, Phase.PUBLISHED):
        errors.append(N_("结果已定稿，竞赛设置不能再修改。"))
    if competition.phase == Phase.ARCHIVED:
        errors.append(N_("征集已归档，设置不能再修改。"))
    if settings.kind != competition.kind and competition.phase != Phase.DRAFT:
        errors.append(N_("征集类型（评审竞赛或材料征集）只能在草稿阶段修改。"))
    if errors:
        raise CompetitionError(errors)
    competition.kind = settings.kind
    _apply_settings(competition, settings, extras)
    tiers_changed = [(t.name, t.share_percent, t.count) for t in competition.tiers] != [
        (t.name, t.share_percent, t.count) for t in settings.tiers
    ]
    if rubric_changed or tiers_changed:
        _replace_rubric_and_tiers(competition, settings)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="competition.update",
        obj=competition,
        competition_id=competition.id,
    )


# --- phases ------------------------------------------------------------------

# Each capability registers what must hold before, and what happens on, entering a
# phase; the machine itself (one step forward, guards, audit) lives only here.
Guard = Callable[[Competition], list[str]]
Action = Callable[[Competition, User], None]
GUARDS: dict[str, list[Guard]] = {p: [] for p in ALL_PHASES}
ACTIONS: dict[str, list[Action]] = {p: [] for p in ALL_PHASES}


def guard(phase: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        GUARDS[phase].append(fn)
        return fn

    return register


def on_enter(phase: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[phase].append(fn)
        return fn

    return register


@guard(Phase.OPEN)
def _rubric_present(c: Competition) -> list[str]:
    if c.is_collection:
        return []  # a collection is not judged: no rubric, no awards
    errors = []
    if not c.criteria or c.max_total <= 0:
        errors.append(N_("请先设置评分细则。"))
    if not c.tiers:
        errors.append(N_("请先设置奖项。"))
    return errors


def next_phase(competition: Competition) -> str | None:
    phases = phases_for(competition.kind)
    index = phases.index(competition.phase)
    return phases[index + 1] if index + 1 < len(phases) else None


def transition_problems(competition: Competition, target: str) -> list[str]:
    """Why the competition cannot move to `target` now (empty when it can)."""
    if target != next_phase(competition):
        return [
            said(
                N_("竞赛当前为“%(now)s”，不能直接进入“%(target)s”。"),
                now=PHASE_LABELS[competition.phase],
                target=PHASE_LABELS.get(target, target),
            )
        ]
    problems: list[str] = []
    for check in GUARDS[target]:
        problems.extend(check(competition))
    return problems


def current_phase(competition: Competition, *, share_lock: bool = False) -> str:
    """The phase as committed now, optionally holding it until this transaction ends.

    A score save takes the shared lock, a phase change the exclusive one
    (PostgreSQL; SQLite serialises writers anyway), so a save never commits
    after the competition has left the reviewing phase.
    """
    query = select(Competition.phase).where(Competition.id == competition.id)
    if share_lock:
        query = query.with_for_update(read=True)
    return db.session.scalar(query.execution_options(populate_existing=True))


def early_close_warning(competition: Competition, now: datetime) -> str:
    """Closing before the published deadline: how many eligible units have not
    yet submitted (empty when the deadline has passed or the call is not open)."""
    from judging.messages.notices import not_yet_submitted

    if competition.phase != Phase.OPEN or now >= competition.closes_at:
        return ""
    missing = len(not_yet_submitted(competition))
    deadline = local_day(competition.closes_at, inclusive_end=True)
    return said(
        N_(
            "公布的截止时间尚未到（%(deadline)s），还有 %(missing)s 个单位未报送。"
            "提前截止后将通知所有参赛单位。"
        ),
        deadline=deadline,
        missing=missing,
    )


def advance_phase(
    *,
    actor: User,
    competition: Competition,
    target: str,
    confirm_early: bool = True,
) -> None:
    """Move one step along draft → open → closed → reviewing → finalised →
    publicity (公示中) → published (a collection: draft → open → closed →
    archived).

    Closing before the published deadline needs ``confirm_early``: the web page
    asks (naming the units that have not submitted); scripts pass True.
    """
    db.session.execute(
        select(Competition.id).where(Competition.id == competition.id).with_for_update()
    )
    db.session.refresh(competition)
    problems = transition_problems(competition, target)
    if target == Phase.CLOSED and not problems and not confirm_early:
        warning = early_close_warning(competition, utcnow())
        if warning:
            problems = [
                said(N_("%(warning)s请勾选“确认提前截止”后再操作。"), warning=warning)
            ]
    if problems:
        raise CompetitionError(problems)
    previous = competition.phase
    competition.phase = target
    for action in ACTIONS[target]:
        action(competition, actor)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="competition.phase",
        obj=competition,
        competition_id=competition.id,
        before=previous,
        after=target,
    )


def dashboard_rows() -> list[dict]:
    """Every competition with its phase and key counts, newest first."""
    from judging.submissions.models import Entry, EntryStatus

    counts = dict(
        db.session.execute(
            select(Entry.competition_id, func.count(Entry.id))
            .where(Entry.status == EntryStatus.SUBMITTED)
            .group_by(Entry.competition_id)
        ).all()
    )
    units = dict(
        db.session.execute(
            select(Entry.competition_id, func.count(func.distinct(Entry.unit_id)))
            .where(Entry.status == EntryStatus.SUBMITTED)
            .group_by(Entry.competition_id)
        ).all()
    )
    from judging.assignment.models import Assignment, AssignmentStatus
    from judging.review.models import Review, ReviewStatus

    reviews = {
        cid: (assigned, submitted)
        for cid, assigned, submitted in db.session.execute(
            select(
                Entry.competition_id,
                func.count(Assignment.id),
                func.count(Review.id),
            )
            .join(Assignment, Assignment.entry_id == Entry.id)
            .outerjoin(
                Review,
                (Review.assignment_id == Assignment.id)
                & (Review.status == ReviewStatus.SUBMITTED),
            )
            .where(Assignment.status == AssignmentStatus.ACTIVE)
            .group_by(Entry.competition_id)
        ).all()
    }
    rows = []
    for c in db.session.scalars(select(Competition).order_by(Competition.id.desc())):
        assigned, submitted = reviews.get(c.id, (0, 0))
        rows.append(
            {
                "competition": c,
                "entries": counts.get(c.id, 0),
                "units": units.get(c.id, 0),
                "assigned": assigned,
                "submitted": submitted,
            }
        )
    return rows


# --- who may take part -------------------------------------------------------------


def eligibility_rule(competition: Competition) -> eligibility.Rule:
    ids = frozenset(e.unit_id for e in competition.eligible_units)
    return eligibility.Rule(
        mode=competition.eligibility_mode,
        kinds=competition.eligibility_kind_set,
        group=competition.eligibility_group,
        unit_ids=ids,
    )


def unit_facts(unit: Unit) -> eligibility.UnitFacts:
    return eligibility.UnitFacts(
        id=unit.id,
        kind=unit.kind,
        is_pilot=unit.is_pilot,
        groups=tuple(unit.group_list),
    )


def all_unit_facts() -> list[eligibility.UnitFacts]:
    rows = db.session.execute(
        select(Unit.id, Unit.kind, Unit.is_pilot, Unit.groups).order_by(Unit.id)
    ).all()
    return [
        eligibility.UnitFacts(
            id=i, kind=k, is_pilot=p, groups=tuple(g for g in gs.split("|") if g)
        )
        for i, k, p, gs in rows
    ]


def is_eligible(competition: Competition, unit: Unit) -> bool:
    """Whether the unit may see and submit to the call (one rule for every page)."""
    return eligibility.is_eligible(eligibility_rule(competition), unit_facts(unit))


def eligible_unit_ids(competition: Competition) -> list[int]:
    return eligibility.eligible_ids(eligibility_rule(competition), all_unit_facts())


def audience(competition: Competition) -> dict[str, str]:
    """The words a call's pages use for its units: 高校 / 本校 when only
    universities take part (the essay competition), 单位 / 本单位 otherwise;
    essays are counted in 篇, a collection's materials in 件."""
    measure = N_("件") if competition.is_collection else N_("篇")
    if eligibility.universities_only(eligibility_rule(competition), all_unit_facts()):
        return {
            "unit": N_("高校"),
            "own": N_("本校"),
            "each": N_("每校"),
            "measure": measure,
        }
    return {
        "unit": N_("单位"),
        "own": N_("本单位"),
        "each": N_("每个单位"),
        "measure": measure,
    }


def known_groups() -> list[str]:
    """试点单位 and every named group of the unit list, for the eligibility form."""
    groups = {eligibility.PILOT_GROUP}
    for text in db.session.scalars(select(Unit.groups).where(Unit.groups != "")):
        groups.update(g for g in text.split("|") if g)
    return [eligibility.PILOT_GROUP] + sorted(groups - {eligibility.PILOT_GROUP})


def set_eligibility(
    *, actor: User, competition: Competition, rule: eligibility.Rule
) -> int:
    """Set who may take part; returns how many submitted entries now come from
    units outside the rule. Those entries are kept (never deleted): the
    organiser is told, and their units can still see them."""
    from judging.submissions.models import Entry, EntryStatus

    if actor.role != Role.ORGANISER:
        raise CompetitionError(N_("只有主办方可以设置参与单位。"))
    if competition.phase in (Phase.FINALISED, Phase.PUBLISHED, Phase.ARCHIVED):
        raise CompetitionError(N_("结果已定稿或征集已归档，参与单位不能再修改。"))
    errors = eligibility.problems(rule)
    known = set(db.session.scalars(select(Unit.id)))
    if rule.mode == "list" and not rule.unit_ids <= known:
        errors.append(N_("名单中有不存在的单位。"))
    if errors:
        raise CompetitionError(errors)
    competition.eligibility_mode = rule.mode
    competition.eligibility_kinds = "|".join(
        k for k in eligibility.UNIT_KINDS if k in rule.kinds
    )
    competition.eligibility_group = rule.group.strip() if rule.mode == "group" else ""
    competition.eligible_units.clear()
    db.session.flush()
    if rule.mode == "list":
        for unit_id in sorted(rule.unit_ids):
            competition.eligible_units.append(EligibleUnit(unit_id=unit_id))
    db.session.flush()
    admitted = set(eligible_unit_ids(competition))
    outside = db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Entry.unit_id.not_in(admitted) if admitted else Entry.id.is_not(None),
        )
    )
    record(
        actor_id=actor.id,
        action="competition.eligibility",
        obj=competition,
        competition_id=competition.id,
        mode=rule.mode,
        kinds=sorted(rule.kinds),
        group=competition.eligibility_group,
        units=len(rule.unit_ids) if rule.mode == "list" else None,
        entries_outside=outside,
    )
    return outside or 0

"""Demo: a past competition taken all the way to its published award list."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from judging.accounts.models import Judge, User
from judging.anonymity.demo import settle_leaks
from judging.assignment.models import Assignment, AssignmentStatus
from judging.competitions import service as competitions
from judging.competitions.models import Competition, Criterion, Phase
from judging.competitions.rules import default_settings
from judging.extensions import db
from judging.originality.demo import plant_last_year
from judging.results import service
from judging.results.rules_service import AwardRules, set_award_rules
from judging.review.models import Review, ReviewStatus, Score
from judging.submissions.demo import seed_entries
from judging.submissions.models import Entry, EntryStatus

PUBLISHED_TITLE = "2025 年“理论强基促发展 我为产改作贡献”主题征文"
# Last year's awards: 理论研究 and 调研报告 ranked apart (调研报告, the larger
# category, with its own counts), and the 优秀组织奖 for the top five units by
# points (一等奖 5, 二等奖 3, 三等奖 1), ties never split.
DEMO_RULES = AwardRules(
    by_category=True,
    category_tiers="调研报告：2，4，6",
    org_rule="points",
    org_min_entries=3,
    org_top=5,
    org_points="5,3,1",
    certificate_mode="entry",
)
COMMENTS = (
    "选题紧扣主题，调研扎实，建议进一步提炼对策。",
    "论证较充分，但理论部分略显单薄。",
    "数据翔实，结构清晰，写作规范。",
    "观点有新意，个别表述需斟酌。",
    "调研样本偏小，结论的推广性有限。",
)


def split_total(total: Decimal, criteria: Sequence[Criterion]) -> dict[int, Decimal]:
    """Points per criterion in proportion to its maximum, adding up to `total`."""
    top = sum(Decimal(c.max_points) for c in criteria)
    points: dict[int, Decimal] = {}
    left = total
    for c in criteria[:-1]:
        # Half points, as judges give them.
        share = (total * c.max_points / top * 2).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        ) / 2
        share = min(share, Decimal(c.max_points), left)
        points[c.id] = share
        left -= share
    points[criteria[-1].id] = left
    return points


def add_review(
    *,
    assignment: Assignment,
    total: Decimal,
    criteria: Sequence[Criterion],
    comment: str,
    now: datetime,
) -> Review:
    """A submitted review whose scores add up exactly to `total` (demo and tests)."""
    review = assignment.review or Review(assignment_id=assignment.id)
    db.session.add(review)
    review.scores.clear()
    db.session.flush()
    for criterion_id, points in split_total(total, criteria).items():
        review.scores.append(Score(criterion_id=criterion_id, points=points))
    review.total = total
    review.comment = comment
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = now
    db.session.flush()
    return review


def _assign(entries: list[Entry], judges: list[Judge], *, k: int) -> None:
    """Top every entry up to k active judges, least loaded first, no own unit."""
    load = {j.id: 0 for j in judges}
    existing = db.session.scalars(
        select(Assignment).where(Assignment.entry_id.in_([e.id for e in entries]))
    ).all()
    taken: dict[int, set[int]] = {}
    for a in existing:
        taken.setdefault(a.entry_id, set()).add(a.judge_id)
        load[a.judge_id] = load.get(a.judge_id, 0) + 1
    for entry in entries:
        mine = taken.setdefault(entry.id, set())
        free = [j for j in judges if j.id not in mine and j.unit_id != entry.unit_id]
        free.sort(key=lambda j: (load[j.id], j.id))
        for judge in free[: max(0, k - len(mine))]:
            db.session.add(Assignment(entry_id=entry.id, judge_id=judge.id))
            mine.add(judge.id)
            load[judge.id] += 1
    db.session.flush()


def build_published(*, admin: User, today: date) -> Competition:
    """Create the 2025 competition, score it, finalise (calibrated) and publish,
    with tiers per category and the 优秀组织奖 (`DEMO_RULES`).

    Idempotent: returns the existing competition when run again. Judges differ
    in severity (one harsh, one lenient, the rest in between), so the calibrated
    ranking differs from the plain mean. `today` is unused: the window is 2025.
    """
    existing = db.session.scalar(
        select(Competition).where(Competition.title == PUBLISHED_TITLE)
    )
    if existing is not None:
        return existing
    rng = random.Random(2025)
    c = competitions.create_competition(
        actor=admin,
        settings=default_settings(
            title=PUBLISHED_TITLE,
            opens_on=date(2025, 9, 1),
            closes_on=date(2025, 10, 31),
            max_entries=4,
        ),
        extras=competitions.Extras(
            theme="围绕产业工人队伍建设改革开展理论研究与调查研究。",
            code_prefix="ZW2025",
            issuer="重庆市教科文卫体工会",
            issued_on=date(2025, 12, 20),
        ),
    )
    set_award_rules(actor=admin, competition=c, rules=DEMO_RULES)
    competitions.advance_phase(actor=admin, competition=c, target=Phase.OPEN)
    db.session.flush()
    essays = seed_entries(
        competition=c, units=14, now=datetime(2025, 10, 15, 2, tzinfo=UTC), seed=2025
    )
    plant_last_year(competition=c, now=datetime(2025, 10, 16, 2, tzinfo=UTC))
    competitions.advance_phase(actor=admin, competition=c, target=Phase.CLOSED)
    settle_leaks(admin=admin, competition=c, essays=essays)
    entries = list(
        db.session.scalars(
            select(Entry)
            .where(Entry.competition_id == c.id, Entry.status == EntryStatus.SUBMITTED)
            .order_by(Entry.id)
        )
    )
    judges = list(db.session.scalars(select(Judge).order_by(Judge.id)))
    _assign(entries, judges, k=c.reviews_per_entry)
    competitions.advance_phase(actor=admin, competition=c, target=Phase.REVIEWING)
    _assign(entries, judges, k=c.reviews_per_entry)
    _score_all(c, entries, judges, rng=rng)
    # 初评 → 复评 with a shortlist, then 答辩 (judging.rounds.demo).
    from judging.rounds import demo as rounds_demo

    rounds_demo.second_round(admin=admin, competition=c)
    # The same seed: the same essays' quality and judges' severity in 复评.
    _score_all(c, entries, judges, rng=random.Random(2025))
    rounds_demo.combine_with_defense(admin=admin, competition=c, rng=rng)
    finalised_at = datetime(2025, 12, 10, 2, tzinfo=UTC)
    service.finalise(actor=admin, competition=c, method="calibrated", now=finalised_at)
    from judging.publication.service import publish_after_publicity

    publish_after_publicity(
        actor=admin,
        competition=c,
        started=datetime(2025, 12, 11, 2, tzinfo=UTC),
        now=datetime(2025, 12, 20, 2, tzinfo=UTC),
    )
    db.session.flush()
    return c


def _score_all(
    c: Competition, entries: list[Entry], judges: list[Judge], *, rng: random.Random
) -> None:
    # Severity in points: the first judge harsh, the second lenient.
    severity = {j.id: rng.uniform(-5, 5) for j in judges}
    if len(judges) >= 2:
        severity[judges[0].id], severity[judges[1].id] = -12.0, 10.0
    quality = {e.id: rng.gauss(72, 8) for e in entries}
    assignments = db.session.scalars(
        select(Assignment).where(
            Assignment.entry_id.in_(quality),
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    ).all()
    criteria = list(c.criteria)
    now = datetime(2025, 11, 20, 2, tzinfo=UTC)
    for a in assignments:
        if a.review is not None and a.review.status == ReviewStatus.SUBMITTED:
            continue
        raw = quality[a.entry_id] + severity.get(a.judge_id, 0) + rng.gauss(0, 3)
        total = Decimal(str(round(min(98.0, max(35.0, raw)) * 2) / 2))
        add_review(
            assignment=a,
            total=total,
            criteria=criteria,
            comment=rng.choice(COMMENTS),
            now=now,
        )

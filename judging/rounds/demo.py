"""Demo: last year's competition judged in two rounds (初评 → 复评) with 答辩.

Round 1 has been scored by `judging.results.demo`; here the top 40 % (by the
calibrated score, ties all in) go on to 复评, one more entry is added by the
organiser with a reason, a panel of senior judges reviews them afresh, and the
finalists' 答辩 scores are entered. The rounds combine as 初评 30 % + 复评 70 %,
with the 答辩 counting 20 % of the final score.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from judging.accounts.models import Judge, User
from judging.assignment.models import Assignment
from judging.competitions.models import Competition
from judging.extensions import db
from judging.rounds import service
from judging.submissions.models import Entry

SENIOR = 8  # the 复评 panel: the first judges ("senior experts")
DEFENSE_PANEL = ("专家甲", "专家乙", "专家丙")


def _assign_round(
    entries: list[Entry], judges: list[Judge], *, k: int, number: int
) -> None:
    """Up to k judges per entry who have not read it before, least loaded first."""
    read = {
        (a.judge_id, a.entry_id)
        for a in db.session.scalars(
            select(Assignment).where(Assignment.entry_id.in_([e.id for e in entries]))
        )
    }
    load = {j.id: 0 for j in judges}
    for entry in entries:
        free = [
            j
            for j in judges
            if (j.id, entry.id) not in read and j.unit_id != entry.unit_id
        ]
        free.sort(key=lambda j: (load[j.id], j.id))
        for judge in free[:k]:
            db.session.add(
                Assignment(entry_id=entry.id, judge_id=judge.id, round_no=number)
            )
            load[judge.id] += 1
    db.session.flush()


def second_round(*, admin: User, competition: Competition) -> None:
    """Shortlist 40 % of 初评 into 复评, add one by hand, assign the senior panel."""
    judges = list(db.session.scalars(select(Judge).order_by(Judge.id)))
    senior = judges[:SENIOR] if len(judges) > SENIOR else judges
    now = datetime(2025, 11, 22, 2, tzinfo=UTC)
    service.start_next_round(
        actor=admin,
        competition=competition,
        name="复评",
        reviews=2,
        deadline=datetime(2025, 12, 5, 16, tzinfo=UTC),
        judge_ids=[j.id for j in senior],
        now=now,
        top_share=40,
        method="calibrated",
    )
    left = service.addable(competition)
    if left:
        scores = service.round_scores(competition, 1, method="calibrated")
        best = max(left, key=lambda e: (scores.get(e.id, 0), -e.id))
        service.add_entry(
            actor=admin,
            competition=competition,
            entry=best,
            reason="评审组复议：选题有现实意义，增补进入复评。",
        )
    finalists = service.finalists(competition)
    _assign_round(finalists, senior, k=2, number=2)


def combine_with_defense(
    *, admin: User, competition: Competition, rng: random.Random
) -> None:
    """初评 30 % + 复评 70 %, and a 答辩 of three panel members counting 20 %."""
    service.set_combination(
        actor=admin,
        competition=competition,
        mode="weighted",
        weights={1: "30", 2: "70"},
        defense_weight="20",
        defense_max="100",
    )
    now = datetime(2025, 12, 8, 2, tzinfo=UTC)
    for entry in service.finalists(competition):
        base = rng.uniform(70, 92)
        marks = [
            (member, str(Decimal(str(round(base + rng.uniform(-4, 4))))))
            for member in DEFENSE_PANEL
        ]
        service.save_defense(
            actor=admin, competition=competition, entry=entry, marks=marks, now=now
        )

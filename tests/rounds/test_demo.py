"""Last year's demo competition: two rounds with a shortlist, and 答辩."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from judging.accounts.models import Role
from judging.extensions import db
from judging.results.models import Result
from judging.rounds import service as rounds
from judging.rounds.models import DefenseScore


def test_demo_has_two_rounds_a_shortlist_and_defense(app, make_user):
    from judging.results.demo import build_published

    for _ in range(3):
        make_user(Role.UNIT)
    for _ in range(5):
        make_user(Role.JUDGE)
    organiser = make_user(Role.ORGANISER)

    c = build_published(admin=organiser, today=date(2026, 1, 1))

    info = rounds.rounds(c)
    assert [(r.number, r.name) for r in info] == [(1, "初评"), (2, "复评")]
    assert info[1].shortlist_rule.startswith("全部作品中取前 40%")
    members = rounds.current_members(c)
    assert [m.source for _e, m in members].count("added") == 1
    finalists = {e.id for e, _m in members}
    results = db.session.scalars(select(Result).where(Result.competition_id == c.id))
    by_entry = {r.entry_id: r for r in results}
    awarded = {i for i, r in by_entry.items() if r.tier_name}
    assert awarded and awarded <= finalists
    worst_finalist = max(by_entry[i].rank for i in finalists)
    others = [r.rank for i, r in by_entry.items() if i not in finalists]
    assert others and min(others) > worst_finalist
    defended = set(db.session.scalars(select(DefenseScore.entry_id)))
    assert defended == finalists
    assert (c.round_mode, int(c.defense_weight)) == ("weighted", 20)

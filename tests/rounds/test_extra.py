"""The extra-reviews planner in a competition judged in rounds: it plans on the
current round's reviews and entries only, and what it sends is of that round."""

from __future__ import annotations

from sqlalchemy import select

from judging.assignment import service as assignment
from judging.assignment.models import Assignment
from judging.extensions import db
from judging.results import extra
from judging.rounds import service as rounds
from tests.conftest import login
from tests.rounds.test_service import (  # noqa: F401
    NOW,
    _score_round_two,
    _start,
    first_round,
)


def test_planner_plans_and_sends_within_the_current_round(app, first_round):  # noqa: F811
    s, senior = first_round
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    _score_round_two(s, {0: [60, 62], 1: [90, 88], 2: [75, 77]})
    finalists = {e.id for e in s.entries[:3]}

    plan = extra.plan(s.competition, share=20, rounds=1)
    assert plan.n_entries == 3  # 复评's three, not the five of 初评
    assert plan.items and {i.entry.id for i in plan.items} <= finalists
    # the round's own scores (复评), not a mixture with 初评
    assert {i.n_reviews for i in plan.items} == {2}

    before = set(db.session.scalars(select(Assignment.id)))
    sent, refused = extra.send_round(
        actor=s.organiser, competition=s.competition, share=20, rounds=1, now=NOW
    )
    db.session.commit()
    assert sent and not refused
    added = db.session.scalars(
        select(Assignment).where(Assignment.id.not_in(before))
    ).all()
    assert added and {a.round_no for a in added} == {2}
    assert {a.entry_id for a in added} <= finalists
    assert {a.judge_id for a in added} <= {j.id for j in senior}
    # an entry waiting for its extra review is not planned again in this round
    again = extra.plan(s.competition, share=20, rounds=1)
    assert not {i.entry.id for i in again.items} & {a.entry_id for a in added}
    assert again.waiting == len(added)

    client = app.test_client()
    login(client, s.organiser)
    page = client.get(f"/competitions/{s.competition.id}/results/extra-reviews")
    assert "当前为第 2 轮" in page.get_data(as_text=True)
    assert rounds.current_round(s.competition) == 2


def test_round_one_waiting_reviews_do_not_hold_back_round_two(first_round):  # noqa: F811
    s, senior = first_round
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()
    # nothing of 复评 is in yet: no plan, and 初评's entries are not offered
    plan = extra.plan(s.competition, share=20, rounds=1)
    assert plan.items == () and plan.n_entries == 0

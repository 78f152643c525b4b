"""查重 through the services: duplicates found on upload data, earlier years
compared, decisions recorded with reasons, exclusion taking an entry out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.competitions import service as competitions
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.originality import service
from judging.originality.models import EntryText, PairStatus, SimilarPair
from judging.results.models import AwardOverride
from judging.submissions import service as submissions
from judging.submissions.demo import essay_docx
from tests.originality.conftest import body


def test_the_same_essay_from_two_units_is_a_pair(make_competition, make_unit, submit):
    c = make_competition(phase=Phase.OPEN)
    same = essay_docx("同一篇论文", body(1))  # byte-identical files
    first = submit(c, make_unit(), same, "同一篇论文")
    second = submit(c, make_unit(), same, "同一篇论文")
    assert first.file_id == second.file_id
    submit(c, make_unit(), body(2), "丙")

    result = service.check_competition(competition=c, now=utcnow())

    pairs = service.pairs_of(c)
    assert (result.pairs, len(pairs)) == (1, 1)
    assert {pairs[0].entry_a_id, pairs[0].entry_b_id} == {first.id, second.id}
    assert (pairs[0].kind, pairs[0].status, pairs[0].overlap) == (
        "same_text",
        PairStatus.OPEN,
        1,
    )
    assert service.overlap_by_entry(c) == {first.id: 1, second.id: 1}


def test_an_essay_from_last_year_is_found_and_flagged_for_its_unit(
    make_competition, make_unit, submit
):
    last = make_competition(phase=Phase.OPEN, title="去年征文")
    text = body(3)
    old = submit(last, make_unit(), text, "去年的论文")
    last.opens_at -= timedelta(days=365)  # it ran a year ago
    last.closes_at -= timedelta(days=365)
    last.phase = Phase.PUBLISHED
    db.session.commit()
    this = make_competition(phase=Phase.OPEN, title="今年征文")
    unit = make_unit()
    new = submit(this, unit, text[:6] + body(4, 4), "今年的论文")
    clean = submit(this, unit, body(5), "原创论文")

    service.check_competition(competition=this, now=utcnow())

    [pair] = service.pairs_of(this)
    assert (pair.entry_a_id, pair.entry_b_id, pair.kind) == (
        old.id,
        new.id,
        "shared_passages",
    )
    assert 0.55 <= pair.share_b <= 0.65  # six of its ten paragraphs
    assert service.earlier_year_flags([new, clean]) == {new.id}
    # last year's competition is not compared with a later one
    assert service.check_competition(competition=last, now=utcnow()).pairs == 0


def test_passages_are_marked_on_both_sides(make_competition, make_unit, submit):
    c = make_competition(phase=Phase.OPEN)
    shared = body(6, 4)
    submit(c, make_unit(), body(7, 4) + shared, "甲")
    submit(c, make_unit(), shared + body(8, 4), "乙")
    service.check_competition(competition=c, now=utcnow())
    [pair] = service.pairs_of(c)

    a, b = service.sides(pair)

    def letters(text: str) -> str:
        return text.replace("\n", "").replace("。", "")

    for side in (a, b):
        marked = "".join(text for text, mark in side.runs if mark)
        assert letters("".join(shared)) == letters(marked)
        assert (
            "".join(text for text, _ in side.runs)
            == service.db.session.get(EntryText, side.entry.id).text
        )


def test_settling_needs_a_reason_and_is_audited(
    make_competition, make_unit, make_user, submit
):
    c = make_competition(phase=Phase.OPEN)
    text = body(9)
    submit(c, make_unit(), text, "甲")
    submit(c, make_unit(), text, "乙")
    service.check_competition(competition=c, now=utcnow())
    [pair] = service.pairs_of(c)
    organiser = make_user(Role.ORGANISER)

    with pytest.raises(service.OriginalityError, match="至少 4 个字"):
        service.settle(
            actor=organiser,
            pair=pair,
            decision="cleared",
            reason="无",
            exclude_entry_id=None,
            now=utcnow(),
        )
    service.settle(
        actor=organiser,
        pair=pair,
        decision="asked",
        reason="请两校说明写作过程。",
        exclude_entry_id=None,
        now=utcnow(),
    )
    db.session.commit()

    assert (pair.status, pair.reason, pair.settled_by_id) == (
        PairStatus.ASKED,
        "请两校说明写作过程。",
        organiser.id,
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "originality.settle")
    )
    assert (event.actor_id, event.object_id) == (organiser.id, pair.id)


def test_excluded_entry_cannot_win_and_open_pairs_block_finalising(
    make_competition, make_unit, make_user, submit
):
    c = make_competition(phase=Phase.OPEN)
    text = body(10)
    copy = submit(c, make_unit(), text, "甲")
    submit(c, make_unit(), text, "乙")
    service.check_competition(competition=c, now=utcnow())
    [pair] = service.pairs_of(c)
    organiser = make_user(Role.ORGANISER)
    c.phase = Phase.REVIEWING
    db.session.commit()

    blocked = competitions.transition_problems(c, Phase.FINALISED)
    assert "还有 1 对疑似重复的作品未处理（查重），请先处理。" in blocked

    with pytest.raises(service.OriginalityError, match="请选择要取消资格的作品"):
        service.settle(
            actor=organiser,
            pair=pair,
            decision="excluded",
            reason="与乙校作品完全相同。",
            exclude_entry_id=None,
            now=utcnow(),
        )
    service.settle(
        actor=organiser,
        pair=pair,
        decision="excluded",
        reason="与乙校作品完全相同。",
        exclude_entry_id=copy.id,
        now=utcnow(),
    )
    db.session.commit()

    override = db.session.scalar(
        select(AwardOverride).where(AwardOverride.entry_id == copy.id)
    )
    assert (override.is_excluded, override.reason) == (
        True,
        "查重：与乙校作品完全相同。",
    )
    assert "还有 1 对疑似重复的作品未处理（查重），请先处理。" not in (
        competitions.transition_problems(c, Phase.FINALISED)
    )


def test_a_replaced_file_clears_its_open_pair(make_competition, make_unit, submit):
    c = make_competition(phase=Phase.OPEN)
    text = body(11)
    submit(c, make_unit(), text, "甲")
    second = submit(c, make_unit(), text, "乙")
    service.check_competition(competition=c, now=utcnow())
    assert len(service.pairs_of(c)) == 1

    submissions.update_entry(
        actor=second.unit.users[0],
        entry=second,
        data=submissions.EntryInput(
            title="乙",
            category="理论研究",
            authors=(submissions.AuthorInput(name="作者", department="工会"),),
        ),
        upload=submissions.Upload(data=essay_docx("乙", body(12)), filename="新.docx"),
        now=utcnow(),
    )
    service.forget_text(second)
    service.check_entries(competition=c, entries=[second], now=utcnow())

    assert db.session.scalars(select(SimilarPair)).all() == []

"""Results service: live tables, overrides, the finalise guard, frozen results."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.competitions.models import Phase
from judging.competitions.service import advance_phase
from judging.extensions import db
from judging.publication.service import publish_after_publicity
from judging.results import computed, service
from judging.results.models import AwardOverride, Result

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)


def _codes(table):  # noqa: ANN001, ANN202
    return [r.entry.code for r in table.rows]


def test_live_table_mean_punishes_harsh_judge(build_scored):
    s = build_scored()

    table = service.live_table(s.competition, method="mean")

    assert _codes(table)[0] == "ZW-004"
    assert [r.rank for r in table.rows] == [1, 2, 3, 4, 5, 6]
    row = table.rows[0]
    assert (round(row.score, 2), row.n_reviews, row.tier) == (80.5, 2, "一等奖")
    assert sorted(row.scores) == sorted(service.METHOD_LABELS)


def test_live_table_calibrated_levels_harsh_judge(build_scored):
    s = build_scored()

    table = service.live_table(s.competition, method="calibrated")

    by_code = {r.entry.code: r for r in table.rows}
    assert abs(by_code["ZW-001"].score - by_code["ZW-004"].score) < 1
    assert by_code["ZW-001"].scores["mean"] == 73.0
    assert by_code["ZW-001"].calibrated == (
        by_code["ZW-001"].low,
        by_code["ZW-001"].high,
    )


def test_live_table_reports_rounding_notes(build_scored):
    s = build_scored()

    table = service.live_table(s.competition, method="mean")

    assert "一等奖按 10% × 6 = 0.6，取整为 1 名" in table.notes
    assert [(t.name, t.actual) for t in table.tier_counts] == [
        ("一等奖", 1),
        ("二等奖", 1),
        ("三等奖", 2),
    ]


def test_finalise_refused_while_reviews_missing(build_scored):
    s = build_scored(pending=frozenset({(0, 0), (3, 2)}))

    with pytest.raises(service.ResultsError) as caught:
        service.finalise(
            actor=s.organiser, competition=s.competition, method="mean", now=NOW
        )

    assert "还有 2 份评审未提交" in str(caught.value)
    db.session.rollback()
    assert s.competition.phase == Phase.REVIEWING
    assert db.session.scalar(select(func.count(Result.id))) == 0


def test_finalise_writes_frozen_results(build_scored):
    s = build_scored()

    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    db.session.commit()

    rows = db.session.scalars(select(Result).order_by(Result.rank)).all()
    assert [
        (r.entry.code, r.score, r.rank, r.tier_name, r.tier_position) for r in rows
    ] == [
        ("ZW-004", Decimal("80.50"), 1, "一等奖", 1),
        ("ZW-001", Decimal("73.00"), 2, "二等奖", 2),
        ("ZW-005", Decimal("69.00"), 3, "三等奖", 3),
        ("ZW-002", Decimal("62.50"), 4, "三等奖", 3),
        ("ZW-006", Decimal("60.50"), 5, None, None),
        ("ZW-003", Decimal("52.00"), 6, None, None),
    ]
    assert {r.method for r in rows} == {"mean"}
    c = s.competition
    assert (c.phase, c.ranking_method, c.finalised_at) == (Phase.FINALISED, "mean", NOW)


def test_frozen_results_not_recomputed(build_scored):
    s = build_scored()
    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    db.session.commit()
    s.assignments[(2, 0)].review.total = Decimal("100")
    db.session.commit()

    table = service.results_table(s.competition, method="median")

    assert table.is_frozen is True
    assert table.method == "mean"
    assert _codes(table)[-1] == "ZW-003"
    assert table.rows[-1].score == 52.0
    assert "一等奖按 10% × 6 = 0.6，取整为 1 名" in table.notes


def test_override_requires_reason(build_scored):
    s = build_scored()

    with pytest.raises(service.ResultsError) as caught:
        service.set_override(
            actor=s.organiser,
            competition=s.competition,
            entry=s.entries[2],
            tier="一等奖",
            exclude=False,
            reason="  ",
            now=NOW,
        )

    assert str(caught.value) == "调整奖项或取消资格必须填写理由。"
    assert db.session.scalar(select(func.count(AwardOverride.id))) == 0


def test_override_moves_and_excludes_and_is_marked(build_scored):
    s = build_scored()
    service.set_override(
        actor=s.organiser,
        competition=s.competition,
        entry=s.entries[2],
        tier="一等奖",
        exclude=False,
        reason="专家复议认为创新突出",
        now=NOW,
    )
    service.set_override(
        actor=s.organiser,
        competition=s.competition,
        entry=s.entries[3],
        tier=None,
        exclude=True,
        reason="查重发现抄袭",
        now=NOW,
    )
    db.session.commit()

    table = service.live_table(s.competition, method="mean")

    moved = next(r for r in table.rows if r.entry.code == "ZW-003")
    out = table.rows[-1]
    assert (
        moved.tier,
        moved.model_tier,
        moved.is_overridden,
        moved.override_reason,
    ) == ("一等奖", "未获奖", True, "专家复议认为创新突出")
    assert (out.entry.code, out.is_excluded, out.rank, out.override_reason) == (
        "ZW-004",
        True,
        None,
        "查重发现抄袭",
    )
    assert table.rows[0].entry.code == "ZW-001"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "results.override")
    ).all()
    assert actions == ["results.override", "results.override"]


def test_override_survives_into_frozen_results(build_scored):
    s = build_scored()
    service.set_override(
        actor=s.organiser,
        competition=s.competition,
        entry=s.entries[3],
        tier=None,
        exclude=True,
        reason="查重发现抄袭",
        now=NOW,
    )
    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    db.session.commit()

    result = db.session.scalar(select(Result).where(Result.entry_id == s.entries[3].id))

    assert (
        result.is_excluded,
        result.tier_name,
        result.rank,
        result.override_reason,
    ) == (True, None, None, "查重发现抄袭")


def test_override_refused_after_finalising(build_scored):
    s = build_scored()
    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )

    with pytest.raises(service.ResultsError):
        service.set_override(
            actor=s.organiser,
            competition=s.competition,
            entry=s.entries[0],
            tier="一等奖",
            exclude=False,
            reason="理由",
            now=NOW,
        )


def test_clear_override_restores_model_tier(build_scored):
    s = build_scored()
    service.set_override(
        actor=s.organiser,
        competition=s.competition,
        entry=s.entries[2],
        tier="一等奖",
        exclude=False,
        reason="复议",
        now=NOW,
    )

    service.clear_override(
        actor=s.organiser, competition=s.competition, entry=s.entries[2]
    )

    row = service.live_table(s.competition, method="mean").rows[-1]
    assert (row.entry.code, row.tier, row.is_overridden) == ("ZW-003", "未获奖", False)


def test_phase_machine_finalises_with_calibrated_by_default(build_scored):
    s = build_scored()

    advance_phase(actor=s.organiser, competition=s.competition, target=Phase.FINALISED)

    assert s.competition.ranking_method == "calibrated"
    assert s.competition.finalised_at is not None
    assert db.session.scalar(select(func.count(Result.id))) == 6


def test_publish_sets_published_at_and_lists(build_scored):
    s = build_scored()
    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    assert service.public_rows(s.competition) == []

    publish_after_publicity(
        actor=s.organiser,
        competition=s.competition,
        started=NOW - timedelta(days=10),
        now=NOW,
    )

    assert (s.competition.phase, s.competition.published_at) == (Phase.PUBLISHED, NOW)
    rows = service.public_rows(s.competition)
    assert [(r.tier, r.entry.code) for r in rows] == [
        ("一等奖", "ZW-004"),
        ("二等奖", "ZW-001"),
        ("三等奖", "ZW-005"),
        ("三等奖", "ZW-002"),
    ]
    own = service.unit_rows(s.competition, unit_id=s.units[0].id)
    assert [(r.entry.code, r.is_awarded) for r in own] == [
        ("ZW-001", True),
        ("ZW-005", True),
        ("ZW-003", False),
    ]


def test_publish_refused_before_finalising(build_scored):
    s = build_scored()

    with pytest.raises(service.ResultsError):
        service.publish(actor=s.organiser, competition=s.competition, now=NOW)


def test_reliability_finds_the_harsh_judge(build_scored):
    s = build_scored()
    computed.compute_and_store(s.competition)

    stats = service.reliability(s.competition)

    assert stats.judges[0][0].id == s.judges[0].id
    assert stats.judges[0][1].severity < -5
    assert stats.n_reviews == 12
    assert sum(b.count for b in stats.histogram) == 12
    assert 0 < stats.alpha < 1


def test_demo_builds_published_competition_once(app, make_user):
    from judging.results.demo import PUBLISHED_TITLE, build_published

    for _ in range(2):
        make_user(Role.UNIT)
    for _ in range(4):
        make_user(Role.JUDGE)
    organiser = make_user(Role.ORGANISER)

    first = build_published(admin=organiser, today=date(2026, 1, 1))
    again = build_published(admin=organiser, today=date(2026, 1, 1))

    assert (first.title, first.phase, first.ranking_method) == (
        PUBLISHED_TITLE,
        Phase.PUBLISHED,
        "calibrated",
    )
    assert again.id == first.id
    results = db.session.scalars(
        select(Result).where(Result.competition_id == first.id)
    )
    assert len(results.all()) == len(service.submitted_entries(first)) > 0
    assert service.missing_reviews(first) == 0


def test_live_table_warnings_name_the_judge(build_scored):
    # Judge C gives 70 to every entry he reviews: uninformative, named.
    totals = [
        [65, 81, 70],
        [56, 69, 70],
        [44, 60, 70],
        [70, 81, 70],
        [62, 69, 70],
        [50, 60, 70],
    ]
    s = build_scored(totals)

    table = service.live_table(s.competition, method="zscore")

    name = s.judges[2].name
    assert [w for w in table.warnings if "几乎相同" in w] == [
        f"评审专家 {name} 的 6 个总分几乎相同（70–70 分），无法区分作品优劣；"
        "标准分与校准已不计其评分。请与这位评审专家核实，必要时请其他专家补评。"
    ]


def test_demo_published_competition_has_category_tiers_and_unit_awards(
    app, make_user
):
    from judging.results.demo import build_published
    from judging.results.models import OrganisationAward

    for _ in range(8):
        make_user(Role.UNIT)
    for _ in range(4):
        make_user(Role.JUDGE)
    organiser = make_user(Role.ORGANISER)

    c = build_published(admin=organiser, today=date(2026, 1, 1))

    results = db.session.scalars(
        select(Result).where(Result.competition_id == c.id)
    ).all()
    awarded = [r for r in results if r.tier_name]
    firsts = {r.category for r in awarded if r.tier_name == "一等奖"}
    research = sum(r.category == "调研报告" for r in awarded if r.tier_name == "一等奖")
    units = db.session.scalars(
        select(OrganisationAward).where(
            OrganisationAward.competition_id == c.id,
            OrganisationAward.is_awarded.is_(True),
        )
    ).all()
    assert c.award_by_category is True
    assert firsts == {"理论研究", "调研报告"}
    assert research >= 2  # 调研报告 has its own counts: 2, 4, 6 (ties go up)
    assert 1 <= len(units) <= 8
    assert min(u.points for u in units) > 0

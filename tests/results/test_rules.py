"""The award rules page: tiers per category, the 优秀组织奖 and its overrides."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from judging.audit.models import AuditEvent
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication.service import publish_after_publicity
from judging.results.models import OrganisationAward, Result
from tests.conftest import csrf_token, login


def _client(app, s):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, s.organiser)
    return client


def _rules_url(s) -> str:  # noqa: ANN001
    return f"/competitions/{s.competition.id}/results/rules"


def _save_rules(client, s, **fields):  # noqa: ANN001, ANN003, ANN202
    data = {
        "csrf_token": csrf_token(client, _rules_url(s)),
        "org_rule": "",
        "org_min_entries": "3",
        "org_top": "10",
        "org_points": "5,3,1",
        "certificate_mode": "entry",
        "category_tiers": "",
    }
    data.update(fields)
    return client.post(_rules_url(s), data=data, follow_redirects=True)


def _two_categories(s) -> None:  # noqa: ANN001
    """Entries 4–6 (ZW-004…ZW-006) become 调研报告."""
    for entry in s.entries[3:]:
        entry.category = "调研报告"
    db.session.commit()


def _finalise(client, s) -> None:  # noqa: ANN001
    url = f"/competitions/{s.competition.id}/results"
    token = csrf_token(client, url)
    client.post(f"{url}/finalise", data={"csrf_token": token, "method": "mean"})
    db.session.rollback()


def _publish(s) -> None:  # noqa: ANN001
    publish_after_publicity(
        actor=s.organiser,
        competition=s.competition,
        started=utcnow() - timedelta(days=10),
        now=utcnow(),
    )
    db.session.commit()


def test_rules_by_category_rank_each_category_apart(app, build_scored):
    s = build_scored()
    _two_categories(s)
    client = _client(app, s)

    html = _save_rules(client, s, by_category="y").get_data(as_text=True)
    results = client.get(f"/competitions/{s.competition.id}/results?method=mean")
    text = results.get_data(as_text=True)

    assert "评奖规则已保存。" in html
    assert s.competition.award_by_category is True
    # mean: 理论研究 ZW-001 73, ZW-002 62.5, ZW-003 52; 调研报告 ZW-004 80.5 …
    assert "理论研究 · 一等奖：1 名" in text
    assert "调研报告 · 一等奖：1 名" in text
    codes = re.findall(r">(ZW-\d{3})</a></td>", text)
    assert codes == ["ZW-001", "ZW-002", "ZW-003", "ZW-004", "ZW-005", "ZW-006"]


def test_rules_by_category_freeze_lists_and_publish_the_category(app, build_scored):
    s = build_scored()
    _two_categories(s)
    client = _client(app, s)
    _save_rules(client, s, by_category="y", category_tiers="调研报告：1，0，0")

    _finalise(client, s)
    frozen = {
        r.entry.code: (r.category, r.tier_name, r.rank)
        for r in db.session.scalars(select(Result))
    }
    book = load_workbook(
        io.BytesIO(client.get(f"/competitions/{s.competition.id}/awards.xlsx").data)
    )
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    _publish(s)
    public = app.test_client().get(f"/awards/{s.competition.id}").get_data(as_text=True)
    pdf = client.get(f"/competitions/{s.competition.id}/awards.pdf").data
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)

    assert frozen["ZW-001"] == ("理论研究", "一等奖", 1)
    assert frozen["ZW-004"] == ("调研报告", "一等奖", 1)
    assert frozen["ZW-005"] == ("调研报告", None, 2)  # 调研报告 has 1 place only
    assert [(r[0], r[2], r[4]) for r in rows[1:]] == [
        ("理论研究 · 一等奖", "ZW-001", "理论研究"),
        ("理论研究 · 二等奖", "ZW-002", "理论研究"),
        ("理论研究 · 三等奖", "ZW-003", "理论研究"),
        ("调研报告 · 一等奖", "ZW-004", "调研报告"),
    ]
    assert "理论研究 · 一等奖（1 篇）" in public
    assert "<th>类别</th>" in public
    assert "调研报告 · 一等奖" in pdf_text


def test_rules_bad_category_tiers_change_nothing(app, build_scored):
    s = build_scored()
    client = _client(app, s)

    html = _save_rules(
        client, s, by_category="y", category_tiers="文学创作：1，2，3"
    ).get_data(as_text=True)

    db.session.refresh(s.competition)
    assert "类别“文学创作”不是本竞赛的类别" in html
    assert s.competition.award_by_category is False
    assert s.competition.category_tiers == ""


def test_rules_by_category_fixed_once_finalised(app, build_scored):
    s = build_scored()
    client = _client(app, s)
    _finalise(client, s)

    html = _save_rules(client, s, by_category="y").get_data(as_text=True)

    db.session.refresh(s.competition)
    assert s.competition.phase == Phase.FINALISED
    assert "结果已定稿，不能再改变分类评奖方式与名额。" in html
    assert s.competition.award_by_category is False


def test_rules_saved_are_audited(app, build_scored):
    s = build_scored()
    client = _client(app, s)

    _save_rules(client, s, org_rule="threshold", org_min_entries="2")

    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "results.rules")
    )
    assert event is not None and '"org_rule": "threshold"' in event.detail


def test_organisation_awards_computed_on_freeze_and_overridden(app, build_scored):
    s = build_scored()  # two units, three entries each
    client = _client(app, s)
    _save_rules(client, s, org_rule="points", org_top="1", org_points="5,3,1")

    _finalise(client, s)
    before = {
        a.unit.name: (a.points, a.is_awarded)
        for a in db.session.scalars(select(OrganisationAward))
    }
    token = csrf_token(client, _rules_url(s))
    loser = next(name for name, (_p, won) in before.items() if not won)
    loser_id = next(u.id for u in s.units if u.name == loser)
    refused = client.post(
        f"{_rules_url(s).rsplit('/', 1)[0]}/organisation-overrides",
        data={"csrf_token": token, "unit_id": loser_id, "target": "1", "reason": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    client.post(
        f"{_rules_url(s).rsplit('/', 1)[0]}/organisation-overrides",
        data={
            "csrf_token": token,
            "unit_id": loser_id,
            "target": "1",
            "reason": "组织发动面广",
        },
    )
    after = {
        a.unit.name: (a.is_awarded, a.model_awarded, a.override_reason)
        for a in db.session.scalars(select(OrganisationAward))
    }
    page = client.get(_rules_url(s)).get_data(as_text=True)

    # mean, tiers 1/1/2: unit 0 holds ZW-001 二等奖 and ZW-005 三等奖 (3 + 1),
    # unit 1 ZW-004 一等奖 and ZW-002 三等奖 (5 + 1)
    assert sorted(p for p, _won in before.values()) == [4, 6]
    assert sum(won for _p, won in before.values()) == 1
    assert "调整优秀组织奖必须填写理由。" in refused
    assert after[loser] == (True, False, "组织发动面广")
    assert "组织发动面广" in page
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "results.organisation_override")
    )


def test_organisation_awards_listed_in_award_lists_and_public_list(app, build_scored):
    s = build_scored()
    client = _client(app, s)
    _save_rules(client, s, org_rule="threshold", org_min_entries="3")

    _finalise(client, s)
    book = load_workbook(
        io.BytesIO(client.get(f"/competitions/{s.competition.id}/awards.xlsx").data)
    )
    units = [list(r) for r in book["优秀组织奖"].iter_rows(values_only=True)]
    _publish(s)
    public = app.test_client().get(f"/awards/{s.competition.id}").get_data(as_text=True)
    pdf = client.get(f"/competitions/{s.competition.id}/awards.pdf").data
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)

    names = sorted(u.name for u in s.units)
    assert units[0] == ["名次", "单位", "参评作品", "获奖作品", "积分", "备注"]
    assert sorted(r[1] for r in units[1:]) == names  # 3 entries and an award each
    assert "优秀组织奖（2 个单位）" in public
    assert all(name in public for name in names)
    assert "优秀组织奖（2 个单位）" in pdf_text


def test_no_organisation_award_without_a_rule(app, build_scored):
    s = build_scored()
    client = _client(app, s)

    _finalise(client, s)
    book = load_workbook(
        io.BytesIO(client.get(f"/competitions/{s.competition.id}/awards.xlsx").data)
    )

    assert book.sheetnames == ["获奖名单"]
    assert db.session.scalars(select(OrganisationAward)).all() == []


def test_organisation_override_refused_before_finalised(app, build_scored):
    s = build_scored()
    client = _client(app, s)
    _save_rules(client, s, org_rule="threshold")
    token = csrf_token(client, _rules_url(s))

    client.post(
        f"/competitions/{s.competition.id}/results/organisation-overrides",
        data={
            "csrf_token": token,
            "unit_id": s.units[0].id,
            "target": "1",
            "reason": "组织得力",
        },
    )

    assert db.session.scalars(select(OrganisationAward)).all() == []


def test_extra_reviews_use_the_cuts_of_each_category(app, build_scored):
    from judging.results import extra
    from judging.results.awards import parse_shares, plan_counts, plan_extra_reviews
    from judging.results.computed import load_inputs

    s = build_scored()
    _two_categories(s)
    client = _client(app, s)
    _save_rules(client, s, by_category="y")

    planned = extra.plan(s.competition, share=20, rounds=1)
    inputs = load_inputs(s.competition)
    scored = extra._nearest_cuts(s.competition, inputs, _calibrated(s, inputs))

    by_group = []
    for codes in (("ZW-001", "ZW-002", "ZW-003"), ("ZW-004", "ZW-005", "ZW-006")):
        group = tuple(e for e in _calibrated(s, inputs) if e.entry_id in codes)
        sizes, _ = plan_counts(scheme=parse_shares("10,20,30"), n_ranked=3)
        by_group += plan_extra_reviews(group, sizes=sizes, budget=3)
    assert planned.n_entries == 6
    assert sorted(p.entry_id for p in scored) == sorted(p.entry_id for p in by_group)
    assert [p.entry_id for p in scored] == [
        p.entry_id for p in sorted(by_group, key=lambda p: (p.distance, p.entry_id))
    ]


def _calibrated(s, inputs):  # noqa: ANN001, ANN202
    from judging.results import aggregate as agg

    items = [
        agg.Review(entry_id=inputs.keys[e], judge_id=j, total=t)
        for _i, e, j, t in inputs.reviews
    ]
    return agg.aggregate(items, method="calibrated", max_total=100.0).entries


def test_publicity_page_lists_the_organisation_awards(app, build_scored):
    from datetime import date

    from judging.publication.service import PublicitySettings, start_publicity

    s = build_scored()
    client = _client(app, s)
    _save_rules(client, s, org_rule="threshold", org_min_entries="3")
    _finalise(client, s)
    today = date.today()
    start_publicity(
        actor=s.organiser,
        competition=s.competition,
        settings=PublicitySettings(
            starts_on=today,
            ends_on=today + timedelta(days=6),
            fields=("title", "unit", "tier", "category"),
        ),
        now=utcnow(),
    )
    db.session.commit()

    html = app.test_client().get(f"/publicity/{s.competition.id}")
    text = html.get_data(as_text=True)

    assert html.status_code == 200
    assert "优秀组织奖（2 个单位）" in text
    assert "<th>类别</th>" in text and "<td>理论研究</td>" in text


def test_results_message_names_category_and_organisation_award(
    app, build_scored, make_user
):
    from judging.accounts.models import Role
    from judging.messages.models import Message

    s = build_scored()
    _two_categories(s)
    contacts = [make_user(Role.UNIT, unit=unit) for unit in s.units]
    client = _client(app, s)
    _save_rules(client, s, by_category="y", org_rule="threshold", org_min_entries="3")
    _finalise(client, s)

    _publish(s)

    bodies = {
        m.user_id: m.body
        for m in db.session.scalars(
            select(Message).where(Message.kind == "results_published")
        )
    }
    first = bodies[contacts[0].id]
    assert "《论文1》（理论研究）：一等奖" in first
    assert "本单位获优秀组织奖" in first

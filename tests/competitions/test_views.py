"""Creating and editing competitions, and the guarded phase machine."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from tests.conftest import csrf_token, login


def _form(token: str, **overrides) -> dict:
    data = {
        "csrf_token": token,
        "title": "年度工作总结征集",
        "code_prefix": "ZJ",
        "opens_on": "2026-09-01",
        "closes_on": "2026-10-17",
        "min_entries": "1",
        "max_entries": "3",
        "file_types": ["pdf"],
        "max_file_mb": "10",
        "reviews_per_entry": "3",
        "disagreement_threshold": "15",
        "criteria-0-name": "内容",
        "criteria-0-max_points": "60",
        "criteria-1-name": "规范",
        "criteria-1-max_points": "40",
        "tiers-0-name": "优秀",
        "tiers-0-amount": "5",
        "tiers-0-unit": "count",
    }
    data.update(overrides)
    return data


def test_create_competition_stores_settings(client, make_user):
    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/competitions/new")

    response = client.post("/competitions/new", data=_form(token))

    c = db.session.scalar(select(Competition))
    assert response.location == f"/competitions/{c.id}"
    assert (c.title, c.phase, c.max_entries, c.file_types, c.max_total) == (
        "年度工作总结征集",
        Phase.DRAFT,
        3,
        "pdf",
        100,
    )
    assert [(t.name, t.count, t.share_percent) for t in c.tiers] == [("优秀", 5, None)]
    assert c.closes_at.isoformat() == "2026-10-17T16:00:00+00:00"
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "competition.create"
            )
        )
        == 1
    )


def test_create_competition_invalid_changes_nothing(client, make_user):
    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/competitions/new")

    response = client.post(
        "/competitions/new",
        data=_form(token, closes_on="2026-08-01", **{"criteria-1-max_points": "0"}),
    )

    html = response.get_data(as_text=True)
    assert "截止日期不能早于开始日期。" in html
    assert "评分项“规范”的满分必须大于 0。" in html
    assert db.session.scalar(select(func.count(Competition.id))) == 0


def test_edit_form_round_trips(client, make_user, make_competition):
    organiser = make_user(Role.ORGANISER)
    c = make_competition(actor=organiser, phase=Phase.DRAFT)
    login(client, organiser)

    page = client.get(f"/competitions/{c.id}/edit").get_data(as_text=True)

    assert 'value="选题与政治方向"' in page
    assert 'value="测试征文"' in page


def test_two_competitions_coexist(make_competition):
    make_competition(title="征文")
    make_competition(title="工作总结", max_entries=3)

    assert db.session.scalar(select(func.count(Competition.id))) == 2


def test_phase_advances_one_step_with_audit(client, make_user, make_competition):
    organiser = make_user(Role.ORGANISER)
    c = make_competition(actor=organiser, phase=Phase.DRAFT)
    login(client, organiser)
    token = csrf_token(client, f"/competitions/{c.id}")

    client.post(
        f"/competitions/{c.id}/phase", data={"csrf_token": token, "target": "open"}
    )

    assert db.session.get(Competition, c.id).phase == Phase.OPEN
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "competition.phase")
    )
    assert '"after": "open"' in event.detail


def test_phase_cannot_skip(client, make_user, make_competition):
    organiser = make_user(Role.ORGANISER)
    c = make_competition(actor=organiser, phase=Phase.DRAFT)
    login(client, organiser)
    token = csrf_token(client, f"/competitions/{c.id}")

    response = client.post(
        f"/competitions/{c.id}/phase",
        data={"csrf_token": token, "target": "reviewing"},
        follow_redirects=True,
    )

    assert "不能直接进入“评审中”" in response.get_data(as_text=True)
    assert db.session.get(Competition, c.id).phase == Phase.DRAFT


def test_rubric_locked_once_scores_exist(app, make_user, make_competition):
    from judging.competitions import service
    from judging.competitions.forms import CompetitionForm  # noqa: F401
    from tests.competitions.scoring import add_score

    organiser = make_user(Role.ORGANISER)
    c = make_competition(actor=organiser)
    add_score(c, make_user)
    from dataclasses import replace

    from tests.competitions.test_rules import VALID

    changed = replace(VALID, criteria=VALID.criteria[:-1])
    try:
        service.update_competition(
            actor=organiser, competition=c, settings=changed, extras=service.Extras()
        )
    except service.CompetitionError as exc:
        errors = exc.errors
    else:
        errors = []
    db.session.rollback()

    assert "已有评分记录，评分细则不能再修改。" in errors
    assert len(db.session.get(Competition, c.id).criteria) == 5
    assert db.session.get(Competition, c.id).disagreement_threshold == Decimal("20")


def test_dashboard_shows_review_progress(client, make_user, make_competition):
    from tests.competitions.scoring import add_score

    organiser = make_user(Role.ORGANISER)
    c = make_competition(actor=organiser, title="进度竞赛")
    add_score(c, make_user)
    login(client, organiser)

    html = client.get("/competitions").get_data(as_text=True)

    assert "进度竞赛" in html
    assert 'value="0" max="1"' in html  # one assignment, its review still a draft


def test_settings_refuse_numbers_python_would_accept(client, make_user):
    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/competitions/new")
    lenient = {
        "max_entries": "1_0",
        "disagreement_threshold": "1e1",
        "criteria-0-max_points": "6_0",
        "tiers-0-amount": "NaN",
    }

    response = client.post("/competitions/new", data=_form(token, **lenient))

    html = response.get_data(as_text=True)
    assert "请填写整数，只用数字 0–9。" in html
    assert "请填写数字，只用数字 0–9 和小数点。" in html
    assert db.session.scalar(select(func.count(Competition.id))) == 0


def test_settings_read_full_width_digits(client, make_user):
    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/competitions/new")

    client.post("/competitions/new", data=_form(token, max_entries="４"))

    assert db.session.scalar(select(Competition.max_entries)) == 4


def test_collection_created_from_the_form_needs_no_rubric(client, make_user):
    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/competitions/new")
    data = _form(
        token,
        kind="collection",
        categories="",
        people="responsible",
        attachment_kinds=["photo", "video"],
        max_attachments="6",
        max_video_mb="100",
        max_entry_mb="300",
        required_fields=["abstract"],
    )
    for key in [k for k in data if k.startswith(("criteria-", "tiers-"))]:
        del data[key]

    response = client.post("/competitions/new", data=data, follow_redirects=True)

    c = db.session.scalar(select(Competition))
    assert "竞赛已创建。" in response.get_data(as_text=True)
    assert (c.kind, c.category_list, c.people, c.criteria, c.tiers) == (
        "collection", [], "responsible", [], [],
    )  # fmt: skip
    assert (c.attachment_kind_set, c.max_attachments, c.required_field_set) == (
        frozenset({"photo", "video"}),
        6,
        frozenset({"abstract"}),
    )
    page = client.get(f"/competitions/{c.id}").get_data(as_text=True)
    assert "已归档" in page and "评审中" not in page
    assert "评分细则" not in page


def test_kind_cannot_change_once_open(client, make_user, make_competition):
    organiser = make_user(Role.ORGANISER)
    c = make_competition(actor=organiser)
    login(client, organiser)
    token = csrf_token(client, f"/competitions/{c.id}/edit")

    response = client.post(
        f"/competitions/{c.id}/edit",
        data=_form(token, kind="collection"),
        follow_redirects=True,
    )

    assert "只能在草稿阶段修改" in response.get_data(as_text=True)
    db.session.refresh(c)
    assert c.kind == "competition"


def test_rubric_not_totalling_100_needs_confirmation(client, make_user):
    login(client, make_user(Role.ORGANISER))
    token = csrf_token(client, "/competitions/new")
    short = {"criteria-1-max_points": "30"}

    refused = client.post(
        "/competitions/new", data=_form(token, **short), follow_redirects=True
    ).get_data(as_text=True)
    count_after_refusal = db.session.scalar(select(func.count(Competition.id)))
    client.post("/competitions/new", data=_form(token, confirm_total="y", **short))

    assert "评分细则总分为 90 分，不是 100 分" in refused
    assert count_after_refusal == 0
    assert db.session.scalar(select(Competition.id)) is not None
    assert db.session.scalar(select(Competition)).max_total == 90


def test_unit_dashboard_shows_no_time_left_for_a_closed_call(
    unit_client, make_competition
):
    make_competition(phase=Phase.CLOSED, title="已截止的征集")

    html = unit_client.get("/unit").get_data(as_text=True)

    assert "已截止的征集" in html
    assert "剩余时间" not in html
    assert '<strong class="closed">已截止</strong>' in html

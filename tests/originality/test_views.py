"""The organiser's 查重 pages through HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.originality import service
from judging.originality.models import PairStatus
from judging.submissions.demo import essay_docx
from tests.conftest import csrf_token
from tests.originality.conftest import body


def _pair(make_competition, make_unit, submit):
    c = make_competition(phase=Phase.OPEN)
    same = essay_docx("同一篇论文", body(21))
    submit(c, make_unit(name="甲测试大学"), same, "同一篇论文")
    submit(c, make_unit(name="乙测试大学"), same, "同一篇论文")
    service.check_competition(competition=c, now=utcnow())
    db.session.commit()
    return c, service.pairs_of(c)[0]


def test_list_pair_page_and_overview_column(
    make_competition, make_unit, make_user, submit, login_as
):
    c, pair = _pair(make_competition, make_unit, submit)
    client = login_as(make_user(Role.ORGANISER))

    listing = client.get(f"/competitions/{c.id}/originality").get_data(as_text=True)
    page = client.get(f"/originality/{pair.id}").get_data(as_text=True)
    overview = client.get(f"/competitions/{c.id}/submissions").get_data(as_text=True)

    assert "100%" in listing and "文字相同" in listing and "甲测试大学" in listing
    assert page.count("<mark>") == 2  # one shared run on each side
    assert 'class="badge badge-high"' in overview and ">100%</a>" in overview


def test_settle_without_reason_changes_nothing(
    make_competition, make_unit, make_user, submit, login_as
):
    c, pair = _pair(make_competition, make_unit, submit)
    client = login_as(make_user(Role.ORGANISER))
    path = f"/originality/{pair.id}"

    refused = client.post(
        f"{path}/settle",
        data={"csrf_token": csrf_token(client, path), "decision": "cleared"},
        follow_redirects=True,
    )
    db.session.refresh(pair)
    assert "请写明处理理由。" in refused.get_data(as_text=True)
    assert pair.status == PairStatus.OPEN

    client.post(
        f"{path}/settle",
        data={
            "csrf_token": csrf_token(client, path),
            "decision": "cleared",
            "reason": "同一作者的两份报送，已核实",
        },
    )
    db.session.refresh(pair)
    assert (pair.status, pair.reason) == (
        PairStatus.CLEARED,
        "同一作者的两份报送，已核实",
    )


def test_recheck_button_runs_the_check(
    make_competition, make_unit, make_user, submit, login_as
):
    c, pair = _pair(make_competition, make_unit, submit)
    client = login_as(make_user(Role.ORGANISER))
    path = f"/competitions/{c.id}/originality"

    answer = client.post(
        f"{path}/check",
        data={"csrf_token": csrf_token(client, path)},
        follow_redirects=True,
    )

    # the job ran inline (JOBS_IMMEDIATE under TESTING) when the request committed
    assert "查重已在后台开始，完成后本页显示结果。" in answer.get_data(as_text=True)
    assert "上次查重：" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(type(pair))) == 1
    status = client.get(f"{path}/progress").get_json()
    assert (status["state"], status["download_url"]) == ("done", path)

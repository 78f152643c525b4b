"""Long lists and plain words in a real browser, at the size of a real call.

3,000 units (inserted in one statement) on the eligibility page: search, sort
by a column, a filter that survives paging, and one bulk action over the ticked
rows. Then the results of a scored competition read in plain words: the awards
in doubt, the judges' agreement as a sentence, and one entry's "why this score"
page with its judges by name.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, insert, select

from judging.accounts.models import Role, Unit
from judging.competitions.models import EligibleUnit
from judging.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_workflows import _scored_competition, watch

pytestmark = pytest.mark.e2e

UNITS = 3000


def _units(n: int) -> None:
    db.session.execute(
        insert(Unit),
        [
            {
                "name": f"重庆第{i:04d}医院" if i % 10 == 0 else f"重庆第{i:04d}研究院",
                "short_name": f"院{i}",
                "aliases": "",
                "kind": "医疗卫生机构" if i % 10 == 0 else "科研院所",
                "is_pilot": i % 7 == 0,
                "groups": "",
            }
            for i in range(1, n + 1)
        ],
    )
    db.session.commit()


def test_organiser_works_through_three_thousand_units(
    live_server, page, make_user, make_competition
):
    organiser = make_user(Role.ORGANISER)
    competition = make_competition(actor=organiser)
    _units(UNITS)
    problems = watch(page)
    log_in(page, live_server, organiser.username, PASSWORD)
    base = f"{live_server}/competitions/{competition.id}/eligibility"

    page.goto(base)
    expect(page.locator("section.card h2")).to_contain_text(f"({UNITS})")
    expect(page.locator("nav.pager")).to_contain_text("第 1 / 30 页")
    expect(page.locator("tbody tr")).to_have_count(100)

    page.fill("#list-q", "第0420")
    with page.expect_navigation():
        page.click("button:text-is('查找')")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("重庆第0420医院")

    page.click("a.button:text-is('清除')")
    with page.expect_navigation():
        page.click("th a.sort:has-text('单位')")
    with page.expect_navigation():
        page.click("th a.sort:has-text('单位')")  # again: reversed
    expect(page.locator("tbody tr").first).to_contain_text("重庆第3000医院")

    page.select_option("#list-kind", "医疗卫生机构")
    with page.expect_navigation():
        page.click("button:text-is('查找')")
    expect(page.locator("nav.pager")).to_contain_text("共 300 条")
    with page.expect_navigation():
        page.click("nav.pager a[rel=next]")
    expect(page.locator("nav.pager")).to_contain_text("第 2 / 3 页")
    expect(page.locator("#list-kind")).to_have_value("医疗卫生机构")
    assert "研究院" not in page.locator("tbody").inner_text()

    page.check("input.select-all")
    with page.expect_navigation():
        page.click("button:text-is('加入指定名单')")
    expect(page.locator(".flash").first).to_contain_text("参与单位已保存。")
    expect(page.locator("nav.pager")).to_contain_text("第 2 / 3 页")  # kept
    expect(page.locator("form.card")).to_contain_text("名单目前有 100 个单位")
    db.session.rollback()
    listed = db.session.scalar(
        select(func.count()).where(EligibleUnit.competition_id == competition.id)
    )
    assert listed == 100
    assert problems == []


def test_organiser_reads_results_in_plain_words(
    live_server, page, make_user, make_unit, make_competition
):
    organiser, competition = _scored_competition(make_user, make_unit, make_competition)
    problems = watch(page)
    log_in(page, live_server, organiser.username, PASSWORD)

    page.goto(f"{live_server}/competitions/{competition.id}/results")
    expect(page.locator("body")).to_contain_text("哪些奖项还不确定")
    page.click("a.button:has-text('评审一致性与图表')")
    expect(page.locator("section.explain .explain-line")).to_contain_text("一致性 α =")
    expect(page.locator("body")).not_to_contain_text("Krippendorff α = ")

    page.goto(f"{live_server}/competitions/{competition.id}/results")
    with page.expect_navigation():
        page.click("table.results a:text-is('ZW-001')")
    expect(page.locator("h1")).to_have_text("得分说明 · ZW-001")
    expect(page.locator("body")).to_contain_text("这几份评分的简单平均是")
    expect(page.locator("body")).to_contain_text("校准比简单平均高")
    assert page.locator("text=平均比一般评审专家少给").count() >= 1
    assert problems == []

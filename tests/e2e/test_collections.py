"""In a real browser: a pilot unit's contact submits two case reports with
photos, sees the third refused, and the organiser sees them with previews."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from judging.accounts.models import Role
from judging.extensions import db
from judging.submissions.models import Entry
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.submissions.conftest import FIXTURES
from tests.submissions.test_calls import _collection

pytestmark = pytest.mark.e2e


def _submit(page, base: str, call_id: int, title: str, photos: list[str]) -> None:  # noqa: ANN001
    page.goto(f"{base}/unit")
    page.click(f"a[href='/unit/competitions/{call_id}/entries/new']")
    page.fill("input[name=title]", title)
    page.fill("input[name='authors-0-name']", "王芳")
    page.set_input_files("input[name=file]", str(FIXTURES / "clean.docx"))
    page.set_input_files(
        "input[name=attachments]", [str(FIXTURES / "media" / p) for p in photos]
    )
    with page.expect_navigation():
        page.click("form.card button[type=submit]")


def test_pilot_unit_submits_two_case_reports_with_photos(
    live_server, browser, make_user, make_unit
):
    call, organiser = _collection(make_user)
    contact = make_user(
        Role.UNIT,
        unit=make_unit(name="重庆市人民医院", kind="医疗卫生机构", is_pilot=True),
    )
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, contact.username, PASSWORD)

    assert "典型经验材料" in page.locator("main").inner_text()
    _submit(page, live_server, call.id, "以技能竞赛带动职工素质提升", ["photo.jpg"])
    assert "作品已提交。" in page.locator(".flash").first.inner_text()
    _submit(
        page,
        live_server,
        call.id,
        "职工创新工作室建设经验",
        ["photo.png", "photo.heic"],
    )
    dashboard = page.locator("main").inner_text()

    assert "已提交 2/2 件" in dashboard
    assert "附件 2 个" in dashboard
    assert (
        page.locator(f"a[href='/unit/competitions/{call.id}/entries/new']").count() == 0
    )
    db.session.commit()  # end the test's transaction: see the server's writes
    entries = db.session.scalars(select(Entry).order_by(Entry.slot)).all()
    assert [[a.file.kind for a in e.attachments] for e in entries] == [
        ["jpeg"],
        ["png", "heic"],
    ]

    admin = browser.new_context(locale="zh-CN").new_page()
    log_in(admin, live_server, organiser.username, PASSWORD)
    admin.goto(f"{live_server}/entries/{entries[1].id}")
    previews = admin.locator("ul.attachments img")
    assert previews.count() == 2
    assert all(
        previews.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
        for i in range(2)
    )
    context.close()
    admin.context.close()

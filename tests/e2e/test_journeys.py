"""Journeys in a real browser: each role logs in and lands on its dashboard."""

from __future__ import annotations

import pytest

from judging.accounts.models import Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("role", "heading", "nav"),
    [
        (Role.ORGANISER, "竞赛管理", "评审专家"),
        (Role.UNIT, "我的报送", "我的报送"),
        (Role.JUDGE, "我的评审", "我的评审"),
    ],
)
def test_each_role_lands_on_its_dashboard(
    live_server, page, make_user, make_competition, role, heading, nav
):
    make_competition(title="理论强基促发展 我为产改作贡献")
    user = make_user(role)

    log_in(page, live_server, user.username, PASSWORD)

    assert page.locator("h1").first.inner_text() == heading
    if role == Role.UNIT:  # calls differ by unit: its dashboard lists them
        assert page.locator(".comp-name").count() == 0
    else:
        assert (
            page.locator(".comp-name").inner_text() == "理论强基促发展 我为产改作贡献"
        )
    links = page.locator("nav.mainnav a").all_inner_texts()
    assert nav in links
    assert ("账号" in links) == (role == Role.ORGANISER)


def test_phone_sized_screen_has_a_menu(live_server, browser, make_user):
    user = make_user(Role.ORGANISER)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()

    log_in(page, live_server, user.username, PASSWORD)

    assert not page.locator("nav.mainnav").is_visible()
    page.click("label.nav-toggle-label")
    assert page.locator("nav.mainnav").is_visible()
    context.close()


def test_wrong_password_message_in_browser(live_server, page, make_user):
    user = make_user(Role.JUDGE)

    log_in(page, live_server, user.username, "not-the-password")

    assert "用户名或密码错误" in page.locator(".flash").inner_text()


def test_a_button_that_asks_first_is_asked_and_can_be_declined(live_server, page):
    """app.js asks the question of the button that sends a form, as well as the
    form's own (a form with several actions asks only for the lasting one)."""
    page.goto(f"{live_server}/login")
    page.evaluate(
        """() => {
          const form = document.createElement("form");
          form.method = "get"; form.action = "/no-such-page";
          const button = document.createElement("button");
          button.type = "submit"; button.id = "lasting";
          button.dataset.confirm = "开始公示后名单即公开。确定继续？";
          button.textContent = "开始公示";
          form.appendChild(button); document.body.appendChild(form);
        }"""
    )
    asked: list[str] = []

    def decline(dialog) -> None:  # noqa: ANN001
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", decline)
    page.click("#lasting")
    page.wait_for_timeout(300)

    assert asked == ["开始公示后名单即公开。确定继续？"]
    assert page.url.endswith("/login")

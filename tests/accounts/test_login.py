"""Login, logout, passwords and session invalidation."""

from __future__ import annotations

from sqlalchemy import func, select

from judging.accounts.models import LoginAttempt, Role, User
from judging.extensions import db
from tests.conftest import PASSWORD, csrf_token, login


def test_login_organiser_lands_on_competitions(client, make_user):
    user = make_user(Role.ORGANISER)

    response = login(client, user)

    assert response.status_code == 302
    assert client.get("/", follow_redirects=False).location == "/competitions"


def test_login_wrong_password_shows_chinese_message(client, make_user):
    user = make_user(Role.JUDGE)

    response = login(client, user, password="wrong-password")

    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1


def test_login_is_throttled_per_account(app, client, make_user):
    user = make_user(Role.JUDGE)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, user, password="wrong-password")

    response = login(client, user)  # correct password, but locked

    assert "登录失败次数过多" in response.get_data(as_text=True)
    assert client.get("/judge").status_code == 302


def test_logout_cookie_replay_is_refused(client, make_user):
    user = make_user(Role.ORGANISER)
    login(client, user)
    cookie = client.get_cookie("session").value

    client.post("/logout", data={"csrf_token": csrf_token(client, "/competitions")})
    client.set_cookie("session", cookie)

    assert client.get("/competitions").status_code == 302


def test_deactivated_user_session_is_refused(client, make_user):
    organiser = make_user(Role.ORGANISER)
    judge = make_user(Role.JUDGE)
    login(client, judge)
    judge.is_enabled = False
    judge.session_version += 1
    db.session.commit()

    assert client.get("/judge").status_code == 302
    assert organiser.is_enabled


def test_first_login_forces_password_change(client, make_user):
    user = make_user(Role.UNIT, must_change_password=True)
    login(client, user)

    assert client.get("/unit").location.startswith("/account/password")

    token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a-better-pass-1",
            "confirm": "a-better-pass-1",
            "csrf_token": token,
        },
    )

    assert response.location == "/"
    assert client.get("/unit").status_code == 200
    assert db.session.get(User, user.id).must_change_password is False


def test_change_password_too_short_is_refused(client, make_user):
    user = make_user(Role.JUDGE)
    login(client, user)
    token = csrf_token(client, "/account/password")

    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "12345678",
            "confirm": "12345678",
            "csrf_token": token,
        },
    )

    assert "密码至少 10 位。" in response.get_data(as_text=True)


def test_reset_password_invalidates_sessions(app, make_user):
    organiser = make_user(Role.ORGANISER)
    judge = make_user(Role.JUDGE)
    judge_client = app.test_client()
    login(judge_client, judge)
    admin_client = app.test_client()
    login(admin_client, organiser)

    response = admin_client.post(
        f"/admin/users/{judge.id}/reset",
        data={"csrf_token": csrf_token(admin_client, "/admin/users")},
    )

    assert "新初始密码" in response.get_data(as_text=True)
    assert judge_client.get("/judge").status_code == 302
    assert db.session.get(User, judge.id).must_change_password is True


def test_organiser_deactivates_account(client, make_user):
    organiser = make_user(Role.ORGANISER)
    unit_user = make_user(Role.UNIT)
    login(client, organiser)

    client.post(
        f"/admin/users/{unit_user.id}/enabled",
        data={"csrf_token": csrf_token(client, "/admin/users"), "enabled": "0"},
    )

    assert db.session.get(User, unit_user.id).is_enabled is False
    other = client.application.test_client()
    assert "该账号已停用" in login(other, unit_user).get_data(as_text=True)


def test_login_next_only_to_own_pages(client, make_user):
    user = make_user(Role.ORGANISER)
    token = csrf_token(client)

    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )

    assert response.location == "/"


def test_login_next_keeps_local_path(client, make_user):
    user = make_user(Role.ORGANISER)
    token = csrf_token(client)

    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/admin/judges",
        },
    )

    assert response.location == "/admin/judges"


def test_post_without_csrf_is_refused(client, make_user):
    user = make_user(Role.ORGANISER)

    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD}
    )

    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)

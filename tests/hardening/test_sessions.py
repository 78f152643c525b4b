"""Sessions and login under attack: replayed cookies, timeouts, cookie flags,
throttling shared by every worker, and redirects after login."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask

from judging import create_app
from judging.accounts.models import Role, User
from judging.extensions import db
from tests.conftest import PASSWORD, RequestClient, _config, csrf_token, login

FORM = "/account/password"


def _replay(client, cookie: str) -> int:  # noqa: ANN001
    client.set_cookie("session", cookie)
    return client.get("/competitions").status_code


def _post_login(client, username: str, password: str, address: str = "127.0.0.1"):  # noqa: ANN001, ANN202
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture()
def second_worker(_schema: str, tmp_path: Path):
    """Another app instance on the same database: a second gunicorn worker."""
    other = create_app(_config(_schema, tmp_path / "worker2"))
    other.test_client_class = RequestClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


# --- replayed cookies -------------------------------------------------------


def test_session_cookie_replay_after_logout_refused(client, make_user):
    login(client, make_user(Role.ORGANISER))
    cookie = client.get_cookie("session").value

    client.post("/logout", data={"csrf_token": csrf_token(client, "/competitions")})

    assert _replay(client, cookie) == 302
    assert _replay(client.application.test_client(), cookie) == 302


def test_session_cookie_replay_after_password_change_refused(client, make_user):
    user = make_user(Role.ORGANISER)
    login(client, user)
    cookie = client.get_cookie("session").value
    other = client.application.test_client()
    other.set_cookie("session", cookie)

    response = client.post(
        FORM,
        data={
            "current": PASSWORD,
            "new": "another-pass-7",
            "confirm": "another-pass-7",
            "csrf_token": csrf_token(client, FORM),
        },
    )

    assert response.location == "/"
    assert client.get("/competitions").status_code == 200  # the changer stays in
    assert other.get("/competitions").status_code == 302  # the old cookie does not


def test_session_cookie_replay_after_deactivation_refused(app, make_user):
    organiser = make_user(Role.ORGANISER)
    unit = make_user(Role.UNIT)
    victim = app.test_client()
    login(victim, unit)
    cookie = victim.get_cookie("session").value
    admin = app.test_client()
    login(admin, organiser)

    admin.post(
        f"/admin/users/{unit.id}/enabled",
        data={"csrf_token": csrf_token(admin, "/admin/users"), "enabled": "0"},
    )
    thief = app.test_client()
    thief.set_cookie("session", cookie)

    assert db.session.get(User, unit.id).is_enabled is False
    assert victim.get("/unit").status_code == 302
    assert thief.get("/unit").status_code == 302


def test_reactivation_does_not_revive_old_cookie(app, make_user):
    organiser = make_user(Role.ORGANISER)
    unit = make_user(Role.UNIT)
    victim = app.test_client()
    login(victim, unit)
    cookie = victim.get_cookie("session").value
    admin = app.test_client()
    login(admin, organiser)
    for enabled in ("0", "1"):
        admin.post(
            f"/admin/users/{unit.id}/enabled",
            data={"csrf_token": csrf_token(admin, "/admin/users"), "enabled": enabled},
        )
    thief = app.test_client()
    thief.set_cookie("session", cookie)

    assert db.session.get(User, unit.id).is_enabled is True
    assert thief.get("/unit").status_code == 302


# --- cookie flags --------------------------------------------------------------


def test_session_cookie_httponly_and_samesite_lax(client, make_user):
    response = login(client, make_user(Role.ORGANISER))

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development default: plain http on a laptop


def test_session_cookie_secure_when_configured(app, client, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True  # production behind HTTPS

    response = login(client, make_user(Role.ORGANISER))

    assert "Secure" in response.headers["Set-Cookie"]


# --- timeouts ---------------------------------------------------------------------


def test_session_idle_timeout_logs_out(app, client, make_user):
    login(client, make_user(Role.ORGANISER))
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = time.time() - idle - 5

    response = client.get("/competitions")

    assert response.status_code == 302
    assert response.location.startswith("/login?next=/competitions")
    assert client.get("/competitions").status_code == 302  # stays logged out


def test_session_active_within_idle_limit_kept(app, client, make_user):
    login(client, make_user(Role.ORGANISER))
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = time.time() - idle + 60

    assert client.get("/competitions").status_code == 200


def test_session_absolute_timeout_logs_out_active_user(app, client, make_user):
    login(client, make_user(Role.ORGANISER))
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with client.session_transaction() as session:
        session["started"] = time.time() - lifetime - 5
        session["seen"] = time.time()  # active a moment ago

    response = client.get("/competitions")

    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_session_without_timestamps_refused(client, make_user):
    """A logged-in cookie that never got the server's timestamps (the very
    response of the login request, replayed much later) must not live forever."""
    login(client, make_user(Role.ORGANISER))
    with client.session_transaction() as session:
        session.pop("seen", None)
        session.pop("started", None)

    assert client.get("/competitions").status_code == 302


def test_login_after_logout_starts_fresh_clock(client, make_user):
    """Logging in again in the same browser hours later must not be timed out by
    the previous session's clock."""
    user = make_user(Role.ORGANISER)
    login(client, user)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/competitions")})
    with client.session_transaction() as session:
        session["seen"] = time.time() - 3 * 3600
        session["started"] = time.time() - 13 * 3600

    login(client, user)

    assert client.get("/competitions").status_code == 200


# --- throttling across workers ------------------------------------------------


def test_login_throttled_per_account_across_workers(app, make_user, second_worker):
    user = make_user(Role.JUDGE)
    limit = app.config["LOGIN_MAX_FAILURES"]
    workers = [app.test_client(), second_worker.test_client()]
    for i in range(limit):  # alternate workers and addresses
        _post_login(workers[i % 2], user.username, "wrong", f"10.0.0.{i}")

    refused = _post_login(workers[1], user.username, PASSWORD, "10.9.9.9")
    other = _post_login(workers[0], user.username, PASSWORD, "10.9.9.8")

    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert "登录失败次数过多" in other.get_data(as_text=True)
    assert workers[0].get("/judge").status_code == 302


def test_login_throttled_per_address_across_workers(app, make_user, second_worker):
    user = make_user(Role.JUDGE)
    limit = app.config["LOGIN_MAX_FAILURES"] * 4
    workers = [app.test_client(), second_worker.test_client()]
    for i in range(limit):  # many user names, one address: password spraying
        _post_login(workers[i % 2], f"nobody{i}", "guess-123", "10.1.1.1")

    sprayer = _post_login(workers[0], user.username, PASSWORD, "10.1.1.1")
    elsewhere = _post_login(workers[1], user.username, PASSWORD, "10.2.2.2")

    assert "登录失败次数过多" in sprayer.get_data(as_text=True)
    assert elsewhere.status_code == 302  # the account itself is not locked


def test_login_success_clears_account_failures(app, make_user, second_worker):
    user = make_user(Role.JUDGE)
    limit = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    for _ in range(limit - 1):
        _post_login(second_worker.test_client(), user.username, "wrong")
    assert _post_login(client, user.username, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/judge")})

    for _ in range(limit - 1):
        _post_login(second_worker.test_client(), user.username, "wrong")

    assert _post_login(client, user.username, PASSWORD).status_code == 302


# --- next= ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "http://evil.example/x",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "evil.example",
    ],
    ids=lambda t: repr(t),
)
def test_login_next_to_other_site_refused(client, make_user, target: str):
    user = make_user(Role.ORGANISER)
    token = csrf_token(client)

    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": target,
        },
    )

    assert response.status_code == 302
    assert response.location == "/"


def test_login_next_query_kept_for_own_page(client, make_user):
    user = make_user(Role.ORGANISER)
    token = csrf_token(client, "/login?next=/admin/users%3Frole%3Djudge")

    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/admin/users?role=judge",
        },
    )

    assert response.location == "/admin/users?role=judge"


def test_second_worker_sees_same_session(app: Flask, make_user, second_worker):
    client = app.test_client()
    login(client, make_user(Role.ORGANISER))
    cookie = client.get_cookie("session").value
    other = second_worker.test_client()
    other.set_cookie("session", cookie)

    assert other.get("/competitions").status_code == 200

"""Security headers on every route for every role, file responses that are never
cached, and a 500 page that tells the user nothing but a request id."""

from __future__ import annotations

import logging

from sqlalchemy import text

from judging.accounts.models import Role
from judging.extensions import db
from tests.conftest import csrf_token, login
from tests.submissions.conftest import entry_form, fixture_bytes
from tests.test_routes import ANON, JUDGE, ORG, UNIT, _url_for_rule


def _header_problems(response, where: str, *, asset: bool = False) -> list[str]:  # noqa: ANN001
    """Everything wrong with one response's headers, as readable strings.

    ``asset``: our own static files, which may be cached and shown inline.
    """
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if not csp or "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append(f"{where}: CSP {csp!r}")
    if "frame-ancestors" not in csp or "object-src 'none'" not in csp:
        problems.append(f"{where}: CSP lacks frame-ancestors/object-src")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append(f"{where}: no Referrer-Policy")
    if response.status_code >= 500:
        problems.append(f"{where}: status {response.status_code}")
    disposition = response.headers.get("Content-Disposition", "")
    if disposition and not asset:
        if not disposition.startswith("attachment"):
            problems.append(f"{where}: inline file {disposition!r}")
        if "no-store" not in response.headers.get("Cache-Control", ""):
            problems.append(f"{where}: file response may be cached")
    return problems


def _seed(app, make_user, make_competition) -> dict:  # noqa: ANN001
    """One competition (id 1) with one entry (id 1) of the unit user's unit,
    so the file routes answer with real files when called with id 1."""
    organiser = make_user(Role.ORGANISER)
    make_competition(actor=organiser)
    unit = make_user(Role.UNIT)
    client = app.test_client()
    login(client, unit)
    path = "/unit/competitions/1/entries/new"
    client.post(
        path,
        data=entry_form(
            csrf_token(client, path), file=(fixture_bytes("clean.pdf"), "a.pdf")
        ),
        content_type="multipart/form-data",
    )
    return {ORG: organiser, UNIT: unit, JUDGE: make_user(Role.JUDGE), ANON: None}


def test_every_route_has_security_headers_for_every_role(
    app, make_user, make_competition
):
    users = _seed(app, make_user, make_competition)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    problems, files = [], 0
    clients = {}
    for role, user in users.items():
        clients[role] = app.test_client()
        if user is not None:
            login(clients[role], user)
    for method in ("GET", "POST"):  # every GET before any POST changes state
        for role, client in clients.items():
            token = csrf_token(
                client, "/login" if role == ANON else "/account/password"
            )
            for rule in rules:
                if method not in rule.methods or (
                    method == "POST" and "GET" in rule.methods
                ):
                    continue
                path = _url_for_rule(rule)
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data={"csrf_token": token})
                asset = rule.endpoint == "static"
                where = f"{role} {method} {path}"
                problems += _header_problems(response, where, asset=asset)
                files += not asset and "Content-Disposition" in response.headers

    assert problems == []
    assert files >= 5  # receipt, own file, overview, zip, organiser's file view


def test_error_pages_have_security_headers(client):
    responses = [
        client.get("/no/such/page"),
        client.post("/login"),  # no CSRF token: 400
        client.put("/login"),  # 405
    ]

    assert [r.status_code for r in responses] == [404, 400, 405]
    assert [p for r in responses for p in _header_problems(r, r.request.path)] == []


def test_server_error_page_is_chinese_with_request_id(app, client, caplog):
    @app.route("/_test/boom")
    def boom():  # noqa: ANN202
        db.session.execute(text("SELECT secret_column FROM no_such_table"))
        return "unreachable"

    with caplog.at_level(logging.ERROR, logger="judging"):
        response = client.get("/_test/boom", headers={"X-Request-Id": "rid-5150"})

    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器内部错误，已记录（请求编号 rid-5150）。请稍后重试。" in body
    assert response.headers["X-Request-Id"] == "rid-5150"
    for secret in ("Traceback", "no_such_table", "secret_column", "SELECT", "sqlite"):
        assert secret not in body
    assert _header_problems(response, "500") == ["500: status 500"]
    logged = [r for r in caplog.records if "rid-5150" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None  # the traceback goes to the log only


def test_server_error_request_id_is_escaped(app, client):
    @app.route("/_test/boom")
    def boom():  # noqa: ANN202
        raise RuntimeError("secret detail")

    response = client.get("/_test/boom", headers={"X-Request-Id": "<b>x</b>"})

    body = response.get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt;" in body
    assert "<b>x</b>" not in body
    assert "secret detail" not in body


def test_server_error_generates_request_id_when_missing(app, client, caplog):
    @app.route("/_test/boom")
    def boom():  # noqa: ANN202
        raise RuntimeError("secret detail")

    with caplog.at_level(logging.ERROR, logger="judging"):
        response = client.get("/_test/boom")

    request_id = response.headers["X-Request-Id"]
    assert len(request_id) == 32
    assert f"请求编号 {request_id}" in response.get_data(as_text=True)
    assert any(request_id in r.getMessage() for r in caplog.records)

"""The app factory, configuration layering, headers and error pages."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from judging import create_app
from judging.accounts.models import Role
from judging.extensions import db
from judging.web import ASSET_CACHE, _asset_version
from tests.conftest import login


def test_config_mapping_overrides_defaults(tmp_path: Path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_TITLE": "测试",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )

    assert (app.config["SITE_TITLE"], app.config["SESSION_COOKIE_SAMESITE"]) == (
        "测试",
        "Lax",
    )


def test_instance_config_and_env_layering(tmp_path: Path, monkeypatch):
    (tmp_path / "config.py").write_text('SITE_TITLE = "实例"\nLOGIN_MAX_FAILURES = 9\n')
    monkeypatch.setenv("JUDGING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("JUDGING_LOGIN_MAX_FAILURES", "7")

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["SITE_TITLE"] == "实例"
    assert app.config["LOGIN_MAX_FAILURES"] == 7
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert (
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
        == app.config["SECRET_KEY"]
    )


def test_security_headers_on_every_response(client):
    response = client.get("/login")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Request-Id"]


def test_pages_have_no_inline_scripts_or_external_assets(client, make_user):
    login(client, make_user(Role.ORGANISER))

    html = client.get("/competitions/new").get_data(as_text=True)

    assert "<script>" not in html
    assert "http://" not in html and "https://" not in html
    assert 'style="' not in html


def test_static_assets_are_served_locally(client):
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_static_urls_carry_the_content_hash_and_are_cached(app, client, make_user):
    login(client, make_user(Role.ORGANISER))
    html = client.get("/account/password").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"?]+\?v=[0-9a-f]{12})"', html)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listen = event.listens_for(engine, "before_cursor_execute")
    record = listen(lambda *args: statements.append(args[2]))

    try:
        responses = [client.get(url) for url in urls]
        unversioned = client.get("/static/app.css")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert {u.split("?")[0] for u in urls} >= {"/static/app.css", "/static/app.js"}
    assert {r.headers["Cache-Control"] for r in responses} == {ASSET_CACHE}
    assert unversioned.headers["Cache-Control"] != ASSET_CACHE
    assert statements == []  # a logged-in browser's CSS costs no database query


def test_static_version_follows_the_content(tmp_path: Path):
    flask_app = Flask(__name__, static_folder=str(tmp_path))
    flask_app.debug = True  # files may change while running
    (tmp_path / "x.css").write_text("a {}")
    first = _asset_version(flask_app, "x.css")
    (tmp_path / "x.css").write_text("b {}")

    assert first != _asset_version(flask_app, "x.css")
    assert _asset_version(flask_app, "missing.css") == ""


def test_not_found_page_in_chinese(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "页面不存在，或您无权查看。" in response.get_data(as_text=True)


def test_english_is_selectable(client):
    client.get("/lang/en")

    html = client.get("/login").get_data(as_text=True)

    assert "Log in" in html
    assert 'lang="en"' in html


def test_chinese_is_default(client):
    html = client.get("/login").get_data(as_text=True)

    assert "登录" in html
    assert 'lang="zh-CN"' in html


def test_deadline_label_in_both_languages(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from judging.web import deadline_label

    closes = datetime(2026, 10, 17, 16, 0, tzinfo=UTC)  # end of 17 Oct in Shanghai
    with app.test_request_context("/"):
        chinese = deadline_label(closes)
        with force_locale("en"):
            english = deadline_label(closes)

    assert (chinese, english) == ("2026 年 10 月 17 日 24:00", "17 Oct 2026, 24:00")

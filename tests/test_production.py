"""Production mode: explicit secret key, no demo accounts, the real client
address behind a trusted proxy, secure cookies."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import request

from judging import create_app
from judging.accounts.models import Role
from judging.extensions import db
from judging.production import ProductionRefused
from tests.conftest import _config


def _production(database_url: str, instance: Path, **extra) -> dict:  # noqa: ANN003
    return _config(database_url, instance) | {"ENV": "production"} | extra


def test_production_refuses_a_generated_secret_key(_schema, tmp_path, monkeypatch):
    monkeypatch.setenv("JUDGING_INSTANCE_PATH", str(tmp_path))
    config = _production(_schema, tmp_path)
    del config["SECRET_KEY"]

    with pytest.raises(ProductionRefused, match="必须明确设置 SECRET_KEY"):
        create_app(config)

    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_demo_accounts(app, make_user, tmp_path):
    from judging.accounts.service import hash_password

    admin = make_user(Role.ORGANISER, username="admin")
    admin.password_hash = hash_password(app.config["DEMO_PASSWORD"])
    db.session.commit()

    with pytest.raises(ProductionRefused, match="演示账号（admin）"):
        create_app(_production(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))


def test_production_starts_once_demo_password_changed(app, make_user, tmp_path):
    make_user(Role.ORGANISER, username="admin")  # a password of its own

    prod = create_app(_production(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))

    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True


def _remote_addr_app(tmp_path: Path, database_url: str, hops: int):  # noqa: ANN202
    app = create_app(_config(database_url, tmp_path) | {"TRUSTED_PROXIES": hops})

    @app.get("/_addr")
    def _addr() -> str:
        return f"{request.remote_addr} {request.scheme}"

    return app


@pytest.mark.parametrize(
    ("hops", "expected"),
    [(0, "127.0.0.1 http"), (1, "203.0.113.7 https")],
)
def test_trusted_proxy_gives_the_client_address(_schema, tmp_path, hops, expected):
    app = _remote_addr_app(tmp_path, _schema, hops)
    headers = {
        "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
        "X-Forwarded-Proto": "https",
    }

    with app.app_context():
        body = app.test_client().get("/_addr", headers=headers).get_data(as_text=True)
        db.engine.dispose()

    assert body == expected

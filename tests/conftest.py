"""Shared fixtures: an app on SQLite (or PostgreSQL via JUDGING_TEST_DATABASE_URL),
a clean database for every test, and factories for the usual objects."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from judging import create_app
from judging.accounts.models import Judge, Role, Unit, User
from judging.competitions import service as competition_service
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import default_settings
from judging.extensions import db
from tests.mailserver import smtp_server  # noqa: F401  (a fixture for every test)
from tests.pgtools import scratch_postgres_database

PASSWORD = "correct-horse-9"
UNITS_CSV = (
    Path(__file__).resolve().parent.parent / "judging/data/universities-chongqing.csv"
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in a temporary folder, or a PostgreSQL database of this run's own.

    JUDGING_TEST_DATABASE_URL names a server (and a database to connect to for
    administration); the suite creates ``judging_test_<random>`` beside it and
    drops it at the end, so a developer's own database is never touched and two
    runs (or two xdist workers) on one server never meet.
    """
    url = os.environ.get("JUDGING_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    with scratch_postgres_database(url) as own:
        yield own


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the schema once per run through the real migrations."""
    instance = tmp_path_factory.mktemp("instance-schema")
    app = create_app(_config(database_url, instance))
    with app.app_context():
        from judging.cli import init_database

        init_database()
        db.engine.dispose()
    return database_url


def _config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
    }


def _truncate() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "TRUNCATE "
                + ", ".join(f'"{t}"' for t in tables)
                + " RESTART IDENTITY CASCADE"
            )
        )
    else:
        for t in tables:
            db.session.execute(text(f'DELETE FROM "{t}"'))  # noqa: S608 (our names)
    db.session.commit()


class RequestClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test keeps an app context for its own queries; without this, requests
    would share that context's `g` and database session with the test and with
    each other. The test's pending changes are committed first so the request
    sees them, and its transaction is ended afterwards so it sees the request's.
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()
        return response


@pytest.fixture()
def app(_schema: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_config(_schema, tmp_path))
    app.test_client_class = RequestClient
    with app.app_context():
        _truncate()
        yield app
        db.session.remove()
        _truncate()
        db.engine.dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask):
    return app.test_cli_runner()


# --- factories ---------------------------------------------------------------


@pytest.fixture()
def make_unit(app: Flask):
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None,
        short_name: str = "",
        aliases: str = "",
        kind: str = "本科院校",
        is_pilot: bool = False,
        groups: str = "",
    ) -> Unit:
        n = next(counter)
        unit = Unit(
            name=name or f"测试大学{n}",
            short_name=short_name or f"测{n}",
            aliases=aliases,
            kind=kind,
            is_pilot=is_pilot,
            groups=groups,
        )
        db.session.add(unit)
        db.session.commit()
        return unit

    return make


@pytest.fixture()
def make_user(app: Flask, make_unit):
    from judging.accounts.service import hash_password

    counter = iter(range(1, 10_000))
    hashed = hash_password(PASSWORD)

    def make(
        role: Role = Role.ORGANISER,
        *,
        username: str | None = None,
        unit: Unit | None = None,
        affiliation: str = "重庆市总工会",
        must_change_password: bool = False,
        enabled: bool = True,
    ) -> User:
        n = next(counter)
        user = User(
            username=username or f"{role}{n}",
            password_hash=hashed,
            role=role,
            display_name=f"用户{n}",
            must_change_password=must_change_password,
            is_enabled=enabled,
        )
        if role == Role.UNIT:
            user.unit = unit or make_unit()
        db.session.add(user)
        db.session.flush()
        if role == Role.JUDGE:
            db.session.add(
                Judge(
                    user_id=user.id,
                    name=f"专家{n}",
                    affiliation=unit.name if unit else affiliation,
                    unit_id=unit.id if unit else None,
                )
            )
        db.session.commit()
        return user

    return make


@pytest.fixture()
def make_competition(app: Flask, make_user):
    def make(
        *,
        phase: Phase = Phase.OPEN,
        title: str = "测试征文",
        opens_on: date | None = None,
        closes_on: date | None = None,
        max_entries: int = 5,
        actor: User | None = None,
        **overrides,
    ) -> Competition:
        actor = actor or make_user(Role.ORGANISER)
        today = date.today()
        settings = default_settings(
            title=title,
            opens_on=opens_on or today - timedelta(days=5),
            closes_on=closes_on or today + timedelta(days=5),
            max_entries=max_entries,
            **overrides,
        )
        c = competition_service.create_competition(
            actor=actor,
            settings=settings,
            extras=competition_service.Extras(code_prefix="ZW2026"),
        )
        c.phase = phase
        db.session.commit()
        return c

    return make


@pytest.fixture()
def unit_client(app, make_user, make_unit):
    """A logged-in contact of 重庆大学 (with its real short name)."""
    unit = make_unit(name="重庆大学", short_name="重大")
    user = make_user(role="unit", unit=unit)
    client = app.test_client()
    login(client, user)
    client.user = user
    return client


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, user: User, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": user.username, "password": password, "csrf_token": token},
    )


@pytest.fixture()
def login_as(client: FlaskClient):
    def do(user: User) -> FlaskClient:
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


def same_page(a, b) -> bool:  # noqa: ANN001
    """Two responses show the same page, ignoring per-request CSRF tokens."""
    token = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')
    return a.status_code == b.status_code and token.sub(
        r"\1", a.get_data(as_text=True)
    ) == token.sub(r"\1", b.get_data(as_text=True))


# --- file storage ------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3-protocol server (moto's standalone mode) on 127.0.0.1."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path_factory.mktemp("s3") / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the S3 test server did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


def s3_config(endpoint: str, bucket: str) -> dict:
    return {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": endpoint,
        "S3_BUCKET": bucket,
        "S3_ACCESS_KEY": "test",
        "S3_SECRET_KEY": "test-secret",
        "S3_REGION": "us-east-1",
    }


@pytest.fixture()
def use_s3(app: Flask, s3_server: str):
    """Switch the test's app to a fresh bucket on the S3 test server."""
    import secrets

    from judging.storage import open_storage

    app.config.update(s3_config(s3_server, f"judging-{secrets.token_hex(6)}"))
    storage = open_storage(app.config)
    storage.client.create_bucket(Bucket=app.config["S3_BUCKET"])
    app.extensions["judging_storage"] = storage
    return storage


@pytest.fixture(params=["local", "s3"])
def any_storage(request: pytest.FixtureRequest, app: Flask):
    """Each test twice: with the local folder and with S3."""
    if request.param == "s3":
        return request.getfixturevalue("use_s3")
    from judging.storage import get_storage

    return get_storage()

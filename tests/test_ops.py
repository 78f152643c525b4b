"""Operations: /healthz names the failed part, metrics need their token,
JSON logs carry the request id."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest

from judging import create_app, jobs
from judging.extensions import db
from judging.storage import LocalStorage
from tests.conftest import _config
from tests.jobs import tasks  # noqa: F401  (registers the test tasks)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_all_parts_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "failed": [],
        "database": "ok",
        "storage": "ok",
        "queue": "ok",
    }


def test_healthz_names_broken_storage(app, client, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app.extensions["judging_storage"] = LocalStorage(blocker)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["failed"] == ["storage"]


def test_healthz_names_unreachable_queue(app, client):
    app.config.update(
        JOBS_IMMEDIATE=False,
        JOBS_BACKEND="redis",
        JOBS_REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0",
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["failed"] == ["queue"]


def test_healthz_names_unreachable_database(tmp_path: Path):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/none"
    app = create_app(_config(url, tmp_path))

    with app.app_context():
        response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]


@pytest.fixture()
def scraped(_schema, tmp_path):  # noqa: ANN001, ANN201
    """An app with metrics on (METRICS_TOKEN set when it is built)."""
    config = _config(_schema, tmp_path) | {"METRICS_TOKEN": "scrape-secret-1"}
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_metrics_exist_only_with_their_token(app, client, scraped):
    without_config = client.get("/metrics")
    wrong = scraped.test_client().get(
        "/metrics", headers={"Authorization": "Bearer nope"}
    )
    none = scraped.test_client().get("/metrics")

    assert "ops.metrics" not in app.view_functions
    assert [r.status_code for r in (without_config, wrong, none)] == [404, 404, 404]


def test_metrics_show_latency_and_jobs(app, scraped):
    jobs.enqueue("test.crash")
    jobs.enqueue("test.count", steps=1)
    db.session.commit()
    client = scraped.test_client()
    client.get("/healthz")

    text = client.get(
        "/metrics", headers={"Authorization": "Bearer scrape-secret-1"}
    ).get_data(as_text=True)

    assert (
        'judging_request_seconds_count{endpoint="ops.healthz",method="GET"} 1.0' in text
    )
    assert 'judging_jobs{state="failed",task="test.crash"} 1.0' in text
    assert 'judging_jobs{state="done",task="test.count"} 1.0' in text


@pytest.fixture()
def restore_loggers():  # noqa: ANN201
    names = ("judging", "werkzeug", "gunicorn.error")
    saved = {
        n: (
            logging.getLogger(n).handlers[:],
            logging.getLogger(n).level,
            logging.getLogger(n).propagate,
        )
        for n in names
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def test_json_logs_carry_the_request_id(_schema, tmp_path, capsys, restore_loggers):
    app = create_app(_config(_schema, tmp_path) | {"LOG_FORMAT": "json"})

    with app.app_context():
        app.test_client().get("/healthz", headers={"X-Request-Id": "req-42"})
        db.engine.dispose()

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    access = [e for e in lines if e["logger"] == "judging.access"]
    assert [(e["request_id"], e["path"], e["status"]) for e in access] == [
        ("req-42", "/healthz", 200)
    ]

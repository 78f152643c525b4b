"""Operations: /healthz for load balancers, Prometheus metrics, JSON logs.

``/healthz`` needs no login and says which part failed (database, storage,
queue) with a 503, so a load balancer takes a broken host out. The metrics
(request latency by endpoint, jobs by state) are served on METRICS_PATH only
to a scraper that sends ``Authorization: Bearer <METRICS_TOKEN>``; without a
token configured the path does not exist. ``LOG_FORMAT = "json"`` writes one
JSON object per line with the request id, for a log collector.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time

from flask import Blueprint, Flask, abort, current_app, g, has_request_context, request
from sqlalchemy import func, select, text

from judging.extensions import db

bp = Blueprint("ops", __name__)
log = logging.getLogger("judging")
_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@bp.route("/healthz")
def healthz():  # noqa: ANN201
    """200 when the database, the file storage and the queue answer; else 503."""
    from judging import jobs, storage

    checks = {
        "database": lambda: db.session.execute(text("SELECT 1")).scalar_one(),
        "storage": lambda: storage.get_storage().check(),
        "queue": lambda: _check_queue(jobs),
    }
    parts, failed = {}, []
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure of that part is "down"
            log.warning("healthz: %s failed: %s", name, exc)
            parts[name] = f"failed: {type(exc).__name__}"
            failed.append(name)
        else:
            parts[name] = "ok"
    db.session.rollback()
    body = {"status": "ok" if not failed else "failed", "failed": failed} | parts
    response = current_app.response_class(
        json.dumps(body), status=503 if failed else 200, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_queue(jobs) -> None:  # noqa: ANN001
    if current_app.config["JOBS_IMMEDIATE"]:
        return  # jobs run inline: there is no queue to reach
    jobs.queue(current_app._get_current_object()).storage.queue_size()


# --- metrics -----------------------------------------------------------------


class Metrics:
    """One app's collectors, in a registry of its own (tests build many apps)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Histogram

        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "judging_request_seconds",
            "Time to answer a request, by endpoint",
            ("endpoint", "method"),
            buckets=_BUCKETS,
            registry=self.registry,
        )


def _jobs_collector(app: Flask):  # noqa: ANN202
    """Jobs by state and task, read from the database at scrape time, so the
    figures are the same whichever host or worker is scraped."""
    from prometheus_client.core import GaugeMetricFamily

    from judging.jobs import Job

    class JobsCollector:
        def collect(self):  # noqa: ANN202
            family = GaugeMetricFamily(
                "judging_jobs", "Jobs by state and task", labels=("state", "task")
            )
            with app.app_context():
                rows = db.session.execute(
                    select(Job.state, Job.name, func.count()).group_by(
                        Job.state, Job.name
                    )
                ).all()
                db.session.rollback()
            for state, name, count in rows:
                family.add_metric((state, name), count)
            yield family

    return JobsCollector()


def metrics():  # noqa: ANN201
    """Prometheus text format; only with the configured bearer token."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        abort(404)
    registry = _registry(current_app)
    response = current_app.response_class(
        generate_latest(registry), mimetype=CONTENT_TYPE_LATEST
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _registry(app: Flask):  # noqa: ANN202
    """This process's registry, or all gunicorn workers' figures together when
    PROMETHEUS_MULTIPROC_DIR is set (prometheus_client's multiprocess mode)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return app.extensions["judging_metrics"].registry
    from prometheus_client import CollectorRegistry, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_jobs_collector(app))
    return registry


# --- logs --------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id", "")
            entry["method"] = request.method
            entry["path"] = request.path
        for key in ("status", "duration_ms", "endpoint"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


def init_app(app: Flask) -> None:
    """Register /healthz and the metrics path; time every request; JSON logs."""
    path = app.config.get("METRICS_PATH") or "/metrics"
    app.register_blueprint(bp)
    if app.config.get("METRICS_TOKEN"):
        app.add_url_rule(path, "ops.metrics", metrics)
    metrics_state = Metrics()
    metrics_state.registry.register(_jobs_collector(app))
    app.extensions["judging_metrics"] = metrics_state

    @app.before_request
    def _start_clock() -> None:
        g.started_at = time.perf_counter()

    @app.after_request
    def _observe(response):  # noqa: ANN001, ANN202
        started = g.get("started_at")
        if started is not None:
            seconds = time.perf_counter() - started
            metrics_state.latency.labels(
                request.endpoint or "unknown", request.method
            ).observe(seconds)
            if app.config.get("LOG_FORMAT") == "json":
                logging.getLogger("judging.access").info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                        "endpoint": request.endpoint or "",
                    },
                )
        return response

    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        for name in ("judging", "werkzeug", "gunicorn.error"):
            logger = logging.getLogger(name)
            logger.handlers = [handler]
            logger.setLevel(logging.INFO)
            logger.propagate = False

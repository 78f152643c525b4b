"""Configuration defaults; instance/config.py and JUDGING_* variables override them."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    """Settings that work on a laptop with SQLite; production overrides a few."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: instance/judging.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    UPLOAD_FOLDER: str | None = None  # default: instance/uploads
    # Files (judging/storage.py): "local" (UPLOAD_FOLDER) or "s3" (an
    # S3-compatible server shared by several hosts: MinIO, Ceph, a cloud OSS).
    STORAGE_BACKEND = "local"
    S3_BUCKET: str | None = None
    S3_PREFIX = ""
    S3_ENDPOINT_URL: str | None = None  # e.g. http://minio.intranet:9000
    S3_REGION = "us-east-1"
    S3_ACCESS_KEY: str | None = None
    S3_SECRET_KEY: str | None = None
    S3_ADDRESSING_STYLE = "path"
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    DISPLAY_TIMEZONE = "Asia/Shanghai"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_MINUTES = 60
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    WTF_CSRF_TIME_LIMIT = None
    SITE_TITLE = "征文评审系统"
    # "production" (JUDGING_ENV=production): needs an explicit SECRET_KEY,
    # refuses the demo's accounts, secure cookies (judging/production.py).
    ENV = "development"
    # Proxies in front that set X-Forwarded-For/-Proto/-Host (nginx: 1).
    TRUSTED_PROXIES = 0
    # Prometheus metrics on METRICS_PATH for "Authorization: Bearer <token>";
    # unset: no metrics path at all.
    METRICS_TOKEN: str | None = None
    METRICS_PATH = "/metrics"
    LOG_FORMAT = "text"  # "json": one JSON object per line, with the request id
    DEMO_PASSWORD = "demo-2026"
    MAIL_SERVER: str | None = None  # unset: messages are listed for copying
    MAIL_PORT = 25
    MAIL_SENDER = "judging@localhost"
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    # Host (and path prefix) printed in certificate QR codes, e.g.
    # "https://zhengwen.example.edu.cn"; None: the host of the request.
    PUBLIC_BASE_URL: str | None = None
    # Background jobs (judging/jobs.py). "sqlite": an embedded queue file
    # (JOBS_SQLITE_PATH, default instance/queue.sqlite3) for one machine;
    # "redis": JOBS_REDIS_URL, shared by several hosts.
    JOBS_BACKEND = "sqlite"
    JOBS_SQLITE_PATH: str | None = None
    JOBS_REDIS_URL = "redis://127.0.0.1:6379/0"
    JOBS_QUEUE_NAME = "judging"  # one per site sharing a Redis
    # Run jobs inline when their transaction commits (None: on under TESTING).
    JOBS_IMMEDIATE: bool | None = None
    JOBS_HEARTBEAT_SECONDS = 10.0
    JOBS_STALE_SECONDS = 60.0  # no heartbeat for this long: the worker died
    JOBS_REAP_SECONDS = 15.0  # how often a consumer looks for such jobs
    JOBS_MAX_ATTEMPTS = 3
    JOBS_IMPORTS: tuple[str, ...] = ()  # extra modules whose tasks register
    JOBS_KEEP_HOURS = 24  # finished jobs and their files are then removed
    # Above this many entries the results files and the dossier ZIP are built
    # by a job (at 5,000 entries the score sheet takes 3-4 s to write).
    DOWNLOADS_DIRECT_LIMIT = 1000


def ensure_secret_key(instance_path: Path) -> str:
    """Return the instance's persistent secret key, creating it on first use.

    A development install must survive restarts without logging everyone out,
    and must never ship a key in the repository.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key

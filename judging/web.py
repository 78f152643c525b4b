"""Request-level wiring: locale, login loading, timeouts, headers, errors, filters."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select, bindparam, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import joinedload

from judging.accounts.models import Role, User
from judging.competitions.models import Competition, Phase
from judging.extensions import db, login_manager
from judging.i18n import N_, day_text, errors_of, moment_text, say
from judging.pending import KEPT_ENDPOINTS, keep_form

log = logging.getLogger("judging")

SHANGHAI = ZoneInfo("Asia/Shanghai")
N_("征文评审系统")  # the default SITE_TITLE, shown through _(site_title)
ASSET_CACHE = "public, max-age=31536000, immutable"  # versioned static files
SEEN_RESOLUTION = 30  # seconds: the idle clock is kept to this precision
_KEPT_MESSAGE = N_(
    "登录已超时或页面已过期。您填写的内容已保留，重新登录后会自动恢复"
    "（所选文件需要重新选择），请核对后再提交。"
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'self'; "
    "base-uri 'self'; form-action 'self'"
)


def select_locale() -> str:
    lang = session.get("lang")
    if lang in ("zh", "en"):
        return lang
    return "zh"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ANN001
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        # SQLAlchemy, not the driver, begins transactions (see _sqlite_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:  # noqa: ANN001
    """On SQLite, a request that may write takes the write lock when it begins.

    A deferred transaction that read first and writes later fails at once
    (SQLITE_BUSY, no waiting) if another writer committed in between; taking the
    lock up front makes concurrent score saves and submissions queue instead.
    Reads (GET) stay deferred so they never wait for writers.
    """
    if conn.dialect.name != "sqlite":
        return
    writing = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


# Built once, on first use: building a statement costs about as much as running
# it, and these two run on every page. Not at import: `joinedload` configures
# every mapper (≈0.1 s), which a command that never loads a user need not pay.
@cache
def _user_query() -> Select:
    return (
        select(User)
        .where(User.id == bindparam("user_id"))
        .options(joinedload(User.judge))  # judge pages use it on every request
    )


@cache
def _current_title_query() -> Select:
    return (
        select(Competition.title)
        .where(Competition.phase != Phase.DRAFT)
        .order_by(Competition.opens_at.desc())
        .limit(1)
    )


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    user_id, _sep, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(_user_query(), {"user_id": int(user_id)})
    if user is None or user.session_version != int(version) or not user.is_enabled:
        return None
    return user


def login_url() -> str:
    """The login page's address for messages: PUBLIC_BASE_URL when set (the
    address people reach behind a proxy), else the request's own."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("accounts.login")
    return (
        base.rstrip("/") + path if base else url_for("accounts.login", _external=True)
    )


def shanghai(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a UTC instant in Asia/Shanghai, the competition's clock."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).strftime(fmt)


def deadline_label(value: datetime | None) -> str:
    """ "10 月 17 日 24:00" for an instant at local midnight, else date and time
    (``i18n.moment_text``: the one format of a date with time, in sentences too)."""
    if value is None:
        return ""
    return moment_text(value, _)


def day_label(value: datetime | None) -> str:
    """ "2026 年 3 月 1 日": a calendar day in Asia/Shanghai, like deadlines
    (``i18n.day_text``: the one format of a date, in sentences too)."""
    if value is None:
        return ""
    return day_text(value, _)


def time_left(seconds: int) -> str:
    """ "12 天 3 小时" / "3 小时 20 分" / "已截止" for a countdown."""
    if seconds <= 0:
        return _("已截止")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d 天 %(h)d 小时", d=days, h=hours)
    return _("%(h)d 小时 %(m)d 分", h=hours, m=minutes)


def _catalogue():  # noqa: ANN202
    """The request's translations, looked up once per request.

    Flask-Babel resolves the locale and the domain again for every string; a
    page has dozens of strings, so templates use this instead (see init_app).
    """
    catalogue = g.get("_catalogue")
    if catalogue is None:
        catalogue = g._catalogue = get_translations()
    return catalogue


_asset_versions: dict[str, str] = {}


def _asset_version(app: Flask, filename: str) -> str:
    """A short hash of a static file's content, for its URL (``?v=…``).

    Browsers then keep our CSS and JS for a year instead of asking again on
    every page (each question used to load the user from the database); a new
    release changes the URL. Files do not change while a worker runs, except
    in debug mode.
    """
    version = _asset_versions.get(filename)
    if version is None or app.debug:
        try:
            data = (Path(app.static_folder or "") / filename).read_bytes()
        except OSError:
            return ""
        version = _asset_versions[filename] = hashlib.sha256(data).hexdigest()[:12]
    return version


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
    )
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    app.jinja_env.filters["shanghai"] = shanghai
    app.jinja_env.filters["deadline"] = deadline_label
    app.jinja_env.filters["day"] = day_label
    app.jinja_env.filters["time_left"] = time_left
    # A service's message (a judging.i18n.Said) in the reader's language.
    app.jinja_env.filters["say"] = lambda message: say(message, _)

    @user_logged_in.connect_via(app)
    def _start_clock(sender: Flask, user: User, **extra: object) -> None:
        """Every login starts both timeouts afresh, in the login response itself.

        Without this the clock of an earlier session in the same browser (kept
        in the cookie after logout) would time out a fresh login at once.
        """
        now = datetime.now(UTC).timestamp()
        session["seen"] = session["started"] = now

    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex

    # First of all hooks (before CSRF and the session check, which loads the
    # user): an error raised in any of them is logged and shown with its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)

    @app.url_defaults
    def _static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values.setdefault("v", _asset_version(app, values["filename"]))

    @app.before_request
    def _sessions() -> None:
        # Our own CSS, JS and icons are public: no user to load for them.
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = datetime.now(UTC).timestamp()
        idle = app.config["SESSION_IDLE_MINUTES"] * 60
        # No timestamps means a cookie the clock never saw: treat it as expired
        # rather than as new, or a replayed login response would never time out.
        last = session.get("seen", 0)
        started = session.get("started", 0)
        absolute = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        if now - last > idle or now - started > absolute:
            owner = str(current_user.id)
            logout_user()
            session.clear()
            if request.method == "POST" and request.endpoint in KEPT_ENDPOINTS:
                keep_form(owner)  # after clear(): the new session holds its key
                flash(_(_KEPT_MESSAGE), "warning")
                return redirect(url_for("accounts.login", next=request.path))
            flash(_("登录已超时，请重新登录。"), "warning")
            return redirect(url_for("accounts.login", next=request.full_path))
        if now - last > SEEN_RESOLUTION:  # no new cookie on every single request
            session["seen"] = now
        if current_user.must_change_password and request.endpoint not in (
            "accounts.change_password",
            "accounts.logout",
            "static",
            "set_language",
        ):
            return redirect(url_for("accounts.change_password"))
        return None

    @app.after_request
    def _headers(response):  # noqa: ANN001, ANN202
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if response.headers.get("Content-Disposition", "").startswith("attachment"):
            response.headers["Cache-Control"] = "no-store"
        elif request.endpoint == "static":
            if request.args.get("v") and response.status_code == 200:
                # The URL changes with the content (see _asset_version).
                response.headers["Cache-Control"] = ASSET_CACHE
        elif session.get("_user_id"):
            # Not current_user: after the request's commit that would load the
            # user again, and a dropped connection would turn a done save into
            # a 500.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _layout() -> dict:
        # The title only: an ORM object costs more than the query itself.
        title = None
        unread = 0
        if current_user.is_authenticated:
            from judging.messages.service import unread_count

            # not for unit contacts: calls differ by unit, and their dashboard
            # lists the ones they may take part in
            if current_user.role != Role.UNIT:
                title = db.session.scalar(_current_title_query())
            unread = unread_count(current_user)
        return {
            "unread_messages": unread,
            "Role": Role,
            "current_competition_title": title,
            "site_title": app.config["SITE_TITLE"],
            "lang": select_locale(),
        }

    @app.route("/lang/<code>")
    def set_language(code: str):  # noqa: ANN202
        if code in ("zh", "en"):
            session["lang"] = code
            # messages reach this person in the language last chosen
            if current_user.is_authenticated and current_user.language != code:
                current_user.language = code
                db.session.commit()
        target = request.referrer or ""
        if not target.startswith(request.host_url):
            target = url_for("accounts.home")
        return redirect(target)

    def _error(status: int, message: str):  # noqa: ANN202
        try:
            return render_template("error.html", status=status, message=message), status
        except Exception:  # the page itself failed: answer plainly, never a trace
            log.exception("error page failed (request %s)", g.get("request_id"))
            body = f"<!doctype html><meta charset=utf-8><h1>{status}</h1>"
            return body, status, {"Content-Type": "text/html; charset=utf-8"}

    @app.errorhandler(404)
    @app.errorhandler(403)
    def _not_found(exc):  # noqa: ANN001, ANN202
        db.session.rollback()
        return _error(404, _("页面不存在，或您无权查看。"))

    @app.errorhandler(405)
    def _method(exc):  # noqa: ANN001, ANN202
        return _error(405, _("不支持该请求方式。"))

    @app.errorhandler(413)
    def _too_large(exc):  # noqa: ANN001, ANN202
        db.session.rollback()
        return _error(413, _("上传的文件过大。"))

    @app.errorhandler(CSRFError)
    def _csrf(exc):  # noqa: ANN001, ANN202
        db.session.rollback()
        if request.method == "POST" and request.endpoint in KEPT_ENDPOINTS:
            # Mostly a session that expired with the browser: keep the input.
            keep_form()
            flash(_(_KEPT_MESSAGE), "warning")
            if current_user.is_authenticated:
                return redirect(request.path)
            return redirect(url_for("accounts.login", next=request.path))
        return _error(400, _("页面已过期或表单无效，请返回刷新后重试。"))

    @app.errorhandler(400)
    def _bad(exc):  # noqa: ANN001, ANN202
        db.session.rollback()
        return _error(400, _("请求无效。"))

    @app.errorhandler(Exception)
    def _server_error(exc):  # noqa: ANN001, ANN202
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            return _error(exc.code or 500, exc.description or "")
        db.session.rollback()
        log.exception(
            "request %s failed: %s %s",
            g.get("request_id"),
            request.method,
            request.path,
        )
        return _error(
            500,
            _(
                "服务器内部错误，已记录（请求编号 %(rid)s）。请稍后重试。",
                rid=g.get("request_id", ""),
            ),
        )


def error_texts(exc: BaseException) -> list[str]:
    """What a refusing service said, in the reader's language: its list of
    ``errors`` if it has one, else its message."""
    return [say(m, _) for m in errors_of(exc)]


def error_text(exc: BaseException) -> str:
    """A refusing service's message in the reader's language (one line)."""
    return " ".join(error_texts(exc))


def perform(
    call: Callable[[], object],
    *,
    done: str,
    refused: type[Exception] | tuple[type[Exception], ...],
) -> bool:
    """Run one use case as the request's only transaction.

    On success commit and flash `done`; when the service refuses (raises
    `refused`), roll everything back and flash its Chinese message(s), so a
    refused request changes nothing. Returns whether it succeeded.
    """
    try:
        call()
    except refused as exc:
        db.session.rollback()
        for message in error_texts(exc):
            flash(message, "error")
        return False
    db.session.commit()
    if done:
        flash(done, "success")
    return True

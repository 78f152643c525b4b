"""Production mode (``JUDGING_ENV=production``): safe defaults and refusals.

A production site must not start with a secret key that each host invents for
itself (sessions would break across hosts), nor with the demo's published
accounts, and behind a proxy it must see the real client's address (otherwise
one attacker's wrong passwords lock every login).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, select
from werkzeug.middleware.proxy_fix import ProxyFix

from judging.extensions import db

#: Applied before instance/config.py and JUDGING_* so those can still override.
PRODUCTION_DEFAULTS = {
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SECURE": True,
    "PREFERRED_URL_SCHEME": "https",
}
#: The accounts `flask demo` creates first, with the password it prints.
DEMO_USERNAMES = ("admin", "unit01", "judge01")


class ProductionRefused(RuntimeError):
    """The configuration is not fit for production; the message says why."""


def is_production(app: Flask) -> bool:
    return str(app.config.get("ENV", "")).lower() == "production"


def apply_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from TRUSTED_PROXIES proxies in front.

    With nginx in front, TRUSTED_PROXIES = 1: request.remote_addr becomes the
    address nginx saw, so rate limits and the login lock count per client. Left
    at 0 (no proxy), forwarded headers are ignored: a client cannot claim
    another address.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def check_secret_key(app: Flask, *, explicit: bool) -> None:
    if is_production(app) and not explicit:
        raise ProductionRefused(
            "生产模式必须明确设置 SECRET_KEY（所有主机相同，例如环境变量 "
            "JUDGING_SECRET_KEY），不能使用各主机自动生成的密钥。"
        )


def demo_accounts_present() -> list[str]:
    """The demo's accounts that still accept the demo password (DEMO_PASSWORD)."""
    from flask import current_app
    from werkzeug.security import check_password_hash

    from judging.accounts.models import User

    if "user" not in inspect(db.engine).get_table_names():
        return []
    password = current_app.config["DEMO_PASSWORD"]
    users = db.session.scalars(
        select(User).where(User.username.in_(DEMO_USERNAMES))
    ).all()
    found = [
        u.username for u in users if check_password_hash(u.password_hash, password)
    ]
    db.session.rollback()
    return sorted(found)


def check_no_demo_accounts(app: Flask) -> None:
    """Refuse to serve while the demo's published credentials would log in."""
    with app.app_context():
        found = demo_accounts_present()
        db.engine.dispose()  # a forking server must not share this connection
    if found:
        raise ProductionRefused(
            "生产模式拒绝启动：数据库中有演示账号（"
            + "、".join(found)
            + "）仍使用公开的演示密码。请删除演示数据或修改这些账号的密码。"
        )

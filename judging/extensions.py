"""Flask extension instances, bound to the app in create_app."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def bind_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to `app`, once: Alembic (with Mako and Pygments) is
    about 0.15 s of imports that only `init-db`, `flask db …` and the
    migration tests need, so create_app leaves them out."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from judging.config import REPO_ROOT

    Migrate(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)

"""Essay competition judging system: the application factory."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Start-up creates a few hundred thousand objects (modules, models, statements,
# forms, rules) and frees almost none: the collector's passes over them cost
# about a tenth of the start's CPU and find nothing, so it is off while these
# imports run and while create_app builds the app, and back on after.
_collecting = gc.isenabled()
gc.disable()
try:
    import click
    from flask import Flask
    from werkzeug.routing import Rule

    from judging.config import REPO_ROOT, DefaultConfig, ensure_secret_key
    from judging.production import (
        PRODUCTION_DEFAULTS,
        apply_proxy_fix,
        check_no_demo_accounts,
        check_secret_key,
        is_production,
    )
finally:
    if _collecting:
        gc.enable()

log = logging.getLogger("judging")


class LazyRule(Rule):
    """A URL rule whose two builders (the code `url_for` runs) are compiled on
    the rule's first `url_for`, not when it is added: werkzeug compiles both for
    each of the ~150 rules at start, about a tenth of the start-up's CPU, and a
    command or a worker builds few URLs, if any. Matching is unchanged."""

    def _compile_builder(
        self, append_unknown: bool = True
    ) -> Callable[..., tuple[str, str]]:
        name = "_build_unknown" if append_unknown else "_build"

        def first_build(rule: LazyRule, **values: Any) -> tuple[str, str]:
            real = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, name, real)
            return real(**values)

        return first_build


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, JUDGING_* env, `config`.

    The garbage collector is off meanwhile (see the imports above)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _create_app(config)
    finally:
        if collecting:
            gc.enable()


def _create_app(config: Mapping[str, Any] | None) -> Flask:
    instance_path = Path(
        os.environ.get("JUDGING_INSTANCE_PATH", REPO_ROOT / "instance")
    ).resolve()
    app = Flask(
        "judging",
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.url_rule_class = LazyRule
    app.config.from_object(DefaultConfig)
    env = (config or {}).get("ENV") or os.environ.get("JUDGING_ENV", "")
    if str(env).lower() == "production":
        app.config.update(PRODUCTION_DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("JUDGING")
    if config:
        app.config.update(config)
    check_secret_key(app, explicit=bool(app.config.get("SECRET_KEY")))
    instance_path.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = instance_path / "judging.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = ensure_secret_key(instance_path)

    from judging import models, web  # noqa: F401  (models: complete metadata)
    from judging.extensions import babel, csrf, db, login_manager

    db.init_app(app)  # Flask-Migrate: bound by the commands that need it (cli.py)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=web.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    from judging import jobs, storage
    from judging.certificates import jobs as _certificate_tasks  # noqa: F401
    from judging.downloads import jobs as _download_tasks  # noqa: F401
    from judging.messages import jobs as _mail_tasks  # noqa: F401
    from judging.messages import notices as _notices  # noqa: F401  (phase actions)
    from judging.publication import service as _publication  # noqa: F401  (guards)
    from judging.results import jobs as _results_tasks  # noqa: F401

    jobs.init_app(app)
    storage.init_app(app)
    web.init_app(app)
    _register_blueprints(app)
    from judging import ops

    ops.init_app(app)

    from judging.cli import register_commands

    register_commands(app)

    apply_proxy_fix(app)
    if is_production(app) and click.get_current_context(silent=True) is None:
        # A web server, not a `flask` command (which must stay usable to fix it)
        check_no_demo_accounts(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from judging.accounts.views import bp as accounts_bp
    from judging.anonymity.views import bp as anonymity_bp
    from judging.audit.views import bp as audit_bp
    from judging.competitions.views import bp as competitions_bp
    from judging.review.views import bp as review_bp
    from judging.submissions.views import bp as submissions_bp

    for bp in (accounts_bp, competitions_bp, submissions_bp, anonymity_bp, review_bp):
        app.register_blueprint(bp)
    app.register_blueprint(audit_bp)
    from judging.results.views import bp as results_bp

    app.register_blueprint(results_bp)
    from judging.assignment.views import bp as assignment_bp

    app.register_blueprint(assignment_bp)
    from judging.rounds.views import bp as rounds_bp

    app.register_blueprint(rounds_bp)
    from judging.originality.views import bp as originality_bp

    app.register_blueprint(originality_bp)
    from judging.certificates.views import bp as certificates_bp

    app.register_blueprint(certificates_bp)
    from judging.downloads.views import bp as downloads_bp

    app.register_blueprint(downloads_bp)
    from judging.messages.views import bp as messages_bp
    from judging.publication.views import bp as publication_bp

    app.register_blueprint(messages_bp)
    app.register_blueprint(publication_bp)

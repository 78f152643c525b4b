"""Login, passwords, the role home page and the organiser's account pages."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from judging import passwords
from judging.accounts import service
from judging.accounts.forms import (
    ActionForm,
    CredentialsForm,
    ImportForm,
    LoginForm,
    PasswordForm,
    UnitNamesForm,
)
from judging.accounts.models import Judge, Role, Unit, User
from judging.auth import organiser_required
from judging.competitions.eligibility import UNIT_KINDS
from judging.extensions import db
from judging.glossary import TERMS
from judging.listing import ListSpec, listing
from judging.responses import xlsx_download
from judging.web import error_text

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """Only our own absolute paths: never another host, never "//evil".

    Control characters are refused too: browsers drop tabs and newlines from a
    URL, so "/<TAB>/evil" would become "//evil", another host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    return target


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    if current_user.role == Role.ORGANISER:
        return redirect(url_for("competitions.index"))
    if current_user.role == Role.UNIT:
        return redirect(url_for("submissions.dashboard"))
    return redirect(url_for("review.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = service.authenticate(
                username=form.username.data.strip(),
                password=form.password.data,
                address=request.remote_addr or "",
            )
        except service.AccountError as exc:
            db.session.commit()  # keep the failed attempt: throttling counts it
            flash(error_text(exc), "error")
        else:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("accounts.home"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        service.logout(user=current_user)
        db.session.commit()
        logout_user()
        flash(_("您已退出登录。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                user=current_user, current=form.current.data, new=form.new.data
            )
        except service.AccountError as exc:
            flash(error_text(exc), "error")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the new session version
            flash(_("密码已修改。"), "success")
            return redirect(url_for("accounts.home"))
    rule = _(
        "至少 %(n)d 位；不能是常见密码（如 password123、qwertyuiop），"
        "不能由用户名、系统名称或单位名称加数字构成，至少含 %(k)d 个不同字符。"
        "可用一句容易记住的话。",
        n=passwords.minimum_length(current_user.role),
        k=passwords.MIN_DISTINCT,
    )
    return render_template("accounts/password.html", form=form, rule=rule)


@bp.route("/glossary")
@login_required
def glossary():
    """The terms the pages use, each explained once."""
    return render_template("accounts/glossary.html", terms=TERMS)


# --- organiser: accounts, units, judges ---------------------------------


def _role_filter(value: str):  # noqa: ANN202
    return User.role == value if value in set(Role) else None


def _enabled_filter(value: str):  # noqa: ANN202
    return {"1": User.is_enabled.is_(True), "0": User.is_enabled.is_(False)}.get(value)


USERS = ListSpec(
    sorts={
        "username": User.username,
        "role": User.role,
        "name": User.display_name,
        "login": User.last_login_at,
    },
    default="username",
    tiebreak=User.id,
    search=(User.username, User.display_name),
    filters={"role": _role_filter, "enabled": _enabled_filter},
)


@bp.route("/admin/users")
@organiser_required
def users():
    query = select(User).options(selectinload(User.unit), selectinload(User.judge))
    return render_template(
        "accounts/users.html", l=listing(query, USERS), form=ActionForm()
    )


@bp.route("/admin/users/<int:user_id>/reset", methods=["POST"])
@organiser_required
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    password = service.reset_password(actor=current_user, user=user)
    db.session.commit()
    return render_template("accounts/reset_done.html", user=user, password=password)


@bp.route("/admin/users/<int:user_id>/enabled", methods=["POST"])
@organiser_required
def set_enabled(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    enabled = request.form.get("enabled") == "1"
    try:
        service.set_enabled(actor=current_user, user=user, enabled=enabled)
    except service.AccountError as exc:
        flash(error_text(exc), "error")
    else:
        db.session.commit()
        flash(
            _(
                "账号 %(name)s 已%(state)s。",
                name=user.username,
                state=_("启用") if enabled else _("停用"),
            ),
            "success",
        )
    kept = ("role", "enabled", "q", "sort", "page")
    back = {k: v for k, v in request.args.items() if k in kept}
    return redirect(url_for("accounts.users", **back))


_UNIT_ACCOUNTS = (
    select(func.count(User.id)).where(User.unit_id == Unit.id).scalar_subquery()
)


def _unit_kind_filter(value: str):  # noqa: ANN202
    return Unit.kind == value


UNITS = ListSpec(
    sorts={
        "id": Unit.id,
        "name": Unit.name,
        "kind": Unit.kind,
        "contact": Unit.contact_name,
        "accounts": _UNIT_ACCOUNTS,
    },
    default="id",
    tiebreak=Unit.id,
    search=(Unit.name, Unit.short_name, Unit.aliases, Unit.contact_name),
    filters={"kind": _unit_kind_filter},
)


@bp.route("/admin/units")
@organiser_required
def units():
    page = listing(select(Unit), UNITS)
    ids = [u.id for u in page.items]
    accounts = dict(
        db.session.execute(
            select(User.unit_id, func.count(User.id))
            .where(User.unit_id.in_(ids))
            .group_by(User.unit_id)
        ).all()
    )
    kinds = db.session.scalars(
        select(Unit.kind).where(Unit.kind != "").distinct().order_by(Unit.kind)
    ).all()
    return render_template(
        "accounts/units.html", l=page, accounts=accounts, kinds=kinds
    )


def _lines(text: str) -> tuple[str, ...]:
    items = (i.strip() for i in text.replace("|", "\n").splitlines())
    return tuple(dict.fromkeys(i for i in items if i))


@bp.route("/admin/units/<int:unit_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_unit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitNamesForm()
    form.kind.choices = [("", _("（未设置）"))] + [(k, _(k)) for k in UNIT_KINDS]
    if request.method == "GET":
        form.short_name.data = unit.short_name
        form.kind.data = unit.kind
        form.is_pilot.data = unit.is_pilot
        form.groups.data = "、".join(unit.group_list)
        form.aliases.data = "\n".join(unit.alias_list)
        form.english_names.data = "\n".join(unit.english_name_list)
        form.abbreviations.data = "\n".join(unit.abbreviation_list)
        form.domains.data = "\n".join(unit.domain_list)
        form.institutes.data = "\n".join(unit.institute_list)
    elif form.validate_on_submit():
        names = service.UnitNames(
            short_name=form.short_name.data or "",
            aliases=_lines(form.aliases.data or ""),
            english_names=_lines(form.english_names.data or ""),
            abbreviations=_lines(form.abbreviations.data or ""),
            domains=_lines(form.domains.data or ""),
            institutes=_lines(form.institutes.data or ""),
            kind=form.kind.data or "",
            is_pilot=bool(form.is_pilot.data),
            groups=tuple(re.split(r"[、,，;；|\s]+", form.groups.data or "")),
        )
        try:
            changed = service.update_unit_names(
                actor=current_user, unit=unit, names=names
            )
        except service.AccountError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            db.session.commit()
            flash(_("已保存。") if changed else _("没有改动。"), "success")
            return redirect(url_for("accounts.units"))
    return render_template("accounts/unit_edit.html", unit=unit, form=form)


def _judge_unit_filter(value: str):  # noqa: ANN202
    return {"1": Judge.unit_id.is_not(None), "0": Judge.unit_id.is_(None)}.get(value)


JUDGES = ListSpec(
    sorts={
        "name": Judge.name,
        "title": Judge.title,
        "affiliation": Judge.affiliation,
        "username": User.username,
    },
    default="name",
    tiebreak=Judge.id,
    search=(Judge.name, Judge.affiliation, Judge.expertise, Judge.title, User.username),
    filters={"affiliated": _judge_unit_filter},
)


@bp.route("/admin/judges")
@organiser_required
def judges():
    query = (
        select(Judge)
        .join(User, User.id == Judge.user_id)
        .options(selectinload(Judge.user), selectinload(Judge.unit))
    )
    return render_template("accounts/judges.html", l=listing(query, JUDGES))


@bp.route("/admin/<any(units, judges):kind>/import", methods=["GET", "POST"])
@organiser_required
def import_people(kind: str):
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        importer = service.import_units if kind == "units" else service.import_judges
        result = importer(
            actor=current_user, data=upload.read(), filename=upload.filename or ""
        )
        if result.errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(
                _(
                    "导入完成：新增 %(c)d，更新 %(u)d，未变 %(n)d。",
                    c=result.created,
                    u=result.updated,
                    n=result.unchanged,
                ),
                "success",
            )
    return render_template(
        "accounts/import.html",
        form=form,
        kind=kind,
        result=result,
        unit_kinds=UNIT_KINDS,
        credentials_form=CredentialsForm(),
    )


@bp.route("/admin/credentials.xlsx", methods=["POST"])
@organiser_required
def credentials():
    form = CredentialsForm()
    if not form.validate_on_submit():
        abort(400)
    rows = [r.split("\t") for r in form.rows.data if r.count("\t") == 4]
    creds = [service.Credential(*row) for row in rows]
    return xlsx_download(service.credentials_xlsx(creds), "账号与初始密码.xlsx")

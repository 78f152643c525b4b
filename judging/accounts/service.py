"""Account use cases: login, passwords, deactivation, unit and judge imports."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import delete, func, select, text
from werkzeug.security import check_password_hash, generate_password_hash

from judging.accounts.imports import (
    JUDGE_COLUMNS,
    UNIT_COLUMNS,
    KnownUnit,
    RowError,
    clean_domain,
    identity_errors,
    validate_judges,
    validate_units,
)
from judging.accounts.models import Judge, LoginAttempt, Role, Unit, User
from judging.audit.service import record
from judging.competitions.eligibility import UNIT_KINDS
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_, message_of, said
from judging.passwords import password_problems
from judging.tables import TableError, read_table, safe_cell

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AccountError(ValueError):
    """A refused account action; the message is shown to the user. `errors`,
    when given, are its several problems, each said in the reader's language."""

    def __init__(self, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def new_password() -> str:
    """A one-time password without look-alike characters (no 0/O, 1/l)."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(10))


def hash_password(password: str) -> str:
    return generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def _names_of(user: User | None, username: str) -> list[str]:
    """The words a user's password may not be built from (see passwords)."""
    names = [username, current_app.config.get("SITE_TITLE", ""), "judging"]
    if user is not None:
        names.append(user.display_name)
        if user.unit is not None:
            names += [user.unit.name, user.unit.short_name, *user.unit.alias_list]
        if user.judge is not None:
            names.append(user.judge.affiliation)
    return names


def check_new_password(
    password: str, *, username: str, role: str, user: User | None = None
) -> None:
    """Refuse a password that breaks the rule of ``judging.passwords``."""
    problems = password_problems(password, role=role, names=_names_of(user, username))
    if problems:
        raise AccountError("".join(problems))


# --- login ---------------------------------------------------------------


def _serialise_attempts(username: str) -> None:
    """Let one login attempt per user name at a time count, check and record.

    Counting the recent failures and adding this one are two statements: on
    PostgreSQL, 16 parallel wrong passwords all counted the same 0..4 and 8 were
    checked instead of 5. A transaction-scoped advisory lock on the name makes
    the pair atomic (it is released by the commit that stores the failure). On
    SQLite a POST's transaction already holds the database's write lock from its
    first statement (see web._sqlite_begin), so attempts are serial there.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(7401, hashtext(:name))"),
            {"name": username},
        )


def _recent_failures(*, username: str, address: str) -> tuple[int, int]:
    window = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    by_user = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username, LoginAttempt.at >= window
        )
    )
    by_address = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.address == address, LoginAttempt.at >= window
        )
    )
    return by_user or 0, by_address or 0


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def authenticate(*, username: str, password: str, address: str) -> User:
    """Return the user for a correct login or raise AccountError.

    Failures are counted in the database, so every worker sees the same count: an
    account or an address with too many recent failures is locked for a while.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    _serialise_attempts(username)
    by_user, by_address = _recent_failures(username=username, address=address)
    if by_user >= limit or by_address >= limit * 4:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        raise AccountError(said(
            N_("登录失败次数过多，请 %(minutes)s 分钟后再试。"),
            minutes=minutes,
        ))
    user = db.session.scalar(select(User).where(User.username == username))
    # Unknown names take as long as wrong passwords, so timing reveals no accounts.
    stored = user.password_hash if user else _dummy_hash()
    if not check_password_hash(stored, password) or user is None:
        db.session.add(LoginAttempt(username=username, address=address))
        raise AccountError(N_("用户名或密码错误。"))
    if not user.is_enabled:
        raise AccountError(N_("该账号已停用，请联系主办方。"))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    user.last_login_at = utcnow()
    record(actor_id=user.id, action="login", obj=user, address=address)
    return user


def logout(*, user: User) -> None:
    """End every session of the user: old cookies stop working."""
    user.session_version += 1
    record(actor_id=user.id, action="logout", obj=user)


def change_password(*, user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError(N_("当前密码不正确。"))
    if current == new:
        raise AccountError(N_("新密码不能与当前密码相同。"))
    check_new_password(new, username=user.username, role=user.role, user=user)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    record(actor_id=user.id, action="password.change", obj=user)


def reset_password(*, actor: User, user: User) -> str:
    """Give the user a new one-time password that must be changed at next login."""
    password = new_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    record(actor_id=actor.id, action="password.reset", obj=user)
    return password


def set_enabled(*, actor: User, user: User, enabled: bool) -> None:
    if user.id == actor.id and not enabled:
        raise AccountError(N_("不能停用自己的账号。"))
    user.is_enabled = enabled
    if not enabled:
        user.session_version += 1
    record(
        actor_id=actor.id, action="user.enable" if enabled else "user.disable", obj=user
    )


def create_organiser(
    *, username: str, password: str, display_name: str = "", demo: bool = False
) -> User:
    """A new organiser; the password must follow the rule (``passwords``).

    ``demo`` (the demo data only) takes the demo's shared, published password as
    it is: that one is known by design, and the demo is no place for real data.
    """
    username = username.strip()
    if not username:
        raise AccountError(N_("用户名不能为空。"))
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(said(N_("用户名“%(username)s”已存在。"), username=username))
    if not demo:
        check_new_password(password, username=username, role=Role.ORGANISER)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=Role.ORGANISER,
        display_name=display_name or username,
        must_change_password=False,
    )
    db.session.add(user)
    db.session.flush()
    record(actor_id=None, action="user.create", obj=user, role=Role.ORGANISER)
    return user


# --- imports ---------------------------------------------------------------


@dataclass
class Credential:
    username: str
    password: str
    role: str
    name: str
    organisation: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    credentials: list[Credential] = field(default_factory=list)


def _next_username(prefix: str) -> str:
    taken = set(
        db.session.scalars(
            select(User.username).where(User.username.like(f"{prefix}%"))
        )
    )
    n = 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"


def _make_account(
    *,
    role: Role,
    display_name: str,
    prefix: str,
    shared: tuple[str, str] | None = None,
) -> tuple[User, str]:
    """A new account; `shared` (demo only) is a known (password, hash) pair."""
    password, password_hash = shared or (new_password(), None)
    user = User(
        username=_next_username(prefix),
        password_hash=password_hash or hash_password(password),
        role=role,
        display_name=display_name,
        must_change_password=shared is None,
    )
    db.session.add(user)
    db.session.flush()
    return user, password


def _apply(obj: object, values: dict[str, object]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


IMPORT_COLUMN = {"contact_phone": "phone", "contact_email": "email"}


def import_units(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    shared: tuple[str, str] | None = None,
) -> ImportResult:
    """Create or update units and their contact accounts from a CSV/XLSX file.

    All or nothing: if any row is bad, the result carries every error and nothing
    is written. Re-importing the same file changes nothing.
    `shared` (demo only) gives every new account the same known password.
    """
    result = ImportResult()
    try:
        table = read_table(
            data, filename=filename, columns=UNIT_COLUMNS, required={"name"}
        )
    except TableError as exc:
        result.errors.append(RowError(1, message_of(exc)))
        return result
    rows, result.errors = validate_units(table)
    existing = {s.name: s for s in db.session.scalars(select(Unit))}
    for row in rows:  # a short name may not collide with another existing unit
        for unit in existing.values():
            if (
                row.short_name
                and unit.short_name == row.short_name
                and (unit.name != row.name)
            ):
                result.errors.append(
                    RowError(row.row, said(
                        N_("简称“%(short)s”已被“%(name)s”使用"),
                        short=row.short_name, name=unit.name,
                    ))
                )
        for unit in existing.values():
            taken = set(row.domains) & set(unit.domain_list)
            if taken and unit.name != row.name:
                result.errors.append(
                    RowError(row.row, said(
                        N_("域名“%(domain)s”已被“%(name)s”使用"),
                        domain=min(taken), name=unit.name,
                    ))
                )
    if result.errors:
        return result
    for row in rows:
        values = {
            "short_name": row.short_name,
            "aliases": "|".join(row.aliases),
            "kind": row.kind,
            "contact_name": row.contact_name,
            "contact_phone": row.phone,
            "contact_email": row.email,
            "english_names": "|".join(row.english_names),
            "abbreviations": "|".join(row.abbreviations),
            "domains": "|".join(row.domains),
            "institutes": "|".join(row.institutes),
            "is_pilot": row.is_pilot,
            "groups": "|".join(row.groups),
        }
        # a column the file does not have leaves that field alone, so a file
        # of English names and domains only completes the units already there
        values = {
            key: value
            for key, value in values.items()
            if IMPORT_COLUMN.get(key, key) in row.columns
        }
        unit = existing.get(row.name)
        if unit is None:
            unit = Unit(name=row.name, **values)
            db.session.add(unit)
            db.session.flush()
            user, password = _make_account(
                role=Role.UNIT,
                display_name=row.contact_name or row.name,
                prefix="unit",
                shared=shared,
            )
            user.unit_id = unit.id
            result.created += 1
            result.credentials.append(
                Credential(
                    user.username, password, "单位联络员", user.display_name, row.name
                )
            )
            record(actor_id=actor.id if actor else None, action="unit.create", obj=unit)
        elif _apply(unit, values):
            result.updated += 1
            record(actor_id=actor.id if actor else None, action="unit.update", obj=unit)
        else:
            result.unchanged += 1
    db.session.flush()
    return result


@dataclass(frozen=True)
class UnitNames:
    """The name forms of a unit the organiser edits (one item per line)."""

    short_name: str = ""
    aliases: tuple[str, ...] = ()
    english_names: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    institutes: tuple[str, ...] = ()
    kind: str | None = None  # None: leave as it is
    is_pilot: bool | None = None
    groups: tuple[str, ...] | None = None


def update_unit_names(*, actor: User, unit: Unit, names: UnitNames) -> bool:
    """Change the forms the anonymity scanner knows a unit by.

    Refused with every problem at once; returns whether anything changed. Scans
    already made keep their findings; new uploads and edits use the new forms.
    """
    if actor.role != Role.ORGANISER:
        raise AccountError(N_("只有主办方可以修改单位信息。"))
    errors = [
        e.message
        for e in identity_errors(
            0,
            english_names=names.english_names,
            abbreviations=names.abbreviations,
            domains=names.domains,
        )
    ]
    short = names.short_name.strip()
    domains = tuple(dict.fromkeys(d for d in map(clean_domain, names.domains) if d))
    for other in db.session.scalars(select(Unit).where(Unit.id != unit.id)):
        if short and other.short_name == short:
            errors.append(said(
                N_("简称“%(short)s”已被“%(name)s”使用"),
                short=short, name=other.name,
            ))
        for domain in sorted(set(domains) & set(other.domain_list)):
            errors.append(said(
                N_("域名“%(domain)s”已被“%(name)s”使用"),
                domain=domain, name=other.name,
            ))
    values = {
        "short_name": short,
        "aliases": "|".join(names.aliases),
        "english_names": "|".join(names.english_names),
        "abbreviations": "|".join(names.abbreviations),
        "domains": "|".join(domains),
        "institutes": "|".join(names.institutes),
    }
    if names.kind is not None:
        if names.kind and names.kind not in UNIT_KINDS:
            errors.append(said(N_("未知的单位类型“%(kind)s”"), kind=names.kind))
        values["kind"] = names.kind
    if names.is_pilot is not None:
        values["is_pilot"] = names.is_pilot
    if names.groups is not None:
        groups = tuple(dict.fromkeys(g.strip() for g in names.groups if g.strip()))
        if any(len(g) > 40 or "|" in g for g in groups):
            errors.append(N_("分组名称过长（每个最多 40 字）或含有“|”"))
        values["groups"] = "|".join(groups)
    limits = (("short_name", 40), ("aliases", 400), ("english_names", 400),
              ("abbreviations", 200), ("domains", 400), ("groups", 400))  # fmt: skip
    for key, limit in limits:
        if len(values.get(key, "")) > limit:
            errors.append(said(
                N_("内容过长（%(key)s 最多 %(limit)s 字符）"),
                key=key, limit=limit,
            ))
    if errors:
        raise AccountError("；".join(errors) + "。", errors=errors)
    before = {key: getattr(unit, key) for key in values}
    if not _apply(unit, values):
        return False
    record(
        actor_id=actor.id,
        action="unit.update",
        obj=unit,
        changed=sorted(k for k in values if before[k] != values[k]),
    )
    db.session.flush()
    return True


def known_units() -> list[KnownUnit]:
    return [
        KnownUnit(s.id, s.name, s.short_name, tuple(s.alias_list))
        for s in db.session.scalars(select(Unit).order_by(Unit.id))
    ]


def import_judges(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    shared: tuple[str, str] | None = None,
) -> ImportResult:
    """Create or update judges and their accounts; all or nothing, like units."""
    result = ImportResult()
    try:
        table = read_table(
            data,
            filename=filename,
            columns=JUDGE_COLUMNS,
            required={"name", "affiliation"},
        )
    except TableError as exc:
        result.errors.append(RowError(1, message_of(exc)))
        return result
    rows, result.errors = validate_judges(table, known_units())
    if result.errors:
        return result
    existing = {(j.name, j.affiliation): j for j in db.session.scalars(select(Judge))}
    for row in rows:
        values = {
            "title": row.title,
            "unit_id": row.unit_id,
            "expertise": "|".join(row.expertise),
            "phone": row.phone,
            "email": row.email,
            "capacity": row.capacity,
        }
        judge = existing.get((row.name, row.affiliation))
        if judge is None:
            user, password = _make_account(
                role=Role.JUDGE,
                display_name=row.name,
                prefix="judge",
                shared=shared,
            )
            judge = Judge(
                user_id=user.id, name=row.name, affiliation=row.affiliation, **values
            )
            db.session.add(judge)
            db.session.flush()
            result.created += 1
            result.credentials.append(
                Credential(
                    user.username, password, "评审专家", row.name, row.affiliation
                )
            )
            record(
                actor_id=actor.id if actor else None, action="judge.create", obj=judge
            )
        elif _apply(judge, values):
            result.updated += 1
            record(
                actor_id=actor.id if actor else None, action="judge.update", obj=judge
            )
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def credentials_xlsx(credentials: list[Credential]) -> bytes:
    """The sheet of new accounts and one-time passwords to hand out."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "账号"
    sheet.append(["用户名", "初始密码", "角色", "姓名/联系人", "单位", "说明"])
    for c in credentials:
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    c.username,
                    c.password,
                    c.role,
                    c.name,
                    c.organisation,
                    "首次登录后须修改密码",
                )
            ]
        )
    for column, width in zip("ABCDEF", (12, 14, 12, 16, 30, 22), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Certificate use cases: issuing, revoking, the seal, printable batches, lookups."""

from __future__ import annotations

import io
import logging
import re
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, BinaryIO

from flask import current_app, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from judging.accounts.models import Role, Unit, User
from judging.audit.service import record
from judging.certificates.models import Certificate, VerifyHit
from judging.competitions.models import Competition, Phase
from judging.escaping import path_segment
from judging.extensions import db
from judging.i18n import N_, said
from judging.results.models import Result
from judging.submissions.files import load_file, save_file
from judging.submissions.models import Author, Entry, StoredFile

#: Crockford's base32 alphabet: no I, L, O or U, so a serial read aloud or typed
#: from paper is not misread.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_GROUPS = 4  # four groups of four: 80 random bits, "7K2Q-M9XD-…"
SEAL_MAX_BYTES = 2 * 1024 * 1024
SEAL_MAX_PIXELS = 3000
log = logging.getLogger("judging")

ENTRY, AUTHOR, ORGANISATION = "entry", "author", "organisation"
ORGANISATION_TIER = "优秀组织奖"
if TYPE_CHECKING:  # reportlab and Pillow load only where a page or PDF needs them
    from judging.certificates.render import CertificateData

VERIFY_LIMIT = 30
VERIFY_WINDOW = timedelta(minutes=10)
PRINTABLE_PHASES = (Phase.FINALISED, Phase.PUBLICITY, Phase.PUBLISHED)


class CertificateError(ValueError):
    """A refused certificate action; the message is shown in Chinese."""


@dataclass(frozen=True)
class Awarded:
    """An issued certificate with the entry's frozen result (its tier)."""

    certificate: Certificate
    result: Result

    @property
    def entry(self) -> Entry:
        return self.certificate.entry

    @property
    def is_revoked(self) -> bool:
        return self.certificate.revoked_at is not None

    @property
    def names(self) -> tuple[str, ...]:
        """Whom the certificate names: one author (per-author certificates,
        by position) or all the entry's authors."""
        names = self.entry.author_names
        position = self.certificate.author_position
        if self.certificate.kind == AUTHOR and position is not None:
            return tuple(
                a.name for a in self.entry.authors if a.position == position
            ) or tuple(names)
        return tuple(names)


@dataclass(frozen=True)
class GlyphProblem:
    """One certificate field with characters the certificate font cannot draw."""

    entry: Entry | None  # None: the competition title or the issuer
    serial: str
    field: str
    text: str
    chars: tuple[str, ...]

    @property
    def char_labels(self) -> tuple[str, ...]:
        """Each character with its code point, e.g. "𠀾 U+2003E"."""
        return tuple(f"{ch} U+{ord(ch):04X}" for ch in self.chars)


def _check_organiser(actor: User | None) -> None:
    # None is the command line, run by whoever administers the server.
    if actor is not None and actor.role != Role.ORGANISER:
        raise CertificateError(N_("只有主办方可以管理荣誉证书。"))


def _check_printable_phase(competition: Competition) -> None:
    if competition.phase not in PRINTABLE_PHASES:
        raise CertificateError(N_("评审结果定稿后才能颁发和打印荣誉证书。"))


def new_serial() -> str:
    """An unguessable certificate serial such as ``7K2Q-M9XD-4TRB-0WZE``.

    Drawn from `secrets`, never from a counter: knowing one serial tells nothing
    about any other, so the public verification page cannot be walked.
    """
    chars = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(4 * SERIAL_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalise_serial(text: str) -> str:
    """A typed serial in canonical form: upper case, O→0, I/L→1, no stray spaces."""
    cleaned = text.strip().upper().replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


# --- issuing and revoking -------------------------------------------------------


def awarded_results(competition: Competition) -> list[Result]:
    """Frozen results that carry an award: a tier and not excluded."""
    return list(
        db.session.scalars(
            select(Result)
            .where(
                Result.competition_id == competition.id,
                Result.tier_name.is_not(None),
                Result.is_excluded.is_(False),
            )
            .order_by(Result.tier_position, Result.rank, Result.entry_id)
        )
    )


def issue_certificates(
    *, actor: User | None, competition: Competition, now: datetime
) -> list[Certificate]:
    """Create the certificates not issued yet; return the new ones.

    "No certificates before finalised": the awards must be frozen first. The
    competition decides (``certificate_mode``) whether an awarded entry gets one
    certificate or one per author (each naming its author, and the advisor
    where there is one); every unit given the 优秀组织奖 gets its own. Running
    it again creates nothing twice, so a revoked certificate is not silently
    replaced; an entry that already holds a certificate of either kind gets no
    other kind.
    """
    _check_organiser(actor)
    _check_printable_phase(competition)
    have: dict[int, set[int | None]] = {}
    for entry_id, position in db.session.execute(
        select(Certificate.entry_id, Certificate.author_position)
        .join(Entry, Entry.id == Certificate.entry_id)
        .where(Entry.competition_id == competition.id)
    ):
        have.setdefault(entry_id, set()).add(position)
    used = set(db.session.scalars(select(Certificate.serial)))

    def fresh_serial() -> str:
        serial = new_serial()
        while serial in used:
            serial = new_serial()
        used.add(serial)
        return serial

    per_author = competition.certificate_mode == AUTHOR
    positions: dict[int, list[int]] = {}
    if per_author:
        for entry_id, position in db.session.execute(
            select(Author.entry_id, Author.position)
            .join(Result, Result.entry_id == Author.entry_id)
            .where(Result.competition_id == competition.id)
            .order_by(Author.entry_id, Author.position)
        ):
            positions.setdefault(entry_id, []).append(position)
    created = []
    for result in awarded_results(competition):
        held = have.get(result.entry_id, set())
        if per_author and positions.get(result.entry_id) and None not in held:
            wanted = [p for p in positions[result.entry_id] if p not in held]
            for position in wanted:
                created.append(
                    Certificate(
                        entry_id=result.entry_id,
                        kind=AUTHOR,
                        author_position=position,
                        serial=fresh_serial(),
                        issued_at=now,
                    )
                )
        elif not held:
            created.append(
                Certificate(
                    entry_id=result.entry_id, serial=fresh_serial(), issued_at=now
                )
            )
    created += [
        Certificate(
            kind=ORGANISATION,
            competition_id=competition.id,
            unit_id=unit_id,
            serial=fresh_serial(),
            issued_at=now,
        )
        for unit_id in _organisations_without_certificate(competition)
    ]
    db.session.add_all(created)
    db.session.flush()
    record(
        actor_id=actor.id if actor else None,
        action="certificates.issue",
        obj=competition,
        competition_id=competition.id,
        created=len(created),
        mode=competition.certificate_mode,
    )
    return created


def _organisations_without_certificate(competition: Competition) -> list[int]:
    """Units given the 优秀组织奖 that hold no certificate for it yet."""
    from judging.results.models import OrganisationAward

    held = select(Certificate.unit_id).where(
        Certificate.competition_id == competition.id,
        Certificate.kind == ORGANISATION,
    )
    return list(
        db.session.scalars(
            select(OrganisationAward.unit_id)
            .where(
                OrganisationAward.competition_id == competition.id,
                OrganisationAward.is_awarded.is_(True),
                OrganisationAward.unit_id.not_in(held),
            )
            .order_by(OrganisationAward.rank, OrganisationAward.unit_id)
        )
    )


def issued_organisations(
    competition: Competition,
    *,
    unit_id: int | None = None,
    include_revoked: bool = True,
) -> list[Certificate]:
    """The 优秀组织奖 certificates of a competition, by unit name."""
    query = (
        select(Certificate)
        .join(Unit, Unit.id == Certificate.unit_id)
        .where(
            Certificate.competition_id == competition.id,
            Certificate.kind == ORGANISATION,
        )
        .options(selectinload(Certificate.unit))
        .order_by(Unit.name, Certificate.id)
    )
    if unit_id is not None:
        query = query.where(Certificate.unit_id == unit_id)
    if not include_revoked:
        query = query.where(Certificate.revoked_at.is_(None))
    return list(db.session.scalars(query))


def revoke_certificate(
    *, actor: User, certificate: Certificate, reason: str, now: datetime
) -> None:
    """Revoke a certificate with a written reason: it is no longer printed and the
    public verification page says it is revoked."""
    _check_organiser(actor)
    if certificate.revoked_at is not None:
        raise CertificateError(N_("该证书已撤销。"))
    if not reason.strip():
        raise CertificateError(N_("请填写撤销原因。"))
    certificate.revoked_at = now
    certificate.revoke_reason = reason.strip()
    db.session.flush()
    record(
        actor_id=actor.id,
        action="certificate.revoke",
        obj=certificate,
        competition_id=(
            certificate.entry.competition_id
            if certificate.entry is not None
            else certificate.competition_id
        ),
        serial=certificate.serial,
        reason=certificate.revoke_reason,
    )


def issued(
    competition: Competition,
    *,
    unit_id: int | None = None,
    include_revoked: bool = True,
) -> list[Awarded]:
    """Issued certificates of a competition in print order (tier, then rank)."""
    query = (
        select(Certificate, Result)
        .join(Entry, Entry.id == Certificate.entry_id)
        .join(Result, Result.entry_id == Certificate.entry_id)
        .where(Entry.competition_id == competition.id)
        .order_by(
            Result.category,
            Result.tier_position,
            Result.rank,
            Entry.id,
            Certificate.author_position,
        )
    )
    if unit_id is not None:
        query = query.where(Entry.unit_id == unit_id)
    if not include_revoked:
        query = query.where(Certificate.revoked_at.is_(None))
    return [Awarded(c, r) for c, r in db.session.execute(query).all()]


def correct_entry(
    *,
    actor: User,
    entry: Entry,
    title: str,
    authors: list[str],
    now: datetime,
) -> None:
    """Correct an awarded entry's title or author names for printing (audited).

    Used when a name holds a character the certificate font lacks, or a unit
    asks for a misspelling to be fixed after the deadline; before and after are
    both kept in the audit log.
    """
    _check_organiser(actor)
    names = [n.strip() for n in authors if n.strip()]
    if not title.strip() or not names:
        raise CertificateError(N_("作品题目和作者姓名不能为空。"))
    before = {"title": entry.title, "authors": entry.author_names}
    entry.title = title.strip()
    for position, name in enumerate(names, start=1):
        if position <= len(entry.authors):
            entry.authors[position - 1].name = name
        else:
            entry.authors.append(Author(position=position, name=name))
    del entry.authors[len(names) :]
    entry.updated_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="entry.correct",
        obj=entry,
        competition_id=entry.competition_id,
        before=before,
        after={"title": entry.title, "authors": entry.author_names},
    )


# --- the competition's certificate settings ------------------------------------


def update_settings(
    *,
    actor: User,
    competition: Competition,
    issuer: str,
    issued_on: date | None,
    now: datetime,
) -> None:
    """Set the issuing body and date printed on the certificates.

    Kept apart from the competition settings, which lock once results are
    final, because the wording of the issuer is often settled only then.
    """
    _check_organiser(actor)
    competition.issuer = issuer.strip()
    competition.issued_on = issued_on
    competition.updated_at = now
    record(
        actor_id=actor.id,
        action="certificates.settings",
        obj=competition,
        competition_id=competition.id,
        issuer=competition.issuer,
        issued_on=issued_on.isoformat() if issued_on else None,
    )


def check_seal(data: bytes) -> bytes:
    """Validate an uploaded seal image and return it as a clean RGBA PNG.

    Only PNG, decided by content (not by the file name); at most 2 MB. The image
    is decoded and written again, which drops any extra chunks and keeps the
    transparency (a palette's transparent colour becomes an alpha channel).
    """
    if not data:
        raise CertificateError(N_("请选择印章图片。"))
    if len(data) > SEAL_MAX_BYTES:
        raise CertificateError(N_("印章图片不能超过 2 MB。"))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise CertificateError(N_("印章图片须为 PNG 格式（建议透明背景）。"))
            if max(image.size) > SEAL_MAX_PIXELS:
                raise CertificateError(
                    said(
                        N_("印章图片过大（最长边不超过 %(pixels)s 像素）。"),
                        pixels=SEAL_MAX_PIXELS,
                    )
                )
            image.load()
            clean = image.convert("RGBA")
    except CertificateError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise CertificateError(N_("印章图片须为 PNG 格式（建议透明背景）。")) from None
    out = io.BytesIO()
    clean.save(out, format="PNG")
    return out.getvalue()


def save_seal(
    *, actor: User, competition: Competition, data: bytes, now: datetime
) -> None:
    """Store the seal image printed over the issuer on every certificate."""
    _check_organiser(actor)
    png = check_seal(data)
    stored = save_file(png, kind="png")
    competition.seal_sha256 = stored.sha256
    competition.updated_at = now
    record(
        actor_id=actor.id,
        action="certificates.seal",
        obj=competition,
        competition_id=competition.id,
        sha256=stored.sha256,
    )


def remove_seal(*, actor: User, competition: Competition, now: datetime) -> None:
    """Print the certificates without a seal (to be stamped by hand)."""
    _check_organiser(actor)
    competition.seal_sha256 = None
    competition.updated_at = now
    record(
        actor_id=actor.id,
        action="certificates.seal_removed",
        obj=competition,
        competition_id=competition.id,
    )


def seal_png(competition: Competition) -> bytes | None:
    """The competition's seal image, or None."""
    if not competition.seal_sha256:
        return None
    stored = db.session.scalar(
        select(StoredFile).where(StoredFile.sha256 == competition.seal_sha256)
    )
    return load_file(stored) if stored is not None else None


# --- printing ---------------------------------------------------------------------


def verify_prefix(base_url: str | None = None) -> str:
    """The verification URL without the serial, as printed in the QR codes.

    The host is `base_url`, else the configured PUBLIC_BASE_URL, else the host of
    the current request: a certificate printed from a laptop must still point at
    the public server.
    """
    base = base_url or current_app.config.get("PUBLIC_BASE_URL")
    try:
        if base:
            adapter = current_app.url_map.bind("localhost")
            path = adapter.build("certificates.verify", {"serial": "0"})
            return base.rstrip("/") + path[:-1]
        return url_for("certificates.verify", serial="0", _external=True)[:-1]
    except RuntimeError:
        raise CertificateError(
            N_("无法确定核验网址：请设置 PUBLIC_BASE_URL，或用 --base-url 指定。")
        ) from None


def glyph_problems(competition: Competition, rows: list[Awarded]) -> list[GlyphProblem]:
    """Fields that would print as empty boxes: authors, title, unit, tier,
    competition title and issuer, each with the characters the font lacks."""
    from judging.certificates.fonts import missing_glyphs  # reportlab

    problems = []
    for field, text in (
        (N_("竞赛名称"), competition.title),
        (N_("颁发单位"), competition.issuer),
    ):
        chars = missing_glyphs(text)
        if chars:
            problems.append(GlyphProblem(None, "", field, text, tuple(chars)))
    for row in rows:
        entry = row.entry
        for field, text in (
            (N_("作者"), "、".join(entry.author_names)),
            (N_("作品题目"), entry.title),
            (N_("学校"), entry.unit.name),
            ("奖项", row.result.tier_name or ""),
        ):
            chars = missing_glyphs(text)
            if chars:
                problems.append(
                    GlyphProblem(
                        entry, row.certificate.serial, field, text, tuple(chars)
                    )
                )
    return problems


def _where(problem: GlyphProblem) -> str:
    if problem.entry is None:
        return ""
    return f"作品 {problem.entry.code or problem.entry.id} 的"


def printable_items(
    competition: Competition,
    rows: list[Awarded],
    *,
    prefix: str,
    organisations: list[Certificate] | None = None,
) -> list[CertificateData]:
    """The pages to print for `rows` (revoked ones left out), checked first.

    Refused while the awards are not final, while the issuer or date is
    missing, and while any text holds a character the font cannot draw: a
    certificate must never show an empty box where a name should be.
    """
    from judging.certificates.fonts import missing_glyphs  # reportlab

    _check_printable_phase(competition)
    rows = [r for r in rows if not r.is_revoked]
    units = [c for c in organisations or () if c.revoked_at is None]
    if not rows and not units:
        raise CertificateError(N_("没有可打印的荣誉证书（请先颁发证书）。"))
    if not competition.issuer.strip() or competition.issued_on is None:
        raise CertificateError(N_("请先在证书设置中填写颁发单位和颁发日期。"))
    problems = glyph_problems(competition, rows) + [
        GlyphProblem(None, c.serial, N_("单位"), c.unit.name, tuple(chars))
        for c in units
        if (chars := missing_glyphs(c.unit.name))
    ]
    if problems:
        listed = "；".join(
            f"{_where(p)}{p.field}“{''.join(p.chars)}”" for p in problems[:5]
        )
        raise CertificateError(
            said(
                N_(
                    "有 %(n)s 处文字含证书字体无法显示的字符（%(listed)s），请修正后再"
                    "打印。"
                ),
                n=len(problems), listed=listed,
            )
        )
    from judging.certificates.render import CertificateData  # reportlab

    seal = seal_png(competition)
    categories = bool(competition.category_list)
    return [
        CertificateData(
            serial=r.certificate.serial,
            verify_url=prefix + r.certificate.serial,
            authors=r.names,
            title=r.entry.title,
            tier=r.result.tier_name or "",
            competition=competition.title,
            issuer=competition.issuer,
            issued_on=competition.issued_on,
            seal_png=seal,
            unit=r.entry.unit.name,
            advisor=r.entry.advisor,
            category=(r.result.category or r.entry.category) if categories else "",
        )
        for r in rows
    ] + [
        CertificateData(
            serial=c.serial,
            verify_url=prefix + c.serial,
            authors=(c.unit.name,),
            title="",
            tier=ORGANISATION_TIER,
            competition=competition.title,
            issuer=competition.issuer,
            issued_on=competition.issued_on,
            seal_png=seal,
            kind=ORGANISATION,
        )
        for c in units
    ]


KINDS = {"pdf": "application/pdf", "zip": "application/zip"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def zip_member_name(item: CertificateData) -> str:
    """``<serial>-<title>.pdf`` with characters unsafe in file names removed."""
    name = item.title or "、".join(item.authors)  # a unit's: its name
    title = re.sub(r"[\s_]+", "_", path_segment(name, fallback=""))
    title = title.strip("._")[:60] or "证书"
    return path_segment(f"{item.serial}-{title}.pdf")


def write_batch(
    items: list[CertificateData],
    *,
    kind: str,
    out: BinaryIO,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """All pages as one PDF for printing (``pdf``) or one PDF per entry (``zip``),
    written to `out`; ``progress(done, total)`` after every page or file."""
    from judging.certificates.render import render_certificates  # reportlab

    if kind == "pdf":
        render_certificates(items, out=out, progress=progress)
        return
    if kind != "zip":
        raise ValueError(f"unknown batch kind {kind!r}")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, item in enumerate(items, start=1):
            archive.writestr(zip_member_name(item), render_certificates([item]))
            if progress is not None:
                progress(done, len(items))


def batch_file(
    items: list[CertificateData],
    *,
    kind: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One PDF of every page (kind "pdf") or a ZIP of one PDF per entry ("zip")."""
    out = io.BytesIO()
    write_batch(items, kind=kind, out=out, progress=progress)
    return out.getvalue()


def unit_organisation_rows(competition: Competition, unit: Unit) -> list[Certificate]:
    """A unit's own 优秀组织奖 certificate, once published (else none)."""
    if competition.phase != Phase.PUBLISHED:
        return []
    return issued_organisations(competition, unit_id=unit.id, include_revoked=False)


def unit_rows(competition: Competition, unit: Unit) -> list[Awarded]:
    """A unit's own certificates, once the results are published (else none)."""
    if competition.phase != Phase.PUBLISHED:
        return []
    return issued(competition, unit_id=unit.id, include_revoked=False)


# --- public verification -------------------------------------------------------


def allow_lookup(*, address: str, now: datetime) -> bool:
    """Count a verification lookup; False once an address made too many.

    At most VERIFY_LIMIT lookups per address in VERIFY_WINDOW, counted in the
    database so that every worker sees the same count. Serials are too long to
    guess; the limit makes trying them, or scraping, pointless.

    The answer is decided by a read, which never waits for writers; the hit is
    then recorded apart from the request's transaction (``_record_hit``), and
    skipped if the database is too busy to take it at once. No lookup fails
    because others are saving scores (on SQLite, under 40 concurrent saves, 18
    of 28 lookups used to answer 500 "database is locked"); a busy moment lets
    a few lookups go uncounted, which the limit can afford.
    """
    key = address[:64]
    # On a connection of its own, like the hit itself: the request's session may
    # hold an older snapshot (SQLite WAL) that would not see the latest hits.
    with db.engine.connect() as conn:
        count = conn.execute(
            select(func.count(VerifyHit.id)).where(
                VerifyHit.address == key, VerifyHit.at >= now - VERIFY_WINDOW
            )
        ).scalar()
    if (count or 0) >= VERIFY_LIMIT:
        return False
    _record_hit(key, now)
    return True


_HIT_WAIT_MS = 250  # how long a lookup waits for SQLite's write lock, at most


def _record_hit(address: str, now: datetime) -> None:
    """Store one lookup and prune old ones, in a short transaction of its own.

    Its own connection, so the request's read transaction never turns into a
    write (on SQLite that fails at once if a writer committed meanwhile), and a
    short lock wait there instead of the usual 30 s.
    """
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection  # outside any transaction
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout={_HIT_WAIT_MS}")
            try:
                with conn.begin():
                    conn.execute(
                        delete(VerifyHit).where(VerifyHit.at < now - VERIFY_WINDOW)
                    )
                    conn.execute(
                        VerifyHit.__table__.insert().values(address=address, at=now)
                    )
            finally:
                if sqlite:
                    raw.execute("PRAGMA busy_timeout=30000")  # as web._sqlite_pragmas
    except OperationalError:
        log.warning("verification hit not counted: the database is busy")


def lookup_organisation(serial: str) -> Certificate | None:
    """The 优秀组织奖 certificate with this serial (its unit loaded), or None."""
    return db.session.scalar(
        select(Certificate)
        .where(
            Certificate.serial == normalise_serial(serial)[:32],
            Certificate.kind == ORGANISATION,
        )
        .options(selectinload(Certificate.unit))
    )


def lookup(serial: str) -> Awarded | None:
    """The certificate with this serial and its result, or None."""
    row = db.session.execute(
        select(Certificate, Result)
        .join(Result, Result.entry_id == Certificate.entry_id)
        .where(Certificate.serial == normalise_serial(serial)[:32])
    ).first()
    return Awarded(row[0], row[1]) if row else None

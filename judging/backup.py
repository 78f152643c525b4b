"""Backup and restore: the database and the uploaded files in one checked archive.

A backup is a consistent copy taken while the app keeps running: SQLite through
its online backup API (one snapshot, writers are not stopped), PostgreSQL through
``pg_dump`` inside an exported snapshot (the row counts in the manifest come from
the very same snapshot). Uploaded files (from the local folder or S3) are copied
*after* the database snapshot: a file is stored before the row that names it
commits and is never deleted, so every file the snapshot refers to is there.

The archive (``judging-backup-<UTC time>.tar.gz``) holds ``manifest.json`` (format,
created_at, database kind, rows per table, sha256 of every member), the database
(``database.sqlite3`` or ``database.dump``) and ``uploads/<sha[:2]>/<sha>``.
A restore checks every hash and the database's own integrity before it touches
anything, and refuses to overwrite a database that holds data unless forced.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

import click
from flask import Flask, current_app
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL

from judging.dbtypes import utcnow
from judging.extensions import db
from judging.storage import Storage, get_storage

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.dump"
UPLOADS = "uploads"
CHUNK = 1024 * 1024
JOB_FILES = "jobs/"


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message is for the operator."""


@dataclass(frozen=True)
class Manifest:
    """What an archive claims to hold; checked member by member on restore."""

    created_at: str
    dialect: str
    tables: dict[str, int]
    files: dict[str, str]  # archive member -> sha256

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "created_at": self.created_at,
            "dialect": self.dialect,
            "tables": self.tables,
            "files": self.files,
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError(f"不支持的备份格式版本：{data.get('format')}。")
            return cls(
                created_at=str(data["created_at"]),
                dialect=str(data["dialect"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                files={str(k): str(v) for k, v in data["files"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError("备份清单（manifest.json）无法读取。") from exc

    @property
    def upload_count(self) -> int:
        return sum(1 for name in self.files if name.startswith(UPLOADS + "/"))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _table_names() -> list[str]:
    return sorted(t.name for t in db.metadata.sorted_tables) + ["alembic_version"]


# --------------------------------------------------------------------- backup


def create_backup(
    *, out_dir: Path, now: datetime | None = None
) -> tuple[Path, Manifest]:
    """Write a backup archive into ``out_dir`` and return its path and manifest.

    The archive is assembled under a temporary name and renamed when complete, so
    a crash never leaves something that looks like a finished backup.
    """
    now = now or utcnow()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="judging-backup-") as tmp:
        work = Path(tmp)
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            member = SQLITE_MEMBER
            tables = _backup_sqlite(work / member)
        elif dialect == "postgresql":
            member = PG_MEMBER
            tables = _backup_postgres(work / member)
        else:
            raise BackupError(f"不支持备份该数据库：{dialect}。")
        files = {member: sha256_file(work / member)}
        uploads = _fetch_uploads(work)
        for name, path in uploads.items():
            files[name] = sha256_file(path)
        manifest = Manifest(
            created_at=now.isoformat(timespec="seconds"),
            dialect=dialect,
            tables=tables,
            files=files,
        )
        target = out_dir / f"judging-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
        partial = target.with_name(target.name + ".part")
        # Password hashes and every essay are inside: readable by the owner only.
        partial.touch(mode=0o600)
        partial.chmod(0o600)
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, MANIFEST, manifest.to_json(), now)
            tar.add(work / member, arcname=member, recursive=False)
            for name, path in uploads.items():
                tar.add(path, arcname=name, recursive=False)
        os.replace(partial, target)
    return target, manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(now.timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _fetch_uploads(work: Path) -> dict[str, Path]:
    """Copy every stored file (``<sha[:2]>/<sha>``, from the local folder or S3)
    into ``work/uploads``, streamed. Results of background jobs (``jobs/``) are
    left out: they expire within a day and can be made again."""
    storage = get_storage()
    found: dict[str, Path] = {}
    for key in storage.keys():
        if key.startswith(JOB_FILES):
            continue
        name = f"{UPLOADS}/{key}"
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(key) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        found[name] = target
    return found


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份。")
    return Path(database)


def _backup_sqlite(dest: Path) -> dict[str, int]:
    """Copy the live database with SQLite's online backup API and count its rows.

    ``backup()`` copies all pages in one step under a read transaction, so the
    copy is one consistent snapshot even while other connections write (WAL).
    """
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        source.close()
    try:
        # One self-contained file: no -wal/-shm companions in the archive.
        target.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_counts(target)
    finally:
        target.close()


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    return {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in _table_names()
        if name in present
    }


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment for it.

    The password goes through ``PGPASSWORD`` so it never shows in ``ps``.
    """
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(f"找不到 {args[0]}，请安装 PostgreSQL 客户端工具。") from exc
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败：{done.stderr.strip()[:2000]}")


def _backup_postgres(dest: Path) -> dict[str, int]:
    """``pg_dump`` the database inside an exported snapshot, counting rows in it."""
    dsn, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.rollback()
        raw.autocommit = False
        cur = raw.cursor()
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        present = {row[0] for row in cur.fetchall()}
        counts = {}
        for name in _table_names():
            if name in present:
                cur.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (our names)
                counts[name] = cur.fetchone()[0]
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-acl",
                f"--snapshot={snapshot}",
                f"--file={dest}",
                f"--dbname={dsn}",
            ],
            env,
        )
        raw.rollback()
    return counts


# -------------------------------------------------------------------- restore


def read_manifest(archive: Path) -> Manifest:
    """The manifest of an archive, without extracting anything else."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise BackupError("备份中没有清单文件。")
            return Manifest.from_json(member.read())
    except (tarfile.TarError, OSError, KeyError, EOFError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from exc


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def verify_archive(archive: Path, work: Path) -> Manifest:
    """Extract into ``work`` and check every member against the manifest.

    Only regular files named in the manifest are extracted (no links, no paths
    outside ``work``); a missing, extra or altered member refuses the archive.
    """
    manifest = read_manifest(archive)
    seen: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in tar:
                if info.name == MANIFEST:
                    continue
                if info.isdir():
                    continue
                if not info.isfile() or not _safe_member(info.name):
                    raise BackupError(f"备份中有不允许的条目：{info.name}")
                expected = manifest.files.get(info.name)
                if expected is None:
                    raise BackupError(f"备份中有清单未列出的文件：{info.name}")
                target = work / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(info)
                assert source is not None  # a regular file always has data
                with target.open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
                if sha256_file(target) != expected:
                    raise BackupError(f"文件校验失败（sha256 不符）：{info.name}")
                seen.add(info.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"备份文件已损坏：{exc}") from exc
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise BackupError(f"备份不完整，缺少 {len(missing)} 个文件：{missing[0]} 等。")
    return manifest


def database_is_empty() -> bool:
    """True when no application table holds a row (a fresh or new database)."""
    present = set(inspect(db.engine).get_table_names())
    for model_table in db.metadata.sorted_tables:
        if model_table.name in present and db.session.scalar(
            select(func.count()).select_from(table(model_table.name))
        ):
            return False
    return True


def restore_backup(*, archive: Path, force: bool = False) -> Manifest:
    """Bring back the database and the uploaded files from ``archive``.

    Order: check everything first (hashes, database integrity, row counts), then
    refuse a non-empty database unless ``force``, then replace the database and
    copy the files. Row counts are checked again after the restore.
    """
    with tempfile.TemporaryDirectory(prefix="judging-restore-") as tmp:
        work = Path(tmp)
        manifest = verify_archive(archive, work)
        dialect = db.engine.dialect.name
        if manifest.dialect != dialect:
            raise BackupError(
                f"备份来自 {manifest.dialect} 数据库，不能恢复到 {dialect} 数据库。"
            )
        if dialect == "sqlite":
            _check_sqlite(work / SQLITE_MEMBER, manifest)
        else:
            _check_pg_dump(work / PG_MEMBER)
        if not force and not database_is_empty():
            raise BackupError("目标数据库已有数据；确认要覆盖时请加 --force。")
        db.session.remove()
        db.engine.dispose()
        if dialect == "sqlite":
            _restore_sqlite(work / SQLITE_MEMBER)
        else:
            _restore_postgres(work / PG_MEMBER)
        _restore_uploads(work, manifest)
        db.engine.dispose()
        counts = _live_counts(set(manifest.tables))
        if counts != manifest.tables:
            raise BackupError("恢复后的数据行数与备份清单不符，请检查数据库。")
    return manifest


def _check_sqlite(path: Path, manifest: Manifest) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise BackupError(f"备份数据库完整性检查失败：{result[:3]}")
        if _sqlite_counts(conn) != manifest.tables:
            raise BackupError("备份数据库的行数与清单不符。")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份数据库无法打开：{exc}") from exc
    finally:
        conn.close()


def _check_pg_dump(path: Path) -> None:
    """``pg_restore --list`` reads the whole table of contents of the dump."""
    _run(["pg_restore", "--list", str(path)], dict(os.environ))


def _restore_sqlite(path: Path) -> None:
    """Copy the checked database over the live one with the backup API.

    The API writes through SQLite's own locking and journal, so the WAL and the
    main file stay consistent; a plain file copy over a WAL database would not.
    """
    source = sqlite3.connect(path)
    target = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgres(path: Path) -> None:
    dsn, env = _libpq(db.engine.url)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(path),
        ],
        env,
    )


def _restore_uploads(work: Path, manifest: Manifest) -> None:
    """Put every archived upload back into the configured storage (the local
    folder writes a temporary name and renames; S3 shows an object only once
    it is complete). A file already there with the right content is kept."""
    storage = get_storage()
    for name, sha in manifest.files.items():
        if not name.startswith(UPLOADS + "/"):
            continue
        key = name[len(UPLOADS) + 1 :]
        if storage.exists(key) and _stored_sha256(storage, key) == sha:
            continue
        with (work / name).open("rb") as source:
            storage.put(key, source)


def _stored_sha256(storage: Storage, key: str) -> str:
    digest = hashlib.sha256()
    with storage.open(key) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _live_counts(names: set[str]) -> dict[str, int]:
    present = set(inspect(db.engine).get_table_names())
    return {
        name: db.session.scalar(select(func.count()).select_from(table(name))) or 0
        for name in sorted(names)
        if name in present
    }


# ------------------------------------------------------------------------ CLI


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    try:
        yield
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc


def register(app: Flask) -> None:
    """``flask --app judging backup [--out DIR]`` and ``restore ARCHIVE [--force]``."""

    @app.cli.command("backup")
    @click.option(
        "--out",
        type=click.Path(file_okay=False),
        default=None,
        help="备份文件存放目录（默认 instance/backups）",
    )
    def backup_command(out: str | None) -> None:
        """Back up the database and uploaded files into one .tar.gz archive."""
        out_dir = Path(out) if out else Path(current_app.instance_path) / "backups"
        with _errors_to_exit():
            path, manifest = create_backup(out_dir=out_dir)
        rows = sum(manifest.tables.values())
        click.echo(
            f"备份完成：{path}（{len(manifest.tables)} 张表 {rows} 行，"
            f"{manifest.upload_count} 个上传文件）"
        )

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="目标数据库已有数据时仍然覆盖")
    def restore_command(archive: str, force: bool) -> None:
        """Restore the database and uploaded files from a backup archive."""
        with _errors_to_exit():
            manifest = restore_backup(archive=Path(archive), force=force)
        rows = sum(manifest.tables.values())
        click.echo(
            f"恢复完成：备份时间 {manifest.created_at}，{rows} 行，"
            f"{manifest.upload_count} 个上传文件。"
        )

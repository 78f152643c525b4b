"""Backup and restore drill: a consistent copy while the app writes, restored into
a fresh instance with the same rows and the same files."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import make_url

from judging import create_app
from judging.accounts.models import Role, User
from judging.audit.service import record
from judging.backup import (
    BackupError,
    create_backup,
    read_manifest,
    restore_backup,
)
from judging.extensions import db
from judging.storage import open_storage
from judging.submissions.files import save_file
from judging.submissions.models import StoredFile
from tests.conftest import _config, s3_config
from tests.pgtools import scratch_postgres_database


def _counts() -> dict[str, int]:
    present = set(inspect(db.engine).get_table_names())
    names = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]
    return {
        n: db.session.scalar(select(func.count()).select_from(table(n)))
        for n in sorted(names)
        if n in present
    }


def _upload_hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _seed(make_user, make_competition, files: int = 6) -> None:  # noqa: ANN001
    make_competition()
    make_user(Role.UNIT)
    make_user(Role.JUDGE)
    for i in range(files):
        save_file(f"论文 {i} ".encode() * (200 + i), kind="pdf")
    db.session.commit()


@pytest.fixture()
def fresh(_schema: str, tmp_path: Path) -> Iterator[Flask]:
    """A second instance with its own, empty database and upload folder."""
    (tmp_path / "restored").mkdir()
    with ExitStack() as stack:
        if make_url(_schema).get_backend_name() == "postgresql":
            url = stack.enter_context(
                scratch_postgres_database(_schema, prefix="judging_restore")
            )
        else:
            url = f"sqlite:///{tmp_path / 'restored' / 'judging.sqlite3'}"
        app = create_app(_config(url, tmp_path / "restored"))
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _writer(app: Flask, stop: threading.Event, written: list[int]) -> None:
    """Another worker: commits one audit event after another until told to stop."""
    with app.app_context():
        while not stop.is_set():
            record(actor_id=None, action="drill.write", n=len(written))
            db.session.commit()
            written.append(1)
        db.session.remove()


def test_backup_while_writing_restores_same_rows_and_files(
    app, make_user, make_competition, fresh, tmp_path
):
    _seed(make_user, make_competition)
    seeded = _counts()["audit_event"]
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(app, stop, written))
    thread.start()
    while len(written) < 20:  # the writer is really running
        threading.Event().wait(0.01)
    try:
        at_start = len(written)
        archive, manifest = create_backup(out_dir=tmp_path / "backups")
        at_end = len(written)
    finally:
        stop.set()
        thread.join()
    db.session.rollback()
    final = _counts()

    with fresh.app_context():
        restored = restore_backup(archive=archive)
        counts = _counts()
        paths = db.session.scalars(select(StoredFile.sha256)).all()
    restored_files = _upload_hashes(Path(fresh.config["UPLOAD_FOLDER"]))

    assert restored == manifest == read_manifest(archive)
    assert archive.stat().st_mode & 0o077 == 0  # owner only: hashes and essays
    assert counts == manifest.tables
    # The snapshot holds every write committed before the backup began, and
    # none that started after it ended.
    assert seeded + at_start <= manifest.tables["audit_event"] <= seeded + at_end + 1
    assert final["audit_event"] == seeded + len(written)
    assert {k: v for k, v in counts.items() if k != "audit_event"} == {
        k: v for k, v in final.items() if k != "audit_event"
    }
    assert restored_files == {sha: sha for sha in paths}  # name = content hash
    assert len(restored_files) == 6
    assert manifest.upload_count == 6


def test_restore_refuses_non_empty_database_unless_forced(
    app, make_user, make_competition, fresh, tmp_path
):
    _seed(make_user, make_competition, files=2)
    archive, manifest = create_backup(out_dir=tmp_path)
    with fresh.app_context():
        restore_backup(archive=archive)
        record(actor_id=None, action="after.backup")
        db.session.commit()

        with pytest.raises(BackupError) as refused:
            restore_backup(archive=archive)
        unchanged = _counts()["audit_event"]
        restore_backup(archive=archive, force=True)
        forced = _counts()

    assert str(refused.value) == "目标数据库已有数据；确认要覆盖时请加 --force。"
    assert unchanged == manifest.tables["audit_event"] + 1
    assert forced == manifest.tables


def _rewrite(archive: Path, out: Path, change) -> Path:  # noqa: ANN001
    """Copy an archive member by member, letting ``change`` alter (name, data)."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for info in src:
            data = src.extractfile(info).read()
            name, data = change(info.name, data)
            new = tarfile.TarInfo(name)
            new.size = len(data)
            dst.addfile(new, io.BytesIO(data))
    return out


def test_restore_refuses_altered_file(
    app, make_user, make_competition, fresh, tmp_path
):
    _seed(make_user, make_competition, files=2)
    archive, _manifest = create_backup(out_dir=tmp_path)

    def flip(name: str, data: bytes) -> tuple[str, bytes]:
        if name.startswith("uploads/"):
            data = data[:-1] + bytes([data[-1] ^ 1])
        return name, data

    bad = _rewrite(archive, tmp_path / "bad.tar.gz", flip)
    with fresh.app_context(), pytest.raises(BackupError) as caught:
        restore_backup(archive=bad)

    assert str(caught.value).startswith("文件校验失败（sha256 不符）：uploads/")
    assert _upload_hashes(Path(fresh.config["UPLOAD_FOLDER"])) == {}


def test_restore_refuses_path_traversal(
    app, make_user, make_competition, fresh, tmp_path
):
    _seed(make_user, make_competition, files=1)
    archive, _manifest = create_backup(out_dir=tmp_path)

    def climb(name: str, data: bytes) -> tuple[str, bytes]:
        if name.startswith("uploads/"):
            return "../../escaped", data
        return name, data

    bad = _rewrite(archive, tmp_path / "bad.tar.gz", climb)
    with fresh.app_context(), pytest.raises(BackupError) as caught:
        restore_backup(archive=bad)

    assert str(caught.value) == "备份中有不允许的条目：../../escaped"
    assert not (tmp_path.parent / "escaped").exists()


def test_restore_refuses_corrupt_sqlite_even_with_matching_hash(
    app, make_user, make_competition, fresh, tmp_path
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite integrity check")
    _seed(make_user, make_competition, files=1)
    archive, manifest = create_backup(out_dir=tmp_path)
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 64

    def corrupt(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "database.sqlite3":
            return name, garbage
        if name == "manifest.json":
            raw = json.loads(data)
            raw["files"]["database.sqlite3"] = hashlib.sha256(garbage).hexdigest()
            return name, json.dumps(raw).encode()
        return name, data

    bad = _rewrite(archive, tmp_path / "bad.tar.gz", corrupt)
    with fresh.app_context(), pytest.raises(BackupError) as caught:
        restore_backup(archive=bad)

    assert str(caught.value).startswith(
        ("备份数据库无法打开", "备份数据库完整性检查失败")
    )


def test_backup_and_restore_commands(
    app, runner, make_user, make_competition, tmp_path
):
    _seed(make_user, make_competition, files=3)
    users = db.session.scalar(select(func.count(User.id)))

    made = runner.invoke(args=["backup", "--out", str(tmp_path / "out")])
    archive = next((tmp_path / "out").glob("judging-backup-*.tar.gz"))
    refused = runner.invoke(args=["restore", str(archive)])

    assert made.exit_code == 0, made.output
    assert f"备份完成：{archive}" in made.output
    assert "3 个上传文件" in made.output
    assert refused.exit_code == 1
    assert "目标数据库已有数据；确认要覆盖时请加 --force。" in refused.output
    assert db.session.scalar(select(func.count(User.id))) == users


def test_backup_and_restore_cover_object_storage(
    app, make_user, make_competition, fresh, use_s3, s3_server, tmp_path
):
    """Files kept in S3 are in the archive, and come back into S3 (another
    bucket here, as after losing the first one); job results are left out."""
    _seed(make_user, make_competition, files=3)
    use_s3.put("jobs/abc/batch.pdf", io.BytesIO(b"%PDF- a job's result"))
    expected = set(db.session.scalars(select(StoredFile.sha256)))

    archive, manifest = create_backup(out_dir=tmp_path / "backups")
    fresh.config.update(s3_config(s3_server, "judging-restored"))
    target = open_storage(fresh.config)
    target.client.create_bucket(Bucket="judging-restored")
    fresh.extensions["judging_storage"] = target
    with fresh.app_context():
        restore_backup(archive=archive)
    restored = {key.rsplit("/", 1)[1]: key for key in target.keys()}

    assert manifest.upload_count == 3
    assert set(restored) == expected
    assert {
        hashlib.sha256(target.open(key).read()).hexdigest() for key in restored.values()
    } == expected

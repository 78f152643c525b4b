"""Uploaded files on disk, addressed by SHA-256 under instance/uploads."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging.extensions import db
from judging.submissions.models import StoredFile

FILES = "judging_files"


def _path(sha256: str) -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    return root / sha256[:2] / sha256


@dataclass
class _Written:
    path: Path
    data: bytes
    created: bool  # this transaction put the file on disk


@contextmanager
def _folder_lock(path: Path) -> Iterator[None]:
    """One process at a time decides whether a stored file is kept or removed."""
    lock = path.parent.parent / ".lock"
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def save_file(data: bytes, *, kind: str) -> StoredFile:
    """Store bytes once (same content, same file) and return its database row.

    The name on disk is the content hash, never a name a user typed, so an upload
    cannot choose where it lands. Written to a temporary file first and renamed,
    so a crash never leaves half a file under a valid name. The file is written
    before its row commits; what happens to it when the transaction ends is
    decided by `_settle_on_commit` and `_settle_on_rollback`.
    """
    sha = hashlib.sha256(data).hexdigest()
    path = _path(sha)
    created = not path.exists()
    if created:
        _write(path, data)
    written = db.session.info.setdefault(FILES, {})
    if sha not in written:
        written[sha] = _Written(path, data, created)
    stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    if stored is not None:
        return stored
    try:
        # Another request may store the same bytes at the same moment (two
        # schools, one template); the unique hash lets one insert win and the
        # other reuse its row instead of failing.
        with db.session.begin_nested():
            stored = StoredFile(sha256=sha, size=len(data), kind=kind)
            db.session.add(stored)
    except IntegrityError:
        stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    return stored


def load_file(stored: StoredFile) -> bytes:
    return _path(stored.sha256).read_bytes()


@event.listens_for(Session, "after_commit")
def _settle_on_commit(session: Session) -> None:
    """Every file a committed row now names is on disk: a concurrent refused
    request with the same bytes may have removed it, so it is written again."""
    if session.in_nested_transaction():  # a savepoint released, not the commit
        return
    for item in session.info.pop(FILES, {}).values():
        with _folder_lock(item.path):
            if not item.path.exists():
                _write(item.path, item.data)


@event.listens_for(Session, "after_transaction_end")
def _settle_on_rollback(session: Session, transaction) -> None:  # noqa: ANN001
    """A refused request must not leave its upload behind: when the outermost
    transaction ends without a commit, files it put on disk that no committed
    row uses are removed again (under the folder lock, see _settle_on_commit)."""
    if transaction.parent is not None or FILES not in session.info:
        return
    written = session.info.pop(FILES)
    bind = session.get_bind()
    with bind.connect() as conn:
        for sha, item in written.items():
            if not item.created:
                continue
            with _folder_lock(item.path):
                used = conn.execute(
                    select(StoredFile.id).where(StoredFile.sha256 == sha)
                ).first()
                if used is None:
                    item.path.unlink(missing_ok=True)

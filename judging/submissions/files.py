"""Uploaded files in the file storage, addressed by SHA-256 (``ab/abcdef…``)."""

from __future__ import annotations

import fcntl
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging.extensions import db
from judging.storage import (
    Corrupt,
    LocalStorage,
    Storage,
    VerifiedReader,
    content_key,
    get_storage,
)
from judging.submissions.models import StoredFile

FILES = "judging_files"


@dataclass
class _Written:
    storage: Storage
    key: str
    data: bytes
    created: bool  # this transaction put the file into the storage


@contextmanager
def _folder_lock(storage: Storage) -> Iterator[None]:
    """One process at a time decides whether a stored file is kept or removed.

    Only a local folder can be locked; object storage never removes a refused
    upload (see _settle_on_rollback), so it needs no lock.
    """
    if not isinstance(storage, LocalStorage):
        yield
        return
    storage.root.mkdir(parents=True, exist_ok=True)
    with open(Path(storage.root) / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_file(data: bytes, *, kind: str) -> StoredFile:
    """Store bytes once (same content, same file) and return its database row.

    The name in the storage is the content hash, never a name a user typed, so
    an upload cannot choose where it lands. The storage writes to a temporary
    name first (fsynced, then renamed), so a crash never leaves half a file
    under a valid name; a full disk raises storage.StorageFull (a Chinese
    message, nothing kept). The file is written before its row commits; what
    happens to it when the transaction ends is decided by `_settle_on_commit`
    and `_settle_on_rollback`.
    """
    storage = get_storage()
    sha = hashlib.sha256(data).hexdigest()
    key = content_key(sha)
    created = not storage.exists(key)
    if created:
        storage.put(key, io.BytesIO(data))
    written = db.session.info.setdefault(FILES, {})
    if sha not in written:
        written[sha] = _Written(storage, key, data, created)
    stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    if stored is not None:
        return stored
    try:
        # Another request may store the same bytes at the same moment (two
        # units, one template); the unique hash lets one insert win and the
        # other reuse its row instead of failing.
        with db.session.begin_nested():
            stored = StoredFile(sha256=sha, size=len(data), kind=kind)
            db.session.add(stored)
    except IntegrityError:
        stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    return stored


def open_file(stored: StoredFile) -> BinaryIO:
    """A stream of the stored bytes that raises storage.Corrupt at its end when
    they no longer match the recorded SHA-256."""
    return VerifiedReader(  # type: ignore[return-value]
        get_storage().open(content_key(stored.sha256)), stored.sha256
    )


def load_file(stored: StoredFile) -> bytes:
    """The whole file, checked against its SHA-256 (storage.Corrupt if not)."""
    with get_storage().open(content_key(stored.sha256)) as stream:
        data = stream.read()
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise Corrupt(stored.sha256)
    return data


@event.listens_for(Session, "after_commit")
def _settle_on_commit(session: Session) -> None:
    """Every file a committed row now names is stored: a concurrent refused
    request with the same bytes may have removed it, so it is written again."""
    if session.in_nested_transaction():  # a savepoint released, not the commit
        return
    for item in session.info.pop(FILES, {}).values():
        with _folder_lock(item.storage):
            if not item.storage.exists(item.key):
                item.storage.put(item.key, io.BytesIO(item.data))


@event.listens_for(Session, "after_transaction_end")
def _settle_on_rollback(session: Session, transaction) -> None:  # noqa: ANN001
    """A refused request must not leave its upload behind: when the outermost
    transaction ends without a commit, files it put in a local folder that no
    committed row uses are removed again (under the folder lock, see
    _settle_on_commit). Object storage keeps them: hosts cannot lock each
    other out, and an unused object costs only its space."""
    if transaction.parent is not None or FILES not in session.info:
        return
    written = session.info.pop(FILES)
    bind = session.get_bind()
    with bind.connect() as conn:
        for sha, item in written.items():
            if not item.created or not isinstance(item.storage, LocalStorage):
                continue
            with _folder_lock(item.storage):
                used = conn.execute(
                    select(StoredFile.id).where(StoredFile.sha256 == sha)
                ).first()
                if used is None:
                    item.storage.delete(item.key)

"""Uploaded files on disk, addressed by SHA-256 under instance/uploads."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging.extensions import db
from judging.submissions.models import StoredFile

NEW_FILES = "judging_new_files"


def _path(sha256: str) -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    return root / sha256[:2] / sha256


def save_file(data: bytes, *, kind: str) -> StoredFile:
    """Store bytes once (same content, same file) and return its database row.

    The name on disk is the content hash, never a name a user typed, so an upload
    cannot choose where it lands. Written to a temporary file first and renamed,
    so a crash never leaves half a file under a valid name.
    """
    sha = hashlib.sha256(data).hexdigest()
    path = _path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        db.session.info.setdefault(NEW_FILES, []).append((sha, path))
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
def _keep_new_files(session: Session) -> None:
    session.info.pop(NEW_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_orphans(session: Session, transaction) -> None:  # noqa: ANN001
    """A refused request must not leave its upload behind: when the outermost
    transaction ends without a commit, files it wrote that no committed row uses
    are removed again."""
    if transaction.parent is not None or NEW_FILES not in session.info:
        return
    written = session.info.pop(NEW_FILES)
    bind = session.get_bind()
    with bind.connect() as conn:
        for sha, path in written:
            used = conn.execute(
                select(StoredFile.id).where(StoredFile.sha256 == sha)
            ).first()
            if used is None:
                Path(path).unlink(missing_ok=True)

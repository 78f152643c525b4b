"""Uploaded files on disk, addressed by SHA-256 under instance/uploads."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from judging.extensions import db
from judging.submissions.models import StoredFile


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
    stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    if stored is None:
        stored = StoredFile(sha256=sha, size=len(data), kind=kind)
        db.session.add(stored)
        db.session.flush()
    return stored


def load_file(stored: StoredFile) -> bytes:
    return _path(stored.sha256).read_bytes()

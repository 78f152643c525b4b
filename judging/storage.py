"""File storage behind one small interface: a local folder (default) or S3.

Keys are relative names such as ``ab/abcdef…`` (uploads, addressed by their
SHA-256) or ``jobs/<id>/<name>`` (results of background jobs). Data moves as
streams, never as a whole file in memory, so a 500 MB ZIP export costs a
buffer, not 500 MB. ``STORAGE_BACKEND = "local"`` keeps files under
``UPLOAD_FOLDER``; ``"s3"`` keeps them in the bucket ``S3_BUCKET`` of any
S3-compatible server (MinIO, Ceph, a cloud OSS), shared by several hosts.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, Response, current_app, send_file

CHUNK = 256 * 1024
DISK_FULL = "服务器存储空间已满，文件未能保存，请稍后重试或联系管理员。"


class StorageError(Exception):
    """Storage failed in a way the user should read (message in Chinese)."""


class StorageFull(StorageError):
    """No space left: nothing was kept."""


class Corrupt(StorageError):
    """A stored file no longer matches its SHA-256."""


class Storage(Protocol):
    """What every backend offers."""

    def put(self, key: str, source: BinaryIO) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str = "") -> Iterator[str]: ...
    def check(self) -> None: ...


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files in a folder; written to a temporary name, fsynced, renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put(self, key: str, source: BinaryIO) -> None:
        """Copy `source` to `key` atomically: a crash or a full disk leaves
        either the old file or the new one, never half of it, and never a
        temporary file behind."""
        path = self._path(key)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
            tmp = None
            _fsync_dir(path.parent)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(DISK_FULL) from exc
            raise
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if path.is_file() and not any(p.startswith(".") for p in rel.split("/")):
                if rel.startswith(prefix):
                    yield rel

    def check(self) -> None:
        """Raise unless a file can be written and removed (for /healthz)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".health-")
        os.close(fd)
        os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is synced."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def init_app(app: Flask) -> None:
    backend = app.config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        storage: Storage = LocalStorage(Path(app.config["UPLOAD_FOLDER"]))
    else:
        raise ValueError(f"STORAGE_BACKEND must be local or s3, not {backend!r}")
    app.extensions["judging_storage"] = storage


def get_storage() -> Storage:
    return current_app.extensions["judging_storage"]


def content_key(sha256: str) -> str:
    """Where an upload with this hash lives (the layout of instance/uploads)."""
    return f"{sha256[:2]}/{sha256}"


def iter_chunks(stream: BinaryIO, *, sha256: str | None = None) -> Iterator[bytes]:
    """Read `stream` to the end in chunks, then close it.

    With `sha256`, the content is checked as it passes: a mismatch raises
    Corrupt after the last chunk (the reader must not trust what it got).
    """
    digest = hashlib.sha256() if sha256 else None
    try:
        while chunk := stream.read(CHUNK):
            if digest is not None:
                digest.update(chunk)
            yield chunk
    finally:
        stream.close()
    if digest is not None and digest.hexdigest() != sha256:
        raise Corrupt(f"文件校验失败（{sha256[:12]}…），请联系管理员从备份恢复。")


class VerifiedReader:
    """A read-only stream that checks the content's SHA-256 as it is read.

    At the end of the data a mismatch raises Corrupt, so a download breaks off
    (the browser reports a failed download) instead of completing with bytes
    that are not the ones stored.
    """

    def __init__(self, stream: BinaryIO, sha256: str) -> None:
        self._stream = stream
        self._sha256 = sha256
        self._digest = hashlib.sha256()
        self._checked = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if chunk:
            self._digest.update(chunk)
        elif not self._checked:
            self._checked = True
            if self._digest.hexdigest() != self._sha256:
                raise Corrupt(
                    f"文件校验失败（{self._sha256[:12]}…），请联系管理员从备份恢复。"
                )
        return chunk

    def close(self) -> None:
        self._stream.close()


def stream_download(
    stream: BinaryIO, *, filename: str, mimetype: str, sha256: str | None = None
) -> Response:
    """Send a stored file as an attachment without reading it all into memory."""
    body = VerifiedReader(stream, sha256) if sha256 else stream
    response = send_file(
        body, mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response

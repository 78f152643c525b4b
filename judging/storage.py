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

from flask import Flask, Response, current_app, render_template, send_file

CHUNK = 256 * 1024
DISK_FULL = "服务器存储空间已满，文件未能保存，请稍后重试或联系管理员。"


class StorageError(Exception):
    """Storage failed in a way the user should read (message in Chinese)."""


class StorageFull(StorageError):
    """No space left: nothing was kept."""


class Corrupt(StorageError):
    """A stored file no longer matches its SHA-256."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"文件校验失败（{sha256[:12]}…），请联系管理员从备份恢复。")


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


class S3Storage:
    """Objects in one bucket of an S3-compatible server, under `prefix`."""

    def __init__(self, client, bucket: str, prefix: str = "") -> None:  # noqa: ANN001
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _name(self, key: str) -> str:
        return self.prefix + _safe_key(key)

    def put(self, key: str, source: BinaryIO) -> None:
        """Upload in parts of a few MB (multipart above that): never the whole
        file in memory. An object appears only when complete."""
        self.client.upload_fileobj(source, self.bucket, self._name(key))

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))[
                "Body"
            ]
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from exc
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def _missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("404", "NoSuchKey", "NotFound")


def s3_from_config(config: dict) -> S3Storage:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or "us-east-1",
        aws_access_key_id=config.get("S3_ACCESS_KEY") or None,
        aws_secret_access_key=config.get("S3_SECRET_KEY") or None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "path"},
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )
    if not config.get("S3_BUCKET"):
        raise ValueError("STORAGE_BACKEND = 's3' needs S3_BUCKET")
    return S3Storage(client, config["S3_BUCKET"], config.get("S3_PREFIX") or "")


def open_storage(config: dict) -> Storage:
    """The backend that `config` names (STORAGE_BACKEND)."""
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        return LocalStorage(Path(config["UPLOAD_FOLDER"]))
    if backend == "s3":
        return s3_from_config(config)
    raise ValueError(f"STORAGE_BACKEND must be local or s3, not {backend!r}")


def init_app(app: Flask) -> None:
    """Open the configured backend; refusals of storage become a Chinese page."""
    app.extensions["judging_storage"] = open_storage(app.config)

    @app.errorhandler(StorageError)
    def _storage_error(exc: StorageError):  # noqa: ANN202
        from judging.extensions import db

        db.session.rollback()
        status = 507 if isinstance(exc, StorageFull) else 500
        current_app.logger.error("storage refused: %s", exc)
        return render_template("error.html", status=status, message=str(exc)), status


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
        raise Corrupt(sha256)


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
                raise Corrupt(self._sha256)
        return chunk

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> VerifiedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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

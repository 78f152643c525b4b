"""Stored files: written once by content, removed when refused, never lost,
checked on read — in the local folder and in S3 alike."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from judging.extensions import db
from judging.storage import Corrupt, LocalStorage, content_key
from judging.submissions.files import load_file, open_file, save_file
from judging.submissions.models import StoredFile


def test_same_content_is_stored_once(any_storage):
    first = save_file(b"%PDF-1.7 same", kind="pdf")
    second = save_file(b"%PDF-1.7 same", kind="pdf")
    db.session.commit()

    assert first.id == second.id
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1
    assert load_file(first) == b"%PDF-1.7 same"
    assert list(any_storage.keys()) == [content_key(first.sha256)]


def test_stream_reads_the_same_bytes(any_storage):
    data = bytes(range(256)) * 5000  # larger than one chunk
    stored = save_file(data, kind="pdf")
    db.session.commit()

    with open_file(stored) as stream:
        chunks = list(iter(lambda: stream.read(64 * 1024), b""))

    assert b"".join(chunks) == data
    assert len(chunks) > 1


def test_changed_file_is_refused_on_read(any_storage):
    stored = save_file(b"%PDF-1.7 original", kind="pdf")
    db.session.commit()
    any_storage.put(content_key(stored.sha256), io.BytesIO(b"%PDF-1.7 tampered"))

    with pytest.raises(Corrupt):
        load_file(stored)
    with pytest.raises(Corrupt), open_file(stored) as stream:
        while stream.read(1024):
            pass


def test_rolled_back_file_is_removed(app):
    stored = save_file(b"%PDF-1.7 refused", kind="pdf")
    key = content_key(stored.sha256)
    storage = app.extensions["judging_storage"]
    assert storage.exists(key)

    db.session.rollback()

    assert not storage.exists(key)


def test_committed_file_is_rewritten_if_a_refused_twin_removed_it(any_storage):
    # Another request with the same bytes was refused and removed the file
    # between this request's write and its commit.
    stored = save_file(b"%PDF-1.7 twin", kind="pdf")
    key = content_key(stored.sha256)
    any_storage.delete(key)

    db.session.commit()

    assert any_storage.open(key).read() == b"%PDF-1.7 twin"


def test_file_of_committed_row_survives_a_refused_request(any_storage):
    stored = save_file(b"%PDF-1.7 kept", kind="pdf")
    db.session.commit()

    save_file(b"%PDF-1.7 kept", kind="pdf")
    db.session.rollback()

    assert any_storage.exists(content_key(stored.sha256))


def test_storage_keys_cannot_leave_the_folder(tmp_path):
    storage = LocalStorage(tmp_path / "files")

    for key in ("../evil", "a/../../evil", "/etc/passwd", "", ".hidden"):
        with pytest.raises(ValueError):
            storage.put(key, io.BytesIO(b"x"))

    assert not (tmp_path / "evil").exists()

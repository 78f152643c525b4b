"""Stored files: written once by content, removed when refused, never lost."""

from __future__ import annotations

from sqlalchemy import func, select

from judging.extensions import db
from judging.submissions.files import _path, load_file, save_file
from judging.submissions.models import StoredFile


def test_same_content_is_stored_once(app):
    first = save_file(b"%PDF-1.7 same", kind="pdf")
    second = save_file(b"%PDF-1.7 same", kind="pdf")
    db.session.commit()

    assert first.id == second.id
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1
    assert load_file(first) == b"%PDF-1.7 same"


def test_rolled_back_file_is_removed(app):
    stored = save_file(b"%PDF-1.7 refused", kind="pdf")
    path = _path(stored.sha256)
    assert path.exists()

    db.session.rollback()

    assert not path.exists()


def test_committed_file_is_rewritten_if_a_refused_twin_removed_it(app):
    # Another request with the same bytes was refused and removed the file
    # between this request's write and its commit.
    stored = save_file(b"%PDF-1.7 twin", kind="pdf")
    path = _path(stored.sha256)
    path.unlink()

    db.session.commit()

    assert path.read_bytes() == b"%PDF-1.7 twin"


def test_file_of_committed_row_survives_a_refused_request(app):
    stored = save_file(b"%PDF-1.7 kept", kind="pdf")
    db.session.commit()
    path = _path(stored.sha256)

    save_file(b"%PDF-1.7 kept", kind="pdf")
    db.session.rollback()

    assert path.exists()

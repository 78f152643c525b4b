"""The review copy's text is extracted once per file, not on every page view."""

from __future__ import annotations

from pathlib import Path

from judging.review import service


def test_review_paragraphs_served_from_cache_after_first_view(app, reviewing):
    entry = reviewing.entries[0]
    first = service.review_paragraphs(entry.review_file)
    sha = entry.review_file.sha256
    Path(app.config["UPLOAD_FOLDER"], sha[:2], sha).unlink()  # no second extraction

    second = service.review_paragraphs(entry.review_file)

    assert first != []
    assert second == first
    second.append("改动")
    assert service.review_paragraphs(entry.review_file) == first


def test_review_paragraphs_cache_bounded(app, reviewing, monkeypatch):
    monkeypatch.setattr(service, "PARAGRAPH_CACHE", 1)

    for entry in reviewing.entries:
        service.review_paragraphs(entry.review_file)

    assert list(service._paragraphs) == [
        (
            reviewing.entries[-1].review_file.sha256,
            reviewing.entries[-1].review_file.kind,
        )
    ]

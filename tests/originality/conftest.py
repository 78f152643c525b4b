"""Helpers for 查重 tests: generated essay bodies and a submitting unit."""

from __future__ import annotations

import random

import pytest

from judging.accounts.models import Role
from judging.dbtypes import utcnow
from judging.submissions import service as submissions
from judging.submissions.demo import essay_docx

CHARS = [chr(c) for c in range(0x4E00, 0x9FA6)]


def body(seed: int, paragraphs: int = 10) -> list[str]:
    rng = random.Random(seed)
    words = ["".join(rng.choice(CHARS) for _ in range(3)) for _ in range(500)]
    return [
        "".join(rng.choice(words) for _ in range(40)) + "。" for _ in range(paragraphs)
    ]


@pytest.fixture()
def submit(make_user):
    def do(competition, unit, paragraphs, title: str = "论文"):
        """``paragraphs``: the body, or the file's bytes themselves."""
        contact = make_user(Role.UNIT, unit=unit)
        if isinstance(paragraphs, list):
            paragraphs = essay_docx(title, paragraphs)
        return submissions.create_entry(
            actor=contact,
            competition=competition,
            data=submissions.EntryInput(
                title=title,
                category="理论研究",
                authors=(submissions.AuthorInput(name="作者", department="工会"),),
            ),
            upload=submissions.Upload(data=paragraphs, filename="论文.docx"),
            now=utcnow(),
        )

    return do

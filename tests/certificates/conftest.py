"""Factories for certificate tests: awarded entries with frozen Result rows."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw

from judging.accounts.models import Unit
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.results.models import Result
from judging.submissions.models import Author, Entry, StoredFile


def seal_png(mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (120, 120), (0, 0, 0, 0) if mode == "RGBA" else 0)
    ImageDraw.Draw(image).ellipse((4, 4, 116, 116), outline=(200, 16, 30, 220))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture()
def make_entry(app):
    counter = iter(range(1, 10_000))

    def make(
        competition: Competition,
        unit: Unit,
        *,
        title: str = "新时代产业工人队伍建设改革的实践路径",
        authors: tuple[str, ...] = ("张晓明", "刘洋"),
        tier: str | None = "一等奖",
        excluded: bool = False,
    ) -> Entry:
        n = next(counter)
        stored = StoredFile(sha256=f"{n:064x}", size=1, kind="pdf")
        db.session.add(stored)
        db.session.flush()
        entry = Entry(
            competition_id=competition.id,
            unit_id=unit.id,
            slot=n,
            code=f"ZW2026-{1000 + n}",
            title=title,
            category="调研报告",
            file_id=stored.id,
            file_name="论文.pdf",
        )
        entry.authors = [Author(position=i, name=a) for i, a in enumerate(authors, 1)]
        db.session.add(entry)
        db.session.flush()
        position = {"一等奖": 1, "二等奖": 2, "三等奖": 3}.get(tier or "", None)
        db.session.add(
            Result(
                competition_id=competition.id,
                entry_id=entry.id,
                method="calibrated",
                score=Decimal("90") - n,
                rank=n,
                tier_name=tier,
                tier_position=position,
                is_excluded=excluded,
            )
        )
        db.session.commit()
        return entry

    return make


@pytest.fixture()
def finalised(make_competition, make_unit, make_entry):
    """A finalised competition: 重庆大学 has two awards, 西南大学 one, and one
    entry without an award and one excluded."""

    def make(phase: Phase = Phase.FINALISED) -> Competition:
        competition = make_competition(phase=phase, title="2026 年“产改调研”专题征文")
        competition.issuer = "重庆市教科文卫体工会"
        competition.issued_on = date(2026, 11, 20)
        cqu = make_unit(name="重庆大学")
        swu = make_unit(name="西南大学")
        make_entry(competition, cqu, title="技能形成体系研究", tier="一等奖")
        make_entry(competition, cqu, authors=("欧阳玥",), tier="二等奖")
        make_entry(competition, swu, authors=("王堃",), tier="三等奖")
        make_entry(competition, swu, tier=None)
        make_entry(competition, swu, tier="三等奖", excluded=True)
        db.session.commit()
        return competition

    return make

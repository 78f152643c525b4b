"""Demo certificates: a demo seal and certificates for a published competition."""

from __future__ import annotations

import io
import math
from datetime import date, datetime

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from judging.audit.service import record
from judging.certificates import service
from judging.certificates.fonts import FONT_PATH
from judging.certificates.models import Certificate
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.submissions.files import save_file
from judging.submissions.models import Entry

DEMO_ISSUER = "重庆市教科文卫体工会"


def demo_seal_png(text: str, *, size: int = 480) -> bytes:
    """A red round demo seal (ring, star, text on an arc) as a transparent PNG.

    Clearly a drawing, not a copy of any real seal (the same as the benchmark's).
    """
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 16, 30, 215)
    centre = size / 2
    ring = size * 0.035
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=int(ring))
    star_r = size * 0.16
    points = [
        (
            centre
            + (star_r if i % 2 == 0 else star_r * 0.38) * math.sin(math.pi * i / 5),
            centre
            - (star_r if i % 2 == 0 else star_r * 0.38) * math.cos(math.pi * i / 5),
        )
        for i in range(10)
    ]
    draw.polygon(points, fill=red)
    font = ImageFont.truetype(str(FONT_PATH), int(size * 0.12))
    radius = size * 0.36
    span = math.radians(250)
    for index, char in enumerate(text):
        angle = -span / 2 + span * index / max(1, len(text) - 1)
        glyph = Image.new("RGBA", (int(size * 0.16),) * 2, (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), char, font=font, fill=red, anchor="mm"
        )
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        x = centre + radius * math.sin(angle) - glyph.width / 2
        y = centre - radius * math.cos(angle) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _issue_date(competition: Competition, now: datetime) -> date:
    from judging.web import shanghai

    moment = competition.published_at or competition.finalised_at or now
    return date.fromisoformat(shanghai(moment, "%Y-%m-%d"))


def issue(*, competition: Competition) -> int:
    """Issue the demo competition's certificates, with issuer, date and a demo seal.

    Idempotent: run again, it adds nothing; returns how many certificates the
    competition has.
    """
    now = utcnow()
    if not competition.issuer:
        competition.issuer = DEMO_ISSUER
    if competition.issued_on is None:
        competition.issued_on = _issue_date(competition, now)
    if not competition.seal_sha256:
        stored = save_file(demo_seal_png(competition.issuer), kind="png")
        competition.seal_sha256 = stored.sha256
        record(
            actor_id=None,
            action="certificates.seal",
            obj=competition,
            competition_id=competition.id,
            sha256=stored.sha256,
            demo=True,
        )
    service.issue_certificates(actor=None, competition=competition, now=now)
    db.session.flush()
    return len(
        db.session.scalars(
            select(Certificate.id)
            .join(Entry, Entry.id == Certificate.entry_id)
            .where(Entry.competition_id == competition.id)
        ).all()
    )

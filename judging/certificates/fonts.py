"""The Chinese font for certificates and award lists: where it is, registering it,
and which characters it lacks.

Pure: no Flask, no database.

The font ships inside the package (``fonts/ukai-cn-subset.ttf``, AR PL UKai CN 楷体,
Arphic Public License, see ``fonts/ARPHICPL.TXT``), so nothing is downloaded at
run time and nothing is assumed on the machine.  It has TrueType outlines, which
is what reportlab can embed: every PDF carries a subset of it, so every reader
shows the same glyphs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: The name under which the font is registered with reportlab.
FONT_NAME = "ARPLUKaiCN"
#: The vendored font file (a subset of Debian's fonts-arphic-ukai, face CN).
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "ukai-cn-subset.ttf"


@cache
def register_font() -> str:
    """Register the certificate font with reportlab once; return its name."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    return FONT_NAME


def _char_to_glyph() -> dict[int, int]:
    font = pdfmetrics.getFont(register_font())
    return font.face.charToGlyph


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that the certificate font cannot draw.

    Read from the font's own cmap, so a name or title that would print as an
    empty box is caught when it is typed in, not when certificates are printed.
    Each missing character is listed once, in order of first appearance; spaces
    and control characters (line breaks) are not reported.
    """
    cmap = _char_to_glyph()
    missing: list[str] = []
    for char in text:
        if char.isspace() or unicodedata.category(char) == "Cc":
            continue
        if ord(char) not in cmap and char not in missing:
            missing.append(char)
    return missing


@contextmanager
def binary_streams() -> Iterator[None]:
    """Within the block, reportlab writes compressed streams without ASCII85.

    ASCII85 makes every stream a quarter larger and, without reportlab's optional
    C accelerator, encoding it is the slowest step of a 1,000-page batch.  The
    switch is process-wide in reportlab, so it is restored on leaving; a PDF
    made either way is valid.
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous

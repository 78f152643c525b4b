"""Chinese line breaking (禁则) for certificate titles and award-list cells.

Pure: no Flask, no database.

reportlab's own CJK wrapping breaks between any two characters, so a line can
start with "，" or "》" or split "PyTorch" in two. Here a line never starts with a
closing mark (，。：；！？）》”、 …), never ends with an opening mark (（《“ …), a Latin
word or number is never split unless it is wider than the whole line, and dash or
ellipsis pairs (——, ……) stay together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

#: Characters that must not begin a line (行首禁则).
NO_LINE_START = frozenset("，。：；！？）》”’、〉」』】〕〗｝］,.:;!?)]}%·・～")
#: Characters that must not end a line (行尾禁则).
NO_LINE_END = frozenset("（《“‘〈「『【〔〖｛［([{")

# One token is the smallest unit a line may be broken after: a run of Latin
# letters/digits (with inner joiners), a run of spaces, a run of dashes or
# ellipses, or any other single character.
_TOKEN = re.compile(
    r"[A-Za-z0-9\u00C0-\u024F]+(?:['’.\-_/+&][A-Za-z0-9\u00C0-\u024F]+)*"
    r"|[ \t\u3000]+|—+|…+|\S",
)


@lru_cache(maxsize=65536)
def _units(token: str, font_name: str) -> float:
    """Width of ``token`` in font units (at size 1000); certificates repeat a lot."""
    return stringWidth(token, font_name, 1000)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into unbreakable tokens (see the module docstring)."""
    return _TOKEN.findall(text.replace("\n", " "))


def _is_space(token: str) -> bool:
    return token.isspace()


def _split_long(
    token: str, width_pt: float, font_name: str, font_size: float
) -> list[str]:
    """Cut a token wider than a whole line into pieces that each fit."""
    pieces: list[str] = []
    current = ""
    for char in token:
        if current and stringWidth(current + char, font_name, font_size) > width_pt:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def _breakable_at(tokens: list[str], index: int) -> bool:
    """May a line end before ``tokens[index]`` (after ``tokens[index - 1]``)?"""
    nxt = tokens[index].lstrip()
    prev = tokens[index - 1].rstrip()
    if nxt and nxt[0] in NO_LINE_START:
        return False
    return not (prev and prev[-1] in NO_LINE_END)


def wrap_zh(text: str, width_pt: float, font_name: str, font_size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width_pt`` following 禁则.

    Greedy: each line takes as many tokens as fit; when the break would put a
    closing mark at the start of the next line or an opening mark at the end of
    this one, the break moves back to the nearest allowed place.  Only when no
    allowed place exists on the line does a closing mark hang past the margin
    (a few points), which is what Chinese typesetting does too.  Spaces at the
    ends of lines are dropped.  An empty or blank text gives no lines.
    """
    tokens = tokenize(text)
    # Widths in font units (size 1000), so fit_text can reuse them at any size.
    units = [_units(t, font_name) for t in tokens]
    return _wrap_tokens(
        tokens, units, limit=width_pt * 1000 / font_size, font_name=font_name
    )


def _wrap_tokens(
    tokens: list[str], units: list[float], *, limit: float, font_name: str
) -> list[str]:
    if any(
        width > limit and len(token) > 1
        for token, width in zip(tokens, units, strict=True)
    ):
        split_tokens: list[str] = []
        for token, width in zip(tokens, units, strict=True):
            if width > limit and len(token) > 1:
                split_tokens.extend(_split_long(token, limit, font_name, 1000))
            else:
                split_tokens.append(token)
        tokens = split_tokens
        units = [_units(t, font_name) for t in tokens]

    lines: list[str] = []
    start = 0
    count = len(tokens)
    while start < count:
        while start < count and _is_space(tokens[start]):
            start += 1
        if start >= count:
            break
        end = start
        used = 0.0
        while end < count and used + units[end] <= limit + 1e-6:
            used += units[end]
            end += 1
        if end == start:  # a single token wider than the line (one glyph)
            end = start + 1
        if end < count:
            end = _adjust_break(tokens, start, end)
        lines.append("".join(tokens[start:end]).strip())
        start = end
    return [line for line in lines if line]


def _adjust_break(tokens: list[str], start: int, end: int) -> int:
    """Move the break before ``tokens[end]`` to an allowed place.

    First try moving it back (push the offending characters to the next line);
    if that would empty the line, hang closing marks at the end of this line.
    """
    # Spaces are always a good place to break: skip over them.
    probe = end
    while probe > start + 1 and not _breakable_at(tokens, probe):
        probe -= 1
    if probe > start and _breakable_at(tokens, probe):
        return probe
    # No allowed break inside the line: let closing marks hang.
    forward = end
    while forward < len(tokens) and not _breakable_at(tokens, forward):
        forward += 1
    return forward


def wrap_names(
    names: Sequence[str],
    width_pt: float,
    font_name: str,
    font_size: float,
    *,
    separator: str = "、",
) -> list[str]:
    """Lay out a list of names, never breaking inside a name.

    The separator stays at the end of a line (a line never starts with "、").
    A single name wider than the line is wrapped by ``wrap_zh`` as a last resort.
    """
    lines: list[str] = []
    current = ""
    for index, name in enumerate(names):
        piece = name + (separator if index < len(names) - 1 else "")
        candidate = current + piece
        fits = stringWidth(candidate.rstrip(), font_name, font_size) <= width_pt
        if fits or not current:
            current = candidate
        else:
            lines.append(current.rstrip())
            current = piece
    if current:
        lines.append(current.rstrip())
    wrapped: list[str] = []
    for line in lines:
        if stringWidth(line, font_name, font_size) > width_pt:
            wrapped.extend(wrap_zh(line, width_pt, font_name, font_size))
        else:
            wrapped.append(line)
    return wrapped


@dataclass(frozen=True)
class FittedText:
    """Lines of text and the font size at which they fit."""

    lines: tuple[str, ...]
    font_size: float


def fit_text(
    text: str,
    *,
    width_pt: float,
    font_name: str,
    max_size: float,
    min_size: float,
    max_lines: int,
    step: float = 0.5,
) -> FittedText:
    """Wrap ``text`` at the largest size (≤ max_size) that needs ≤ max_lines lines.

    Very long essay titles shrink rather than overflow the certificate.  If even
    ``min_size`` needs more lines, the text is set at ``min_size`` on as many
    lines as it takes (the caller decides how to place them); nothing is cut.
    """
    tokens = tokenize(text)
    units = [_units(t, font_name) for t in tokens]
    size = max_size
    while True:
        lines = _wrap_tokens(
            tokens, units, limit=width_pt * 1000 / size, font_name=font_name
        )
        if len(lines) <= max_lines or size - step < min_size:
            return FittedText(lines=tuple(lines), font_size=size)
        size -= step


def fit_names(
    names: Sequence[str],
    *,
    width_pt: float,
    font_name: str,
    max_size: float,
    min_size: float,
    max_lines: int,
    separator: str = "、",
    step: float = 0.5,
) -> FittedText:
    """Like ``fit_text`` for a list of names laid out by ``wrap_names``."""
    size = max_size
    while True:
        lines = wrap_names(names, width_pt, font_name, size, separator=separator)
        if len(lines) <= max_lines or size - step < min_size:
            return FittedText(lines=tuple(lines), font_size=size)
        size -= step


def balance_lines(
    text: str, *, width_pt: float, font_name: str, font_size: float
) -> list[str]:
    """Wrap into the fewest lines ``wrap_zh`` needs, but of even lengths.

    A centred two-line title whose second line holds three characters looks
    unfinished; this narrows the measure as far as it can without adding a line,
    so the lines come out about equally long.
    """
    tokens = tokenize(text)
    units = [_units(t, font_name) for t in tokens]
    scale = 1000 / font_size
    lines = _wrap_tokens(tokens, units, limit=width_pt * scale, font_name=font_name)
    if len(lines) < 2:
        return lines
    low, high = width_pt / len(lines), width_pt
    best = lines
    for _ in range(8):
        middle = (low + high) / 2
        trial = _wrap_tokens(tokens, units, limit=middle * scale, font_name=font_name)
        if len(trial) <= len(lines):
            best, high = trial, middle
        else:
            low = middle
    return best

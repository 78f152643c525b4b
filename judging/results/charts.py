"""Charts for the results pages as inline SVG text.

Pure: no Flask, no database.

The page's Content-Security-Policy forbids inline styles, so every chart uses
SVG presentation attributes (fill, stroke, x, y, width …) and never ``style=``.
All text is escaped here; the caller may mark the result safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

INK = "#333333"
MUTED = "#8a8a8a"
BAR = "#9e1b1e"
SOFT = "#e8d5c4"
FONT = 'font-family="sans-serif"'
# Natural width of every chart: about a card's width on a desktop, so labels
# show at their real size (12–13 px); CSS shrinks it on narrow screens.
WIDTH = 960
# Awarded tiers, best first; anything else (未获奖) is drawn in UNAWARDED.
UNAWARDED = "#b8b8b8"
TIER_COLOURS = ("#9e1b1e", "#c0612b", "#d9a441", "#6b8e23", "#4682b4", "#6a5acd")


@dataclass(frozen=True)
class Bin:
    """A histogram bar: ``count`` values in ``[low, high)``."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Interval:
    """A forest-plot row: an estimate with its interval."""

    label: str
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Probability:
    """A bar of the tier-probability chart."""

    label: str
    probability: float
    tier: str


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    return head + "".join(body) + "</svg>"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 13,
    fill: str = INK,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" {FONT}>{escape(text)}</text>'
    )


def _nice(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def histogram_svg(
    bins: Sequence[Bin], *, title: str, width: int = WIDTH, height: int = 240
) -> str:
    """Bars of counts per bin with the bin edges on the x axis."""
    left, right, top, bottom = 48, 16, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((b.count for b in bins), default=0) or 1
    step = plot_w / max(len(bins), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{INK}" stroke-width="1"/>',
        _text(left - 6, top + 4, str(peak), anchor="end", size=12, fill=MUTED),
        _text(left - 6, top + plot_h, "0", anchor="end", size=12, fill=MUTED),
    ]
    for i, b in enumerate(bins):
        h = plot_h * b.count / peak
        x = left + i * step
        body.append(
            f'<rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" width="{step - 4:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(_nice(b.low))}–'
            f"{escape(_nice(b.high))}: {b.count}</title></rect>"
        )
        if b.count:
            body.append(
                _text(
                    x + step / 2,
                    top + plot_h - h - 4,
                    str(b.count),
                    anchor="middle",
                    size=12,
                )
            )
        body.append(
            _text(
                x, top + plot_h + 18, _nice(b.low), anchor="middle", size=12, fill=MUTED
            )
        )
    if bins:
        body.append(
            _text(
                left + plot_w,
                top + plot_h + 18,
                _nice(bins[-1].high),
                anchor="middle",
                size=12,
                fill=MUTED,
            )
        )
    return _svg(width, height, title, body)


def forest_svg(
    rows: Sequence[Interval], *, title: str, width: int = WIDTH, row_height: int = 22
) -> str:
    """Each row's estimate as a dot with its interval as a line; 0 is marked.

    Used for judges' severities: left of 0 is harsh, right of 0 lenient.
    """
    left, right, top, bottom = 170, 24, 16, 32
    height = top + bottom + row_height * max(len(rows), 1)
    plot_w = width - left - right
    lows = [r.low for r in rows] + [0.0]
    highs = [r.high for r in rows] + [0.0]
    span = max(abs(min(lows)), abs(max(highs)), 1.0) * 1.1

    def x_of(value: float) -> float:
        return left + plot_w * (value + span) / (2 * span)

    zero = x_of(0.0)
    body = [
        f'<line x1="{zero:.1f}" y1="{top - 6}" x2="{zero:.1f}" '
        f'y2="{height - bottom + 4}" stroke="{MUTED}" stroke-dasharray="3 3"/>',
        _text(zero, height - 8, "0", anchor="middle", size=12, fill=MUTED),
        _text(x_of(-span), height - 8, f"−{_nice(span)}", size=12, fill=MUTED),
        _text(
            x_of(span), height - 8, f"+{_nice(span)}", anchor="end", size=12, fill=MUTED
        ),
    ]
    for i, r in enumerate(rows):
        y = top + row_height * i + row_height / 2
        body.append(_text(left - 8, y + 4, r.label, anchor="end"))
        body.append(
            f'<line x1="{x_of(r.low):.1f}" y1="{y:.1f}" x2="{x_of(r.high):.1f}" '
            f'y2="{y:.1f}" stroke="{INK}" stroke-width="2"/>'
        )
        body.append(
            f'<circle cx="{x_of(r.estimate):.1f}" cy="{y:.1f}" r="4" fill="{BAR}">'
            f"<title>{escape(r.label)}: {r.estimate:+.1f} "
            f"[{r.low:+.1f}, {r.high:+.1f}]</title></circle>"
        )
    return _svg(width, height, title, body)


def probability_svg(
    rows: Sequence[Probability],
    *,
    tiers: Sequence[str],
    title: str,
    width: int = WIDTH,
    row_height: int = 24,
) -> str:
    """Horizontal bars of each entry's tier probability, coloured by tier.

    A dashed line marks 0.8, below which an entry is near a tier boundary.
    ``tiers`` are the awarded tiers, best first; any other tier (未获奖) is
    grey, never a colour that reads as a prize.
    """
    left, right, top, bottom = 130, 170, 10, 28
    height = top + bottom + row_height * max(len(rows), 1)
    plot_w = width - left - right
    colour = {t: TIER_COLOURS[i % len(TIER_COLOURS)] for i, t in enumerate(tiers)}
    mark = left + plot_w * 0.8
    body = [
        f'<line x1="{mark:.1f}" y1="{top - 4}" x2="{mark:.1f}" '
        f'y2="{height - bottom + 4}" stroke="{MUTED}" stroke-dasharray="3 3"/>',
        _text(mark, height - 6, "0.8", anchor="middle", size=12, fill=MUTED),
        _text(left, height - 6, "0", anchor="middle", size=12, fill=MUTED),
        _text(left + plot_w, height - 6, "1", anchor="middle", size=12, fill=MUTED),
    ]
    for i, r in enumerate(rows):
        y = top + row_height * i
        w = plot_w * max(0.0, min(1.0, r.probability))
        body.append(_text(left - 6, y + row_height - 5, r.label, anchor="end", size=12))
        body.append(
            f'<rect x="{left}" y="{y + 2:.1f}" width="{plot_w}" '
            f'height="{row_height - 4}" fill="{SOFT}"/>'
        )
        body.append(
            f'<rect x="{left}" y="{y + 2:.1f}" width="{w:.1f}" '
            f'height="{row_height - 4}" fill="{colour.get(r.tier, UNAWARDED)}">'
            f"<title>{escape(r.label)} {escape(r.tier)}: {r.probability:.2f}"
            "</title></rect>"
        )
        body.append(
            _text(
                left + plot_w + 4,
                y + row_height - 5,
                f"{r.probability:.2f} {r.tier}",
                size=12,
            )
        )
    return _svg(width, height, title, body)

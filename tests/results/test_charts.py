"""Inline SVG charts: presentation attributes only, escaped text."""

from __future__ import annotations

import re

from judging.results import charts


def test_histogram_draws_one_bar_per_bin():
    bins = [charts.Bin(0, 50, 2), charts.Bin(50, 100, 6)]

    svg = charts.histogram_svg(bins, title="分布")

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 2
    assert "style=" not in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert abs(heights[1] - 3 * heights[0]) < 0.2


def test_forest_escapes_labels_and_marks_zero():
    rows = [
        charts.Interval("<b>王</b>", -5.0, -8.0, -2.0),
        charts.Interval("李", 3.0, 1.0, 5.0),
    ]

    svg = charts.forest_svg(rows, title="宽严")

    assert "<b>" not in svg and "&lt;b&gt;王&lt;/b&gt;" in svg
    assert svg.count("<circle") == 2
    assert "stroke-dasharray" in svg
    assert "style=" not in svg


def test_probability_bars_scale_with_probability():
    rows = [
        charts.Probability("ZW-1", 1.0, "一等奖"),
        charts.Probability("ZW-2", 0.5, "二等奖"),
    ]

    svg = charts.probability_svg(rows, tiers=["一等奖", "二等奖"], title="概率")

    widths = re.findall(
        r'<rect x="\d+" y="[\d.]+" width="([\d.]+)"[^>]*fill="#(?!e8d5c4)', svg
    )
    assert float(widths[0]) == 2 * float(widths[1])
    assert "0.50 二等奖" in svg
    assert "style=" not in svg


def test_empty_charts_are_still_valid():
    assert charts.histogram_svg([], title="空").count("<rect") == 0
    assert charts.forest_svg([], title="空").endswith("</svg>")


def test_unawarded_is_grey_and_labels_readable():
    from judging.results.charts import UNAWARDED, Probability, probability_svg

    svg = probability_svg(
        [
            Probability("ZW2026-0001", 0.9, "一等奖"),
            Probability("ZW2026-0002", 0.7, "未获奖"),
        ],
        tiers=["一等奖", "二等奖", "三等奖"],
        title="t",
    )

    fills = re.findall(
        r'<rect x="\d+" y="[\d.]+" width="[\d.]+"[^>]*fill="(#\w+)">', svg
    )
    assert fills == ["#9e1b1e", UNAWARDED]
    sizes = {int(s) for s in re.findall(r'font-size="(\d+)"', svg)}
    assert min(sizes) >= 12
    assert "0.70 未获奖" in svg

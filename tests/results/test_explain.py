"""Plain words for the statistics: thresholds as the rules write them."""

from __future__ import annotations

import pytest

from judging.results import explain
from judging.results.explain import Candidate


def _text(x) -> str:  # noqa: ANN001
    return explain.render(x, str)


@pytest.mark.parametrize(
    ("p", "near"),
    [
        (0.79, True),
        (0.794, True),
        (0.796, False),
        (0.80, False),
        (0.95, False),
        (None, False),
        (float("nan"), False),
    ],
)
def test_near_boundary_is_strictly_below_at_shown_precision(p, near):
    assert explain.is_near_boundary(p) is near


def test_disconnected_judges_say_what_to_do():
    x = explain.connectivity(6)

    assert _text(x) == (
        "有 6 组评审专家之间没有共同评阅的作品，无法比较宽严，建议增派评审使各组相连。"
    )
    assert (x.level, x.action) == ("act", "more_judges")
    assert explain.connectivity(1).action == ""


@pytest.mark.parametrize(
    ("alpha", "level", "start"),
    [
        (0.85, "ok", "评审专家对同一作品的打分相当一致，排名可信（一致性 α = 0.85）"),
        (0.70, "warn", "评审专家打分的一致程度尚可（一致性 α = 0.70）"),
        (0.40, "act", "同一作品不同评审专家给分差别较大，一致程度偏低（一致性 α = 0.4"),
        (-0.02, "act", "评审专家的打分几乎没有一致性，与随机打分相当（一致性 α = -0."),
    ],
)
def test_agreement_levels(alpha, level, start):
    x = explain.agreement(alpha, 30)

    assert x.level == level
    assert _text(x).startswith(start)


def test_agreement_without_enough_reviews():
    assert "太少（2 份）" in _text(explain.agreement(float("nan"), 2))


@pytest.mark.parametrize(
    ("value", "low", "high", "words"),
    [
        (1.0, -0.5, 2.5, "与一般评审专家无明显差别"),
        (-3.2, -5.0, -1.0, "平均比一般评审专家少给 3.2 分，校准已补回"),
        (2.5, 1.0, 4.0, "平均比一般评审专家多给 2.5 分，校准已扣除"),
    ],
)
def test_severity_in_words(value, low, high, words):
    assert _text(explain.severity(value, low, high)) == words


def test_doubt_ranks_the_few_entries_really_in_doubt():
    candidates = [
        Candidate(1, "ZW2026-0001", 0.99, "一等奖"),
        Candidate(2, "ZW2026-0002", 0.55, "二等奖"),
        Candidate(3, "ZW2026-0003", 0.80, "二等奖"),
        Candidate(4, "ZW2026-0004", 0.62, "未获奖"),
    ] + [Candidate(10 + i, f"ZW2026-1{i:03d}", 0.97, "未获奖") for i in range(6)]

    d = explain.doubt(candidates, total=len(candidates))

    assert [c.key for c in d.ranked] == [2, 4]
    assert d.in_doubt == {2, 4} and d.badges is True
    assert d.summary.action == "extra_review"
    assert "有 2 篇作品的奖项还不确定" in _text(d.summary)


def test_doubt_when_most_entries_are_in_doubt_asks_for_more_reviews():
    candidates = [Candidate(i, f"ZW-{i}", 0.4 + i / 100, "二等奖") for i in range(12)]

    d = explain.doubt(candidates, total=12)

    assert d.badges is False
    assert len(d.ranked) == explain.DOUBT_LIST
    assert d.summary.action == "more_judges"
    assert "12 篇作品中有 12 篇" in _text(d.summary)


def test_doubt_none():
    d = explain.doubt([Candidate(1, "A", 0.9, "一等奖")], total=1)

    assert (d.ranked, d.badges) == ((), False)
    assert "基本确定" in _text(d.summary)


def test_typical_total_undoes_severity_and_scale():
    # x = m + s·u + b with m = 70, s = 2, u = 5, b = −4: x = 76.
    assert explain.typical_total(76.0, -4.0, 2.0, 70.0) == 75.0
    assert explain.typical_total(80.0, 0.0, 1.0, 70.0) == 80.0


@pytest.mark.parametrize(
    ("calibrated", "plain", "start", "level"),
    [
        (72.2, 72.0, "校准与简单平均相差不到 0.5 分", "ok"),
        (75.0, 72.0, "校准比简单平均高 3.00 分：评阅这篇作品的评审专家总体偏", "warn"),
        (70.0, 72.5, "校准比简单平均低 2.50 分：评阅这篇作品的评审专家总体偏", "warn"),
    ],
)
def test_adjustment_says_which_way(calibrated, plain, start, level):
    x = explain.adjustment(calibrated, plain)

    assert _text(x).startswith(start)
    assert x.level == level


def test_entry_score_names_the_interval_and_reviews():
    x = explain.entry_score(
        method="校准", score=73.3333, low=70.1, high=76.5, n=3, plain=72.75
    )

    assert _text(x) == (
        "按“校准”汇总，得分 73.33，95% 的把握在 70.10 到 76.50 之间；由 3 份评分得出，"
        "这几份评分的简单平均是 72.75。"
    )

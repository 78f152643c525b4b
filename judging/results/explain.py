"""Plain words for the numbers an organiser sees: what each means here, what to do.

Every function takes plain numbers and returns an ``Explanation``: a msgid
with named fields (translated when shown, see ``render``), a level ("ok",
"warn", "act") and, where there is something to do, the key of the action the
page offers as a button. Thresholds are the competition rules written down
once: an award is "in doubt" when its probability is *below* 0.8, compared at
the two decimals the page shows, so "0.80" is never flagged.

Pure: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from judging.i18n import N_

NEAR_BOUNDARY = 0.8  # the rule: a tier probability below this is in doubt
GOOD_ALPHA = 0.8
FAIR_ALPHA = 0.667  # Krippendorff's own lower bound for tentative conclusions
MOST = 0.5  # more than this share in doubt: the whole ranking is uncertain
DOUBT_LIST = 10  # entries named in the ranked list of doubtful awards


@dataclass(frozen=True)
class Explanation:
    text: str
    params: Mapping[str, object] = field(default_factory=dict)
    level: str = "ok"  # ok | warn | act
    action: str = ""  # a key the page maps to a button, "" for none


def render(explanation: Explanation, gettext: Callable[[str], str]) -> str:
    """The explanation in the reader's language."""
    return gettext(explanation.text) % dict(explanation.params)


def is_near_boundary(probability: float | None) -> bool:
    """Below 0.8 at the precision shown (two decimals): 0.796 shows as 0.80, so
    it is not flagged either; the written rule and the page agree."""
    if probability is None or math.isnan(probability):
        return False
    return round(probability, 2) < NEAR_BOUNDARY


def agreement(alpha: float, n_reviews: int) -> Explanation:
    """Krippendorff's α in words, with what to do about a low value."""
    if math.isnan(alpha):
        return Explanation(
            N_("已提交的评分太少（%(n)d 份），还看不出评审专家打分是否一致。"),
            {"n": n_reviews},
            "warn",
        )
    params = {"alpha": f"{alpha:.2f}", "n": n_reviews}
    if alpha >= GOOD_ALPHA:
        return Explanation(
            N_("评审专家对同一作品的打分相当一致，排名可信（一致性 α = %(alpha)s）。"),
            params,
        )
    if alpha >= FAIR_ALPHA:
        return Explanation(
            N_(
                "评审专家打分的一致程度尚可（一致性 α = %(alpha)s）。名次相近的"
                "作品之间的差别可能只是评审专家口味不同，奖项边界附近的作品宜复核。"
            ),
            params,
            "warn",
        )
    if alpha > 0:
        return Explanation(
            N_(
                "同一作品不同评审专家给分差别较大，一致程度偏低（一致性 α = "
                "%(alpha)s）。建议先看“评分分歧”，对分歧大的作品仲裁或增派评审。"
            ),
            params,
            "act",
            "disagreements",
        )
    return Explanation(
        N_(
            "评审专家的打分几乎没有一致性，与随机打分相当（一致性 α = "
            "%(alpha)s）。请先核实评分标准是否讲清、有无录错的分数，再决定是否"
            "重新评审。"
        ),
        params,
        "act",
        "disagreements",
    )


def connectivity(components: int) -> Explanation:
    """The judge–entry graph's connected parts, as what it means for calibration."""
    if components <= 1:
        return Explanation(
            N_("所有评审专家都通过共同评阅的作品相连，可以比较并校正各人的宽严。")
        )
    return Explanation(
        N_(
            "有 %(n)d 组评审专家之间没有共同评阅的作品，无法比较宽严，"
            "建议增派评审使各组相连。"
        ),
        {"n": components},
        "act",
        "more_judges",
    )


def shared(mean_shared: float) -> Explanation:
    """How many entries two judges read in common, on average."""
    params = {"x": f"{mean_shared:.2f}"}
    if mean_shared < 1:
        return Explanation(
            N_(
                "平均每两位评审专家共同评阅 %(x)s 篇作品：共同作品少，"
                "宽严估计只靠少数作品，校准把握较小。"
            ),
            params,
            "warn",
        )
    return Explanation(
        N_("平均每两位评审专家共同评阅 %(x)s 篇作品：越多，宽严校正越可靠。"),
        params,
    )


def same_affiliation(entries: int) -> Explanation | None:
    """Entries read by two judges of the same unit (not a conflict, but noted)."""
    if entries <= 0:
        return None
    return Explanation(
        N_("有 %(n)d 篇作品由同一单位的两位评审专家共同评阅，两人的意见未必独立。"),
        {"n": entries},
        "warn",
    )


def severity(value: float, low: float, high: float) -> Explanation:
    """One judge's estimated severity in a short phrase: an interval that
    crosses 0 shows no clear difference."""
    params = {"x": f"{abs(value):.1f}"}
    if low <= 0 <= high:
        return Explanation(N_("与一般评审专家无明显差别"), params)
    if value < 0:
        return Explanation(
            N_("平均比一般评审专家少给 %(x)s 分，校准已补回"), params, "warn"
        )
    return Explanation(
        N_("平均比一般评审专家多给 %(x)s 分，校准已扣除"), params, "warn"
    )


def spread(scale: float) -> Explanation | None:
    """A judge's spread of marks against the typical judge's (1 = the same)."""
    if scale >= 1.3:
        return Explanation(N_("分数拉得较开"))
    if scale <= 0.7:
        return Explanation(N_("分数较集中，难以拉开差距"))
    return None


@dataclass(frozen=True)
class Candidate:
    """An entry whose award may be in doubt, as plain data."""

    key: int  # the entry's id, for the page to find it again
    label: str  # its code
    probability: float
    tier: str


@dataclass(frozen=True)
class Doubt:
    """The awards really in doubt: a summary, a short ranked list, and whether
    a badge on each row still means something."""

    summary: Explanation
    ranked: tuple[Candidate, ...]
    in_doubt: frozenset[int]
    badges: bool


def doubt(candidates: Sequence[Candidate], *, total: int) -> Doubt:
    """Rank the doubtful awards (lowest probability first) and say what to do.

    When most entries are in doubt a badge on every row says nothing: the
    summary says instead that the ranking as a whole needs more reviews.
    """
    near = sorted(
        (c for c in candidates if is_near_boundary(c.probability)),
        key=lambda c: (c.probability, c.label),
    )
    ids = frozenset(c.key for c in near)
    ranked = tuple(near[:DOUBT_LIST])
    if not near:
        summary = Explanation(
            N_("每篇作品的奖项归属概率都不低于 0.8：按现有评分，奖项基本确定。")
        )
        return Doubt(summary, (), ids, False)
    if total and len(near) > MOST * total:
        summary = Explanation(
            N_(
                "%(n)d 篇作品中有 %(k)d 篇的奖项归属概率低于 0.8：每篇的评审份数"
                "太少，名次主要取决于碰巧评到它的是哪几位评审专家。建议每篇增派评审"
                "（约需 %(n)d 份），而不是逐篇调整。"
            ),
            {"n": total, "k": len(near)},
            "act",
            "more_judges",
        )
        return Doubt(summary, ranked, ids, False)
    summary = Explanation(
        N_(
            "有 %(k)d 篇作品的奖项还不确定（归属概率低于 0.8），最不确定的列在下面；"
            "为这几篇各增派一位评审，约需 %(m)d 份评审。"
        ),
        {"k": len(near), "m": len(ranked)},
        "act",
        "extra_review",
    )
    return Doubt(summary, ranked, ids, True)


def typical_total(total: float, severity: float, scale: float, mean: float) -> float:
    """The total a typical judge (severity 0, scale 1) would have given, by the
    calibrated model x = m + s·u + b read backwards: m + (x − m − b) / s."""
    return mean + (total - mean - severity) / (scale if scale > 0 else 1.0)


def entry_score(
    *, method: str, score: float, low: float, high: float, n: int, plain: float
) -> Explanation:
    """An entry's score in one sentence: the method, the interval, the reviews."""
    return Explanation(
        N_(
            "按“%(method)s”汇总，得分 %(score)s，95%% 的把握在 %(low)s 到 %(high)s "
            "之间；由 %(n)d 份评分得出，这几份评分的简单平均是 %(plain)s。"
        ),
        {
            "method": method,
            "score": f"{score:.2f}",
            "low": f"{low:.2f}",
            "high": f"{high:.2f}",
            "n": n,
            "plain": f"{plain:.2f}",
        },
    )


def adjustment(calibrated: float, plain: float) -> Explanation:
    """Why the calibrated score differs from the plain mean of the entry's totals."""
    gap = calibrated - plain
    if abs(gap) < 0.5:
        return Explanation(
            N_("校准与简单平均相差不到 0.5 分：评阅这篇作品的评审专家宽严相当。")
        )
    if gap > 0:
        return Explanation(
            N_(
                "校准比简单平均高 %(x)s 分：评阅这篇作品的评审专家总体偏严，"
                "校准把少给的分补了回来。"
            ),
            {"x": f"{gap:.2f}"},
            "warn",
        )
    return Explanation(
        N_(
            "校准比简单平均低 %(x)s 分：评阅这篇作品的评审专家总体偏宽，"
            "校准扣除了多给的分。"
        ),
        {"x": f"{-gap:.2f}"},
        "warn",
    )

"""The ranking methods by name, without the statistics behind them.

Pure: no Flask, no database. Pages, forms and the command line need the names
and labels at start-up; `judging.results.aggregate` (numpy, pandas, scipy) is
imported only where a ranking is computed. tests/results/test_aggregate.py
holds the two lists equal.
"""

from __future__ import annotations

from judging.i18n import N_

METHODS: tuple[tuple[str, str], ...] = (
    ("mean", N_("均值")),
    ("median", N_("中位数")),
    ("trimmed", N_("截尾均值")),
    ("zscore", N_("标准分")),
    ("calibrated", N_("校准")),
)
METHOD_LABELS: dict[str, str] = dict(METHODS)
NOT_AWARDED = "未获奖"  # judging.results.awards.NOT_AWARDED

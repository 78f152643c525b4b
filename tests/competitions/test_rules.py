"""Competition settings validation and the Asia/Shanghai calendar (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from judging.competitions.rules import (
    DEFAULT_RUBRIC,
    DEFAULT_TIERS,
    CriterionSpec,
    Settings,
    TierSpec,
    default_settings,
    end_of_day,
    local_day,
    validate_settings,
)

VALID = Settings(
    title="征文",
    opens_on=date(2026, 9, 1),
    closes_on=date(2026, 10, 17),
    min_entries=1,
    max_entries=5,
    file_types=frozenset({"pdf", "docx"}),
    max_file_mb=20,
    min_words=None,
    max_words=None,
    reviews_per_entry=3,
    criteria=DEFAULT_RUBRIC,
    tiers=DEFAULT_TIERS,
)


def test_default_rubric_totals_100():
    assert sum(c.max_points for c in DEFAULT_RUBRIC) == 100
    assert [t.name for t in DEFAULT_TIERS] == ["一等奖", "二等奖", "三等奖"]


def test_valid_settings_have_no_errors():
    assert validate_settings(VALID) == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"closes_on": date(2026, 8, 1)}, "截止日期不能早于开始日期。"),
        ({"min_entries": 6}, "每校最少篇数不能大于最多篇数。"),
        ({"file_types": frozenset()}, "请至少选择一种文件类型（PDF 或 DOCX）。"),
        (
            {"criteria": (CriterionSpec("理论深度", 0),)},
            "评分项“理论深度”的满分必须大于 0。",
        ),
        ({"criteria": ()}, "评分细则至少需要一项。"),
        (
            {
                "tiers": (
                    TierSpec("一等奖", share_percent=Decimal(60)),
                    TierSpec("二等奖", share_percent=Decimal(50)),
                )
            },
            "各奖项比例之和为 110%，超过 100%。",
        ),
        ({"tiers": (TierSpec("一等奖"),)}, "奖项“一等奖”须填写比例或名额之一。"),
        ({"min_words": 9000, "max_words": 3000}, "字数下限不能大于字数上限。"),
        ({"title": "  "}, "请填写竞赛名称。"),
    ],
)
def test_invalid_settings_are_explained(change, error):
    assert error in validate_settings(replace(VALID, **change))


def test_end_of_day_is_shanghai_midnight():
    closes = end_of_day(date(2026, 10, 17))

    assert closes == datetime(2026, 10, 17, 16, 0, tzinfo=UTC)
    assert local_day(closes, inclusive_end=True) == date(2026, 10, 17)


def test_default_settings_are_valid_and_changeable():
    settings = default_settings(
        title="征文",
        opens_on=date(2026, 9, 1),
        closes_on=date(2026, 10, 17),
        max_entries=3,
    )

    assert validate_settings(settings) == []
    assert (settings.max_entries, settings.reviews_per_entry) == (3, 3)
    assert settings.criteria == DEFAULT_RUBRIC

"""The budget rule of the extra-reviews page (pure arithmetic, a table)."""

from __future__ import annotations

import pytest

from judging.results.extra import budget_of


@pytest.mark.parametrize(
    ("n", "share", "rounds", "expected"),
    [
        (300, 20, 2, (60, 30)),
        (300, 10, 3, (30, 10)),
        (6, 20, 1, (1, 1)),  # 1.2 rounds half up to 1
        (7, 10, 2, (1, 1)),  # 0.7 → 1, the single review goes in round one
        (25, 10, 2, (3, 2)),  # 2.5 → 3, split 2 + 1
        (4, 10, 1, (0, 0)),  # 0.4 → 0: nothing to send
        (0, 20, 2, (0, 0)),
    ],
)
def test_budget_is_a_share_of_entries_split_into_rounds(
    n: int, share: int, rounds: int, expected: tuple[int, int]
) -> None:
    assert budget_of(n, share, rounds) == expected

"""When a Distributed Map's failed items exceed ToleratedFailurePercentage / ToleratedFailureCount, with the total
known, and while items are still being read (total None)."""

from __future__ import annotations

import pytest

from hpc.engine.tolerance import Threshold


@pytest.mark.parametrize(
    ("percentage", "count", "failed", "total", "exceeded"),
    [
        (None, None, 0, 10, False),  # nothing tolerated, nothing failed
        (None, None, 1, 10, True),  # nothing tolerated
        (None, None, 1, None, True),
        (10, None, 1, 10, False),  # 10% of 10 is exactly 1
        (10, None, 2, 10, True),
        (10, None, 1, 9, True),  # 1 of 9 is past 10%
        (12.5, None, 1, 8, False),
        (0, None, 0, 10, False),
        (0, None, 1, 10, True),
        (50, None, 0, 0, False),  # an empty Map fails nothing
        (50, None, 1, 1, True),  # the one item of a one-item Map
        (99.5, None, 1, 1, True),
        (9.95, None, 1, 10, True),  # 10% is past 9.95%
        (None, 2, 2, 10, False),
        (None, 2, 3, 10, True),
        (None, 0, 1, 10, True),
        (100, 0, 1, 10, True),  # either threshold exceeded ends the run
        (10, 5, 2, 10, True),
        (10, 5, 1, 10, False),
    ],
)
def test_exceeded_with_the_total_known(percentage, count, failed, total, exceeded):
    assert Threshold(percentage, count).exceeded(failed, total) is exceeded


@pytest.mark.parametrize(
    ("percentage", "count", "failed", "exceeded"),
    [
        (0, None, 1, True),  # any failure exceeds 0%, whatever the total
        (0, None, 0, False),
        (10, None, 1000, False),  # a percentage waits for the total
        (10, 3, 4, True),  # a count never does
        (10, 3, 3, False),
    ],
)
def test_exceeded_while_the_total_is_not_known(percentage, count, failed, exceeded):
    assert Threshold(percentage, count).exceeded(failed, None) is exceeded


def test_the_threshold_is_read_from_the_state_and_described():
    threshold = Threshold.of({"ToleratedFailurePercentage": 7.5, "ToleratedFailureCount": 3})
    assert threshold == Threshold(7.5, 3)
    assert threshold.describe() == "ToleratedFailurePercentage 7.5, ToleratedFailureCount 3"
    assert Threshold.of({}).describe() == "no failure tolerated"

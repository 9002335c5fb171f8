"""The sum-squares workload against its closed form."""

import pytest

from handlers.errors import InvalidInput
from handlers.workloads import sum_squares


def closed_form(n: int) -> int:
    return (n - 1) * n * (2 * n - 1) // 6


@pytest.mark.parametrize("size", [1, 2, 7, 1000])
def test_batched_total_equals_the_closed_form(size):
    params = sum_squares.parse(size, {})
    values = list(sum_squares.items(params))
    partials = [sum_squares.compute(values[start : start + 3], params) for start in range(0, size, 3)]
    assert sum_squares.present(sum_squares.combine(partials), params) == {"result": str(closed_form(size))}


def test_combine_is_associative_over_any_grouping():
    partials = ["5", "0", "12345678901234567890123", "7"]
    assert sum_squares.combine(partials) == sum_squares.combine([sum_squares.combine(partials[:2]), *partials[2:]])


@pytest.mark.parametrize(
    ("item", "message"), [(5, "^item must be at most 4, got 5$"), (-1, "^item must be at least 0")]
)
def test_compute_refuses_an_item_outside_the_job(item, message):
    with pytest.raises(InvalidInput, match=message):
        sum_squares.compute([item], sum_squares.parse(5, {}))
    assert sum_squares.compute([0, 4], sum_squares.parse(5, {})) == "16"

"""csv-stats: batches combined by Chan et al.'s parallel formula agree with one pass over the whole column."""

from __future__ import annotations

import json
import math
import random
import statistics

import pytest

from handlers.errors import InvalidInput
from handlers.workloads import csv_stats


def rows(count: int, seed: int = 1) -> list[dict[str, str]]:
    draw = random.Random(seed)
    made = []
    for number in range(count):
        made.append(
            {
                "id": str(number),
                # a large mean against a small spread: the one-pass sum-of-squares formula loses every digit here
                "reading": repr(1e9 + draw.gauss(0, 0.01)),
                "price": f"{draw.uniform(-5, 5):.4f}",
                "label": draw.choice(["x", "y", ""]),
            }
        )
    return made


def in_batches(items: list[dict[str, str]], sizes: list[int]) -> list[dict]:
    partials, start = [], 0
    for size in sizes:
        if start < len(items):
            partials.append(json.loads(json.dumps(csv_stats.compute(items[start : start + size], {}))))
        start += size
    return partials


@pytest.mark.parametrize("sizes", [[1000], [1] * 1000, [7, 300, 1, 92, 600], [128] * 8])
def test_any_batching_matches_a_single_pass_over_the_column(sizes: list[int]):
    data = rows(1000)
    result = csv_stats.present(csv_stats.combine(in_batches(data, sizes)), {})["result"]
    for column in ("id", "reading", "price"):
        values = [float(row[column]) for row in data]
        stats = result[column]
        assert stats["count"] == len(values)
        assert stats["mean"] == pytest.approx(statistics.fmean(values), rel=1e-15, abs=1e-15)
        # "reading" has a mean 10^11 times its spread; one-item batches still keep 6 digits of its variance
        assert stats["variance"] == pytest.approx(statistics.variance(values), rel=1e-6)
        assert stats["stddev"] == pytest.approx(statistics.stdev(values), rel=1e-6)
        assert (stats["min"], stats["max"]) == (min(values), max(values))


def test_the_textbook_one_pass_formula_would_fail_this_data():
    # GIVEN the badly conditioned column WHEN its variance comes from sums of x and x*x THEN nothing is right,
    # which is why the comparison above means something
    values = [float(row["reading"]) for row in rows(1000)]
    count = len(values)
    naive = (sum(v * v for v in values) - sum(values) ** 2 / count) / (count - 1)
    assert naive != pytest.approx(statistics.variance(values), rel=0.5)


def test_cells_that_are_not_numbers_are_counted_not_fatal():
    items = [{"a": "1", "b": "x"}, {"a": "", "b": "nan"}, {"a": "2.5", "b": "inf"}, {"a": " 4 ", "b": None}]
    result = csv_stats.present(csv_stats.compute(items, {}), {})
    a, b = result["result"]["a"], result["result"]["b"]
    assert (a["count"], a["non_numeric"], a["empty"], a["mean"]) == (3, 0, 1, 2.5)
    assert (b["count"], b["non_numeric"], b["empty"], b["mean"], b["variance"]) == (0, 3, 1, None, None)
    assert result["numeric_columns"] == ["a"]


def test_json_rows_with_numbers_are_read_too():
    items = [{"v": 1}, {"v": 2.5}, {"v": True}, {"v": [1]}]
    column = csv_stats.present(csv_stats.compute(items, {}), {})["result"]["v"]
    assert (column["count"], column["mean"], column["non_numeric"]) == (2, 1.75, 2)


def test_a_row_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput, match="rows as objects"):
        csv_stats.compute([[1, 2]], {})


def test_a_single_value_has_no_variance():
    column = csv_stats.present(csv_stats.compute([{"v": "3"}], {}), {})["result"]["v"]
    assert (column["variance"], column["stddev"], column["min"], column["max"]) == (None, None, 3.0, 3.0)
    assert not math.isnan(column["mean"])


@pytest.mark.parametrize("empty_first", [True, False])
def test_a_partial_without_numbers_in_a_column_merges_as_nothing(empty_first):
    # GIVEN one batch with numbers in column "a" and one with none there
    numbers = csv_stats.compute([{"a": "1"}, {"a": "3"}], {})
    nothing = csv_stats.compute([{"a": "x"}], {})
    partials = [nothing, numbers] if empty_first else [numbers, nothing]
    # THEN the merged column has the numbers' mean and variance, whichever side is empty
    column = csv_stats.present(csv_stats.combine(json.loads(json.dumps(partials))), {})["result"]["a"]
    assert (column["count"], column["mean"], column["variance"], column["non_numeric"]) == (2, 2.0, 2.0, 1)

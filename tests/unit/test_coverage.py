"""Which item indices a data job's results cover: runs merged as they arrive, gaps and duplicates named."""

from __future__ import annotations

import pytest

from handlers.coverage import Coverage
from handlers.errors import IncompleteResults


def covered(*records: list[int]) -> int:
    coverage = Coverage()
    for number, indices in enumerate(records):
        coverage.add(indices, f"record {number}")
    return coverage.count()


@pytest.mark.parametrize(
    "records",
    [
        ([0, 1, 2],),
        ([0, 1], [2, 3, 4]),
        ([3, 4], [0, 1, 2]),  # in any order
        ([2], [0], [1]),  # a run joining runs on both sides
        ([0, 2], [1, 3]),  # records that are not runs themselves
        ([4, 5], [0, 1], [2, 3]),
    ],
)
def test_records_covering_every_index_once_count_them(records):
    assert covered(*records) == sum(len(indices) for indices in records)


def test_nothing_covered_counts_zero():
    assert covered() == 0


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (([0, 1], [4, 5]), "^items 2..3 of the data are in no result file"),
        (([1, 2],), "^items 0..0 of the data are in no result file"),
        (([0, 1], [1, 2]), "item 1 is in two results|some items are in two results"),
        (([0, 1, 2], [1]), "item 1 is in two results|some items are in two results"),
        (([0, 1], [0, 1]), r"^item 0 is in two results \(record 1 and an earlier record\)"),
        (([0, 0],), "in two results"),
    ],
)
def test_gaps_and_duplicates_are_incomplete_results(records, message):
    with pytest.raises(IncompleteResults, match=message):
        covered(*records)


@pytest.mark.parametrize("index", [-1, True, "3", 1.0, None])
def test_an_index_that_is_not_a_natural_number_names_its_record(index):
    with pytest.raises(IncompleteResults, match=rf"^record 0 holds an item without a valid index \({index!r}\)$"):
        covered([0, index])

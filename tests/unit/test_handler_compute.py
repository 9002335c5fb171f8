"""The compute function: single-item and batch events, and malformed events."""

import pytest

from handlers import compute, workloads
from handlers.errors import InvalidInput

SQUARES_JOB = {"workload": "sum-squares", "params": {"size": 10}, "items": 10}


def test_single_item_event_returns_its_partial():
    assert compute.handler({"item": 7, "job": SQUARES_JOB}, None) == {"items": 1, "partial": "49"}


def test_batch_event_returns_the_combined_partial_of_its_items():
    event = {"Items": [1, 2, 3], "BatchInput": {"job": SQUARES_JOB}}
    assert compute.handler(event, None) == {"items": 3, "partial": str(1 + 4 + 9)}


def test_batch_of_original_lengths_counts_keys():
    # Strings of 0, 1 and 2 bytes: 1 empty, 128 one-byte, 128*128 + 1863 two-byte.
    job = {"workload": "s3-keys", "params": {"size": 3, "lengths": "original"}, "items": 3}
    assert compute.handler({"Items": [0, 1, 2], "BatchInput": {"job": job}}, None) == {
        "items": 3,
        "partial": format(1 + 128 + 128 * 128 + 1863, "x"),
    }


def test_whole_float_items_are_accepted():
    assert compute.handler({"item": 3.0, "job": SQUARES_JOB}, None)["partial"] == "9"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({}, "a compute event must be"),
        ([1, 2], "a compute event must be"),
        ({"Items": [], "BatchInput": {"job": SQUARES_JOB}}, "non-empty array"),
        ({"Items": 3, "BatchInput": {"job": SQUARES_JOB}}, "non-empty array"),
        ({"Items": [1]}, "no job object"),
        ({"Items": [1], "BatchInput": ["job"]}, "no job object"),
        ({"item": 1}, "no job object"),
        ({"item": 1, "job": {"workload": "nope", "params": {"size": 1}}}, "unknown workload"),
        ({"item": 1, "job": {"workload": "sum-squares"}}, "params must be an object"),
        ({"item": 1, "job": {"workload": "sum-squares", "params": {"size": 0}}}, "at least 1"),
        ({"item": 10, "job": SQUARES_JOB}, "item must be at most 9"),
        ({"item": "x", "job": SQUARES_JOB}, "item must be a whole number"),
    ],
)
def test_malformed_event_is_invalid_input(event, message):
    with pytest.raises(InvalidInput, match=message):
        compute.handler(event, None)


CSV_JOB = {"workload": "csv-stats", "params": {"data": "s3://lake/t.csv", "format": "csv"}, "items": None}


def test_a_data_batch_computes_the_values_its_items_carry():
    rows = [{"v": "1"}, {"v": "2.5"}]
    event = {"Items": [{"index": 7, "value": rows[0]}, {"index": 8, "value": rows[1]}], "BatchInput": {"job": CSV_JOB}}
    output = compute.handler(event, None)
    partial = workloads.get("csv-stats").compute(rows, CSV_JOB["params"])
    assert output == {"items": 2, "partial": partial, "index_runs": [[7, 9]]}


def test_an_unbatched_data_item_is_its_own_value():
    row = {"v": "4"}
    output = compute.handler({"item": row, "index": 3, "job": CSV_JOB}, None)
    partial = workloads.get("csv-stats").compute([row], CSV_JOB["params"])
    assert output == {"items": 1, "partial": partial, "index_runs": [[3, 4]]}


@pytest.mark.parametrize(
    ("indices", "runs"),
    [([0], [[0, 1]]), ([4, 5, 6], [[4, 7]]), ([4, 6, 7, 2], [[4, 5], [6, 8], [2, 3]]), ([3, 3], [[3, 4], [3, 4]])],
)
def test_a_data_batchs_indices_travel_as_runs(indices, runs):
    items = [{"index": index, "value": {"v": "1"}} for index in indices]
    assert compute.handler({"Items": items, "BatchInput": {"job": CSV_JOB}}, None)["index_runs"] == runs


@pytest.mark.parametrize("index", [None, -1, True, "3", 2.0])
def test_a_data_item_without_a_valid_index_is_invalid_input(index):
    with pytest.raises(InvalidInput, match="no valid index"):
        compute.handler({"Items": [{"index": index, "value": {"v": "1"}}], "BatchInput": {"job": CSV_JOB}}, None)


@pytest.mark.parametrize("indices", [[0, True], [1, 2.0], [-1, 0], [2, "3"]])
def test_indices_that_only_look_consecutive_are_invalid_input(indices):
    # True == 1 and 2.0 == 2 in Python: a batch of them must not pass for a run of integers
    items = [{"index": index, "value": {"v": "1"}} for index in indices]
    with pytest.raises(InvalidInput, match="no valid index"):
        compute.handler({"Items": items, "BatchInput": {"job": CSV_JOB}}, None)


@pytest.mark.parametrize(
    "items", [[{"v": "1"}], [{"index": 0}], [{"value": {"v": "1"}}], [{"index": 0, "value": {"v": "1"}}, {"v": "2"}]]
)
def test_a_data_batch_whose_items_lack_index_or_value_is_invalid_input(items):
    with pytest.raises(InvalidInput, match=r'^a data job\'s batch holds items \{"index", "value"\}, got an object'):
        compute.handler({"Items": items, "BatchInput": {"job": CSV_JOB}}, None)

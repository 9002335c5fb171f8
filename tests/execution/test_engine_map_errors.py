"""How a Distributed Map fails: its own errors (an ItemSelector that fails at run time), tolerated failures in its
output, the tolerance named in its cause, and a worker process lost between children."""

from __future__ import annotations

import json
import re

import pytest
from test_engine_map import map_state, result_files
from toy_machine import machine

SELECT_AND_FAIL = {"item.$": "$$.Map.Item.Value", "fail.$": "$.fail"}


@pytest.mark.parametrize("writes_results", [True, False], ids=["with-result-writer", "without-result-writer"])
def test_an_item_selector_failing_at_run_time_fails_the_map_with_states_runtime(make_engine, writes_results):
    # GIVEN an ItemSelector reading a field the Map's input lacks
    fields = {} if writes_results else {"ResultWriter": None}
    state = map_state(ItemSelector={"value.$": "$.missing"}, **fields)
    # WHEN the Map runs
    result = make_engine(machine(("Map", state))).run({"items": [1, 2]})
    # THEN it fails with the selection's own error, not an empty success
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "$.missing" in result.cause
    assert result.output is None


def test_an_item_selector_failing_on_one_item_fails_the_map_however_many_succeed(make_engine):
    selector = {"item.$": "$$.Map.Item.Value", "pick.$": "$$.Map.Item.Value.key"}
    state = map_state(ItemSelector=selector, ResultWriter=None)
    result = make_engine(machine(("Map", state)), workers=1).run({"items": [{"key": 1}, {"key": 2}, 3]})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_a_tolerated_failure_without_a_result_writer_is_its_error_and_cause_alone(make_engine):
    # GIVEN 4 items, item 3 failing, half of them tolerated, no ResultWriter
    state = map_state("square", ItemSelector=SELECT_AND_FAIL, ToleratedFailurePercentage=50, ResultWriter=None)
    result = make_engine(machine(("Map", state))).run({"items": [1, 2, 3, 4], "fail": [3]})
    # THEN the Map succeeds; the failed child's place holds exactly its Error and Cause
    assert result.status == "SUCCEEDED"
    first, second, failed, fourth = result.output
    assert [first, second, fourth] == [{"items": 1, "sum": 1}, {"items": 1, "sum": 4}, {"items": 1, "sum": 16}]
    assert sorted(failed) == ["Cause", "Error"]
    assert failed["Error"] == "Boom"
    assert json.loads(failed["Cause"])["errorMessage"] == "item 3 is cursed"


@pytest.mark.parametrize(
    ("tolerance", "named"),
    [
        ({}, "(no failure tolerated)"),
        ({"ToleratedFailureCount": 1}, "(ToleratedFailureCount 1)"),
        ({"ToleratedFailurePercentage": 10}, "(ToleratedFailurePercentage 10)"),
        ({"ToleratedFailurePercentage": 12.5}, "(ToleratedFailurePercentage 12.5)"),
        (
            {"ToleratedFailurePercentage": 10, "ToleratedFailureCount": 1},
            "(ToleratedFailurePercentage 10, ToleratedFailureCount 1)",
        ),
    ],
)
def test_the_threshold_exceeded_is_named_in_the_cause(make_engine, tolerance, named):
    # GIVEN 10 items on one worker, items 3 and 4 failing: more than any of these thresholds allows
    state = map_state("square", ItemSelector=SELECT_AND_FAIL, **tolerance)
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(10)), "fail": [3, 4]})
    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert result.cause.startswith("The specified tolerated failure threshold was exceeded: ")
    assert f"items failed {named}; " in result.cause


def test_the_cause_counts_failed_items_and_children_never_started(make_engine, tmp_path):
    # GIVEN 10 items on one worker, item 3 failing, nothing tolerated: items 4..9 never start
    state = map_state("square", ItemSelector=SELECT_AND_FAIL)
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(10)), "fail": [3]})
    assert result.cause == (
        "The specified tolerated failure threshold was exceeded: 1 of 10 items failed (no failure tolerated); "
        "6 child executions were not started"
    )


def test_a_failed_batch_counts_its_items_in_the_cause(make_engine):
    batcher = {"MaxItemsPerBatch": 4, "BatchInput": {"fail.$": "$.fail"}}
    state = map_state("square", ItemBatcher=batcher, ToleratedFailureCount=3)
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(12)), "fail": [5]})
    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert ": 4 of 12 items failed (ToleratedFailureCount 3); 1 child executions were not started" in result.cause


def test_a_worker_lost_between_children_fails_the_run_with_worker_died(make_engine):
    # GIVEN a handler that, on item 2, cuts its worker off from the engine and then returns normally
    selector = {"item.$": "$$.Map.Item.Value", "hang_up_on": 2}
    state = map_state("hang_up", ItemSelector=selector)
    # WHEN the Map runs
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(6))})
    # THEN the run fails, naming the worker as lost between children with the items it held
    assert (result.status, result.error) == ("FAILED", "Local.WorkerDied")
    assert "Map state 'Map'" in result.cause
    held = re.search(r"between child executions, holding items (\d+)\.\.(\d+)\. ", result.cause)
    assert held, result.cause
    first, last = map(int, held.groups())
    assert first <= 2 <= last <= 5  # the items of the chunk it held, the finished child's among them


@pytest.mark.parametrize(
    "parameters",
    [{"Bucket.$": "$.number", "Prefix": "p"}, {"Bucket": "results", "Prefix.$": "$.number"}],
    ids=["bucket", "prefix"],
)
def test_a_result_writer_bucket_or_prefix_that_is_not_a_string_fails_the_map(make_engine, parameters):
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": parameters}
    result = make_engine(machine(("Map", map_state(ResultWriter=writer)))).run({"items": [1], "number": 7})
    assert (result.status, result.error) == ("FAILED", "States.ResultWriterFailed")
    assert result.cause.startswith("Bucket and Prefix must be strings: ")


def test_failures_within_tolerance_write_every_failed_record(make_engine, tmp_path):
    state = map_state("square", ItemSelector=SELECT_AND_FAIL, ToleratedFailureCount=2)
    result = make_engine(machine(("Map", state))).run({"items": list(range(6)), "fail": [1, 4]})
    assert result.status == "SUCCEEDED"
    files = result_files(tmp_path / "store", result.output)
    assert sorted(json.loads(record["Input"])["item"] for record in files["FAILED"]) == [1, 4]
    assert files["PENDING"] == []


def compact_size(value) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def test_batches_by_bytes_are_as_full_as_the_limit_allows(make_engine, tmp_path):
    # GIVEN items of 2 bytes each and room for exactly 4 of them, commas included
    limit = compact_size({"Items": [10, 11, 12, 13]})
    state = map_state(ItemBatcher={"MaxInputBytesPerBatch": limit})
    spans: list = []
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(10, 20))}, on_child=spans.append)
    # THEN children 0, 1 and 2 hold 4, 4 and 2 items, each input within the limit
    assert sorted((span.index, span.items) for span in spans) == [(0, 4), (1, 4), (2, 2)]
    inputs = sorted(
        json.loads(r["Input"])["Items"] for r in result_files(tmp_path / "store", result.output)["SUCCEEDED"]
    )
    assert inputs == [[10, 11, 12, 13], [14, 15, 16, 17], [18, 19]]


@pytest.mark.parametrize(("percentage", "succeeds"), [(20, True), (19, False)])
def test_a_byte_sized_batch_counts_the_items_read_for_the_tolerance(make_engine, percentage, succeeds):
    # GIVEN 10 items batched 4, 4, 2 by bytes, the last batch failing: 2 of 10 items, 20%
    batch_input = {"fail": [19]}
    limit = compact_size({"BatchInput": batch_input, "Items": [10, 11, 12, 13]})
    batcher = {"MaxInputBytesPerBatch": limit, "BatchInput": {"fail.$": "$.fail"}}
    state = map_state("square", ItemBatcher=batcher, ToleratedFailurePercentage=percentage)
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(10, 20)), **batch_input})
    assert (result.status == "SUCCEEDED") is succeeds
    if not succeeds:
        assert ": 2 of 10 items failed (ToleratedFailurePercentage 19); " in result.cause

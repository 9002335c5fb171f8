"""The deployed definition, executed by moto's Step Functions interpreter with the real handlers run in-process.

What moto 5.2 cannot cover, so these tests do not claim it:
- ItemBatcher: moto ignores it, so the UNBATCHED definition (maxItemsPerBatch=1) is the one executed here;
  batching is covered by tests/unit/test_definition.py (structure, asl-validator) and the local engine's tests.
- ResultWriter: moto writes only an empty manifest and evaluates `Prefix.$` against the wrong document;
  moto_result_writer.py completes it (see its docstring) so the sum function reads real, AWS-format result files.
- ToleratedFailurePercentage: moto ignores it (a failed child leaves a null output and the Map succeeds), so the
  Map's Catch of States.ExceedToleratedFailureThreshold -> ReportFailures -> MapFailed never runs on moto.
- Execution names: moto names an execution "None" when StartExecution gets no name, so every run here is named.
"""

from __future__ import annotations

import json
from typing import Any

import moto_stack
import pytest
from moto_lambda import Handler
from moto_stack import BUCKET, MotoStack, deploy_to_moto

from benchmarks.original_design import original_item

aws = moto_stack.aws  # the harness's fixtures, used by the tests below
stack = moto_stack.stack


def test_moto_sum_of_40_items_equals_the_original_triple_loop(stack: MotoStack):
    # GIVEN the original design's job, 40 items, and its answer from the original kernel
    expected = sum(original_item(i, 40) for i in range(40))
    # WHEN it runs through the deployed definition
    described = stack.run({"size": 40})
    # THEN it succeeds with exactly that total, as a decimal string
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    assert output["complete"] is True
    assert output["items"] == 40
    assert output["result"] == str(expected)


def test_moto_run_leaves_items_and_results_under_the_execution_prefix(stack: MotoStack):
    # WHEN a job of 6 items runs
    described = stack.run({"size": 6})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    name = described["name"]
    # THEN the start function wrote the item list the Map read
    items = json.loads(stack.s3.get_object(Bucket=BUCKET, Key=f"items/{name}.json")["Body"].read())
    assert len(items) == 6
    # AND the Map's results (manifest + one SUCCEEDED file of 6 records) sit under results/<execution>/<map run>/
    keys = sorted(entry["Key"] for entry in stack.s3.list_objects_v2(Bucket=BUCKET, Prefix="results/")["Contents"])
    assert [key.rsplit("/", 1)[-1] for key in keys] == ["SUCCEEDED_0.json", "manifest.json"]
    assert all(key.startswith(f"results/{name}/") for key in keys)
    records = json.loads(stack.s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    assert sorted(json.loads(record["Input"])["item"] for record in records) == sorted(items)
    # AND the Map's output handed to the sum names that manifest
    exits = [e for e in stack.history(described["executionArn"]) if e["type"] == "MapStateExited"]
    (map_exit,) = exits
    results = json.loads(map_exit["stateExitedEventDetails"]["output"])["results"]
    assert results["ResultWriterDetails"] == {"Bucket": BUCKET, "Key": keys[1]}


@pytest.mark.parametrize(
    ("execution_input", "mentions"),
    [
        ({"size": -1}, "size"),
        ({"size": "ten"}, "size"),
        ({}, "size"),
        ({"workload": "no-such-workload", "size": 3}, "no-such-workload"),
        ([1, 2, 3], "object"),
    ],
)
def test_moto_bad_input_ends_in_failed_with_a_readable_cause(stack: MotoStack, execution_input: Any, mentions: str):
    described = stack.run(execution_input)
    assert described["status"] == "FAILED"
    assert described["error"] == "InvalidInput"
    cause = described["cause"]
    # The Cause is the handler's own message, not the Lambda error's JSON envelope
    assert mentions in cause
    assert not cause.lstrip().startswith("{") and "errorType" not in cause


def test_moto_transient_compute_failure_is_retried_and_the_total_stays_exact(
    aws: None, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN the compute function fails once, with TransientError, on item 3
    from handlers.errors import TransientError

    failed_once: list[int] = []

    def flaky(handler_path: str, handler: Handler) -> Handler:
        if handler_path != "handlers.compute.handler":
            return handler

        def compute(event: Any, context: Any) -> Any:
            if event.get("item") == 3 and not failed_once:
                failed_once.append(3)
                raise TransientError("the dependency blinked")
            return handler(event, context)

        return compute

    stack = deploy_to_moto(flaky, monkeypatch)
    # WHEN a 5-item job runs
    described = stack.run({"size": 5})
    # THEN the failure happened, was retried, and the total is still the original's
    assert failed_once == [3]
    assert described["status"] == "SUCCEEDED", described.get("cause")
    assert json.loads(described["output"])["result"] == str(sum(original_item(i, 5) for i in range(5)))


def test_moto_failed_item_never_yields_a_total(aws: None, monkeypatch: pytest.MonkeyPatch):
    """On AWS the Map itself fails past its 0% tolerance and ReportFailures ends the run in MapFailed/ItemsFailed.
    moto ignores the tolerance and lets the Map succeed, so here the run takes the sum's own guard instead: the
    FAILED_0.json record in the result files makes it refuse with IncompleteResults. Either way: no total."""

    # GIVEN the compute function rejects item 2 with an error that is not retried
    from handlers.errors import InvalidInput

    def rejecting(handler_path: str, handler: Handler) -> Handler:
        def compute(event: Any, context: Any) -> Any:
            if event.get("item") == 2:
                raise InvalidInput("item 2 is out of range for this workload")
            return handler(event, context)

        return compute if handler_path == "handlers.compute.handler" else handler

    stack = deploy_to_moto(rejecting, monkeypatch)
    # WHEN a 4-item job runs
    described = stack.run({"size": 4})
    # THEN the run fails without an output, and says the results are incomplete
    assert described["status"] == "FAILED"
    assert described.get("output") is None
    assert described["error"] == "IncompleteResults"
    assert "FAILED" in described["cause"]

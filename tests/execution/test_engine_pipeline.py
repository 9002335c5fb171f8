"""The project's own definition (asl.build_definition) run end to end by the local engine with the real handlers."""

from __future__ import annotations

import pytest

from asl.definition import Functions, build_definition
from benchmarks.original_design import original_item
from hpc.engine import LocalEngine
from hpc.settings import Settings

BUCKET = "local-bucket"
HANDLERS = {"start": "handlers.start:handler", "compute": "handlers.compute:handler", "sum": "handlers.sum:handler"}


def engine(tmp_path, functions=None, **settings) -> LocalEngine:
    definition = build_definition(Functions("start", "compute", "sum"), BUCKET, Settings(**settings))
    return LocalEngine(
        definition,
        {**HANDLERS, **(functions or {})},
        tmp_path / "store",
        workers=2,
        environment={"RESULTS_BUCKET": BUCKET, "PYTHONINTMAXSTRDIGITS": "0"},
        retry_delay_scale=0,
    )


@pytest.mark.parametrize("batch", [1, 8])
def test_s3_keys_total_matches_the_original_kernel(tmp_path, batch):
    # GIVEN the project's definition, batched or not, and the original's answer computed by its own code
    expected = sum(original_item(i, 40) for i in range(40))
    # WHEN the engine runs the default workload for 40 items
    result = engine(tmp_path, max_items_per_batch=batch).run({"size": 40}, name=f"keys-{batch}")
    # THEN the sum handler's total, read back from the ResultWriter's files, is the original's
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert (result.output["items"], result.output["complete"]) == (40, True)
    assert int(result.output["result"]) == expected


def test_sum_squares_total_matches_the_closed_form(tmp_path):
    n = 5000
    result = engine(tmp_path, max_items_per_batch=100).run({"workload": "sum-squares", "size": n})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert int(result.output["result"]) == (n - 1) * n * (2 * n - 1) // 6


def test_invalid_job_ends_in_the_failed_state_with_a_readable_cause(tmp_path):
    result = engine(tmp_path).run({"size": 0})
    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert "size" in result.cause and not result.cause.startswith("{")  # the message, not Lambda's JSON


def test_failed_items_are_reported_by_the_sum_function_from_the_failed_results(tmp_path):
    # GIVEN a compute function that always fails (a toy), with the real start and sum functions
    result = engine(tmp_path, functions={"compute": "fakes.toy:fail"}, max_items_per_batch=4).run(
        {"workload": "sum-squares", "size": 10}
    )
    # THEN the Map's failure goes to ReportFailures, whose ItemsFailed ends the run through ExplainError/Failed
    assert (result.status, result.error) == ("FAILED", "ItemsFailed")
    assert "Boom" in result.cause


def test_a_million_items_go_through_the_item_reader_in_batches(tmp_path):
    # GIVEN the largest job the default settings accept, batched by 1000 (its timing is measured, not asserted)
    n = 1_000_000
    # WHEN it runs locally
    result = engine(tmp_path, max_items_per_batch=1000).run({"workload": "sum-squares", "size": n})
    # THEN every item was computed once: the count and the closed form agree
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert (result.output["items"], int(result.output["result"])) == (n, (n - 1) * n * (2 * n - 1) // 6)

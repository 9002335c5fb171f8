"""The state machine definition: its structure for each setting that shapes it, and validity per asl-validator.

asl-validator (npm, pinned in package.json) checks the definition against the Amazon States Language schema and
checks every JSONPath. `make setup` runs `npm ci`; without node_modules those tests are skipped, loudly.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from asl.definition import ITEMS_PREFIX, RESULTS_PREFIX, Functions, build_definition, definition_json
from handlers import start
from hpc.settings import Settings

REPO = Path(__file__).resolve().parents[2]
ASL_VALIDATOR = REPO / "node_modules" / ".bin" / "asl-validator"
FUNCTIONS = Functions(
    start="arn:aws:lambda:us-east-1:123456789012:function:hpc-start",
    compute="arn:aws:lambda:us-east-1:123456789012:function:hpc-compute",
    sum="arn:aws:lambda:us-east-1:123456789012:function:hpc-sum",
)
BUCKET = "hpc-results-bucket"
LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
}
USER_ERRORS = {"InvalidInput", "IncompleteResults", "ItemsFailed"}

VARIANTS = {
    "defaults": Settings(),
    "unbatched": Settings(max_items_per_batch=1, max_rows_per_batch=1),
    "express": Settings(execution_type="EXPRESS", compute_timeout_seconds=300),
    "tolerant": Settings(tolerated_failure_percentage=5, max_concurrency=0),
}


def definition(settings: Settings) -> dict[str, Any]:
    return build_definition(FUNCTIONS, BUCKET, settings)


def lambda_tasks(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Lambda task, including the one inside the Map's item processor."""
    tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
    for state in states.values():
        if state["Type"] == "Map":
            tasks |= lambda_tasks(state["ItemProcessor"]["States"])
    return tasks


# ---- structure --------------------------------------------------------------------------------------------------


def test_every_transition_lands_on_a_state_and_every_state_is_reachable():
    for settings in VARIANTS.values():
        states = definition(settings)["States"]
        targets = {"Start"}
        for state in states.values():
            targets |= {state["Next"]} if "Next" in state else set()
            targets |= {catcher["Next"] for catcher in state.get("Catch", [])}
            targets |= {rule["Next"] for rule in state.get("Choices", [])} | {state.get("Default", "Start")}
        assert targets == set(states)


def test_lambda_tasks_invoke_the_right_function_and_keep_only_its_payload():
    states = definition(Settings())["States"]
    functions = {name: task["Parameters"]["FunctionName"] for name, task in lambda_tasks(states).items()}
    assert functions == {
        "Start": FUNCTIONS.start,
        "ComputeItems": FUNCTIONS.compute,
        "ComputeObject": FUNCTIONS.compute,
        "ComputeRow": FUNCTIONS.compute,
        "ComputeLine": FUNCTIONS.compute,
        "ComputeElement": FUNCTIONS.compute,
        "Sum": FUNCTIONS.sum,
        "ReportFailures": FUNCTIONS.sum,
    }
    for name in ("Start", "ComputeItems", "Sum"):
        assert states.get(name, lambda_tasks(states)[name])["OutputPath"] == "$.Payload"
    assert "OutputPath" not in states["ReportFailures"]  # MapFailed reads $.failure from the state's input


def test_retries_back_off_exponentially_with_full_jitter_up_to_the_cap():
    settings = Settings(
        retry_max_attempts=4, retry_interval_seconds=2, retry_backoff_rate=3.0, retry_max_delay_seconds=20
    )
    for name, task in lambda_tasks(definition(settings)["States"]).items():
        (retry,) = task["Retry"]
        assert retry["JitterStrategy"] == "FULL", name
        assert (retry["MaxAttempts"], retry["IntervalSeconds"], retry["BackoffRate"], retry["MaxDelaySeconds"]) == (
            4,
            2,
            3.0,
            20,
        )
        # Only the compute function's own TransientError is worth retrying beyond Lambda's transient faults.
        is_compute = name.startswith("Compute")
        expected = LAMBDA_TRANSIENT | ({"TransientError"} if is_compute else set())
        assert set(retry["ErrorEquals"]) == expected, name


@pytest.mark.parametrize("per_batch", [2, 64])
def test_batcher_only_when_batches_hold_more_than_one_item(per_batch):
    batched = definition(Settings(max_items_per_batch=per_batch))["States"]["Compute"]
    assert batched["ItemBatcher"] == {"MaxItemsPerBatch": per_batch, "BatchInput": {"job.$": "$.job"}}
    assert "ItemSelector" not in batched
    single = definition(Settings(max_items_per_batch=1))["States"]["Compute"]
    assert "ItemBatcher" not in single
    assert single["ItemSelector"] == {"item.$": "$$.Map.Item.Value", "job.$": "$.job"}


def test_map_reads_items_from_s3_and_writes_results_under_the_job_prefix():
    compute = definition(Settings())["States"]["Compute"]
    assert compute["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"},
    }
    assert compute["ResultWriter"] == {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": BUCKET, "Prefix.$": "$.results_prefix"},
    }
    assert compute["ResultPath"] == "$.results"


def test_start_routes_each_kind_of_source_to_its_own_map_over_the_same_function():
    states = definition(Settings())["States"]
    assert states["Start"]["Next"] == "Route"
    route = states["Route"]
    assert route["Default"] == "Compute"
    routes = {rule["StringEquals"]: rule["Next"] for rule in route["Choices"] if rule["Variable"] == "$.reader"}
    assert routes == {
        "objects": "ComputeObjects",
        "csv": "ComputeRows",
        "jsonl": "ComputeLines",
        "json": "ComputeArray",
    }
    maps = {name: states[name] for name in ["Compute", *routes.values()]}
    assert len({state["Label"] for state in maps.values()}) == 5  # labels name each Map Run apart
    for name, state in maps.items():
        ((task_name, task),) = state["ItemProcessor"]["States"].items()
        assert task == maps["Compute"]["ItemProcessor"]["States"]["ComputeItems"], name
        assert state["ResultWriter"] == maps["Compute"]["ResultWriter"], name
        assert (state["Catch"], state["Next"], state["ResultPath"]) == (
            maps["Compute"]["Catch"],
            "Sum",
            "$.results",
        ), name


def test_data_maps_read_their_source_as_aws_documents_it():
    states = definition(Settings())["States"]
    objects = {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"}
    assert states["ComputeObjects"]["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket.$": "$.items.Bucket", "Prefix.$": "$.items.Prefix"},
    }
    assert states["ComputeRows"]["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": objects,
    }
    assert states["ComputeLines"]["ItemReader"]["ReaderConfig"] == {"InputType": "JSONL"}
    assert states["ComputeArray"]["ItemReader"]["ReaderConfig"] == {"InputType": "JSON"}


def test_data_maps_carry_each_items_index_and_cap_batches_in_bytes():
    states = definition(Settings(max_items_per_batch=64, max_rows_per_batch=900))["States"]
    expected = {"ComputeRows": 900, "ComputeLines": 900, "ComputeArray": 900, "ComputeObjects": 64}
    for state, per_batch in expected.items():
        assert states[state]["ItemSelector"] == {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"}
        assert states[state]["ItemBatcher"] == {
            "MaxItemsPerBatch": per_batch,
            "MaxInputBytesPerBatch": 262_144 - 1024,
            "BatchInput": {"job.$": "$.job"},
        }
    assert states["Compute"]["ItemBatcher"]["MaxItemsPerBatch"] == 64


@pytest.mark.parametrize(("items", "rows", "unbatched"), [(1, 64, "ComputeObjects"), (64, 1, "ComputeRows")])
def test_each_kind_of_map_turns_batching_off_by_its_own_setting(items, rows, unbatched):
    states = definition(Settings(max_items_per_batch=items, max_rows_per_batch=rows))["States"]
    single = states[unbatched]
    assert "ItemBatcher" not in single
    assert single["ItemSelector"] == {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "job.$": "$.job"}
    assert "ItemBatcher" in states["ComputeLines" if rows > 1 else "ComputeObjects"]


def test_the_sum_learns_the_execution_name_to_store_a_large_result():
    assert definition(Settings())["States"]["Sum"]["Parameters"]["Payload"]["execution.$"] == "$$.Execution.Name"


def test_map_follows_tolerance_concurrency_and_execution_type():
    for settings in VARIANTS.values():
        compute = definition(settings)["States"]["Compute"]
        assert compute["ToleratedFailurePercentage"] == settings.tolerated_failure_percentage
        assert compute["MaxConcurrency"] == settings.max_concurrency
        assert compute["ItemProcessor"]["ProcessorConfig"] == {
            "Mode": "DISTRIBUTED",
            "ExecutionType": settings.execution_type,
        }


def test_map_label_fits_the_child_execution_arn():
    label = definition(Settings())["States"]["Compute"]["Label"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", label)


def test_named_errors_end_in_the_failed_state_with_the_message_as_cause():
    states = definition(Settings())["States"]
    for name in ("Start", "Sum", "ReportFailures"):
        (user_catch,) = [c for c in states[name]["Catch"] if c["Next"] == "ExplainError"]
        assert set(user_catch["ErrorEquals"]) == USER_ERRORS, name
    # The Lambda error's Cause is a JSON string; ExplainError parses it so Failed can surface the message alone.
    # The caught error replaces the input whole: a field could not be added to a non-object input.
    assert all(c["ResultPath"] == "$" for name in ("Start", "Sum") for c in states[name]["Catch"])
    assert states["ExplainError"]["Parameters"] == {"Error.$": "$.Error", "Cause.$": "States.StringToJson($.Cause)"}
    assert states["ExplainError"]["Next"] == "Failed"
    assert states["Failed"] == {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause.errorMessage"}


def test_a_map_past_its_tolerance_reports_the_failed_items_then_fails():
    states = definition(Settings())["States"]
    (map_catch,) = states["Compute"]["Catch"]
    assert map_catch == {
        "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
        "ResultPath": "$.failure",
        "Next": "ReportFailures",
    }
    report = states["ReportFailures"]
    assert report["Next"] == "MapFailed"
    assert {"ErrorEquals": ["States.ALL"], "ResultPath": "$.report_error", "Next": "MapFailed"} in report["Catch"]
    assert states["MapFailed"] == {"Type": "Fail", "ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause"}


# ---- asl-validator ----------------------------------------------------------------------------------------------

needs_validator = pytest.mark.skipif(
    not ASL_VALIDATOR.exists(),
    reason="SKIPPED: node_modules/.bin/asl-validator is missing -- run `npm ci` (or `make setup`) to validate the ASL",
)


def asl_validator(document: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(document))
    return subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


@needs_validator
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_asl_validator_accepts_the_definition(variant: str, tmp_path: Path):
    checked = asl_validator(definition(VARIANTS[variant]), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def without_execution_type(document: dict[str, Any]) -> None:
    del document["States"]["Compute"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"]


def with_dangling_next(document: dict[str, Any]) -> None:
    del document["States"]["Sum"]["End"]
    document["States"]["Sum"]["Next"] = "Nowhere"


def with_bad_path(document: dict[str, Any]) -> None:
    document["States"]["Compute"]["ResultWriter"]["Parameters"]["Prefix.$"] = "results_prefix"


@needs_validator
@pytest.mark.parametrize("breaking", [without_execution_type, with_dangling_next, with_bad_path])
def test_asl_validator_rejects_a_broken_definition(breaking: Any, tmp_path: Path):
    # GIVEN the default definition with one mistake
    broken = definition(Settings())
    breaking(broken)
    # WHEN validated THEN the validator refuses it, so its acceptance above means something
    assert asl_validator(broken, tmp_path).returncode != 0


def test_the_deployed_definition_is_the_built_one_as_indented_json():
    text = definition_json(FUNCTIONS, BUCKET, Settings(max_items_per_batch=2))
    assert json.loads(text) == definition(Settings(max_items_per_batch=2))
    assert text.startswith('{\n  "Comment": ')  # readable in the Step Functions console


def test_function_names_are_fixed_once_built():
    with pytest.raises(AttributeError):
        FUNCTIONS.start = "another"  # type: ignore[misc]


def test_the_prefixes_the_stack_scopes_are_where_the_functions_write(tmp_path, monkeypatch):
    # IAM (infra/iam.py) and the bucket's expiry rules are scoped to these prefixes: the start function must write
    # its item list under the first and name the Map's results prefix under the second.
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    output = start.handler({"input": {"size": 2}, "execution": "exec-7"}, None)
    assert (ITEMS_PREFIX, RESULTS_PREFIX) == ("items", "results")
    assert output["items"]["Key"] == f"{ITEMS_PREFIX}/exec-7.json"
    assert output["results_prefix"] == f"{RESULTS_PREFIX}/exec-7"

"""Start task -> Distributed Map over the compute function -> Sum task, as a plain dict.

Data contract between the states (every field a Lambda sees or returns):

- execution input: the user's job, e.g. `{"size": 1024}` or `{"workload": "monte-carlo-pi", "size": 100}`.
- Start payload: `{"input": <execution input>, "execution": <execution name>}`.
- Start output (the state's whole output, via OutputPath):
  `{"job": {"workload", "params", "items"}, "items": {"Bucket", "Key"}, "results_prefix": "results/<execution>"}`.
  The item list lives in S3 and the Map reads it with an ItemReader, so no job is bounded by the 256 KiB payload limit.
- Compute payload: one item `{"item": <value>, "job": <job>}`, or a batch
  `{"Items": [<value>, ...], "BatchInput": {"job": <job>}}`; output `{"items": <count>, "partial": <workload partial>}`.
- Map output, at `$.results`: `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key": ".../manifest.json"}}`.
- Sum payload: `{"job", "results"}`; output `{"workload", "items", "complete", "result", ...}`.
- When the Map fails (failures past the tolerance), the sum function is called with
  `{"job", "results_prefix", "failure": {"Error", "Cause"}}` and raises `ItemsFailed` naming the failed items.
- Named errors raised by the functions (InvalidInput, IncompleteResults, ItemsFailed) end in the `Failed` state, whose
  Error is the error's name and whose Cause is its message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from asl.retry import LAMBDA_TRANSIENT_ERRORS, WORKLOAD_TRANSIENT_ERRORS, lambda_retry
from hpc.settings import Settings

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
MAP_LABEL = "compute"
ITEMS_PREFIX = "items"
RESULTS_PREFIX = "results"

# Errors the functions raise on purpose; their Lambda error Cause is JSON holding the message a user should read.
USER_FACING_ERRORS = ["InvalidInput", "IncompleteResults", "ItemsFailed"]


@dataclass(frozen=True)
class Functions:
    """The three Lambda functions, by ARN (or, for the local engine, any name it maps to a handler)."""

    start: str
    compute: str
    sum: str


def build_definition(functions: Functions, bucket: str, settings: Settings) -> dict[str, Any]:
    """The whole state machine: Start -> Compute (Distributed Map) -> Sum, with error reporting states."""
    return {
        "Comment": "Fan a compute function out over a job's items with a Distributed Map, then reduce the results.",
        "StartAt": "Start",
        "States": {
            "Start": start_state(functions.start, settings),
            "Compute": map_state(functions.compute, bucket, settings),
            "Sum": sum_state(functions.sum, settings),
            "ReportFailures": report_failures_state(functions.sum, settings),
            "ExplainError": explain_error_state(),
            "Failed": {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause.errorMessage"},
            "MapFailed": {"Type": "Fail", "ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause"},
        },
    }


def definition_json(functions: Functions, bucket: str, settings: Settings) -> str:
    return json.dumps(build_definition(functions, bucket, settings), indent=2)


def lambda_task(function: str, payload: Any, settings: Settings, **fields: Any) -> dict[str, Any]:
    """A Lambda invocation whose output is only the function's result (not the invoke metadata)."""
    parameters = (
        {"FunctionName": function, "Payload.$": payload}
        if isinstance(payload, str)
        else {"FunctionName": function, "Payload": payload}
    )
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": parameters,
        "OutputPath": "$.Payload",
        "Retry": lambda_retry(settings),
        **fields,
    }


def catch_user_errors() -> list[dict[str, Any]]:
    # ResultPath "$" replaces the state's input with the error: "$.error" cannot be applied when the input is not an
    # object (an execution input such as [1, 2]), and the run would end in a States.* runtime error, not InvalidInput.
    return [{"ErrorEquals": list(USER_FACING_ERRORS), "ResultPath": "$", "Next": "ExplainError"}]


def start_state(function: str, settings: Settings) -> dict[str, Any]:
    payload = {"input.$": "$", "execution.$": "$$.Execution.Name"}
    return lambda_task(function, payload, settings, Catch=catch_user_errors(), Next="Compute")


def map_state(function: str, bucket: str, settings: Settings) -> dict[str, Any]:
    batched = settings.max_items_per_batch > 1
    state: dict[str, Any] = {
        "Type": "Map",
        "Label": MAP_LABEL,
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": settings.execution_type},
            "StartAt": "ComputeItems",
            "States": {"ComputeItems": compute_state(function, settings)},
        },
        "MaxConcurrency": settings.max_concurrency,
        "ToleratedFailurePercentage": settings.tolerated_failure_percentage,
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": bucket, "Prefix.$": "$.results_prefix"},
        },
        "ResultPath": "$.results",
        "Catch": [
            {
                "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                "ResultPath": "$.failure",
                "Next": "ReportFailures",
            }
        ],
        "Next": "Sum",
    }
    if batched:
        # Items ride as bare values; the job travels once per batch instead of once per item.
        state["ItemBatcher"] = {"MaxItemsPerBatch": settings.max_items_per_batch, "BatchInput": {"job.$": "$.job"}}
    else:
        state["ItemSelector"] = {"item.$": "$$.Map.Item.Value", "job.$": "$.job"}
    return state


def compute_state(function: str, settings: Settings) -> dict[str, Any]:
    # A workload's own TransientError is worth another attempt too, on top of Lambda's transient faults.
    retry = lambda_retry(settings, errors=LAMBDA_TRANSIENT_ERRORS + WORKLOAD_TRANSIENT_ERRORS)
    return lambda_task(function, "$", settings, Retry=retry, End=True)


def sum_state(function: str, settings: Settings) -> dict[str, Any]:
    payload = {"job.$": "$.job", "results.$": "$.results"}
    return lambda_task(function, payload, settings, Catch=catch_user_errors(), End=True)


def report_failures_state(function: str, settings: Settings) -> dict[str, Any]:
    """Reads the failed run's result files and raises ItemsFailed naming the items; never returns a total.

    Should the report itself fail for another reason, the run still ends in MapFailed with the Map's own error.
    """
    payload = {"job.$": "$.job", "results_prefix.$": "$.results_prefix", "failure.$": "$.failure"}
    task = lambda_task(
        function,
        payload,
        settings,
        Catch=[
            *catch_user_errors(),
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.report_error", "Next": "MapFailed"},
        ],
        ResultPath="$.report",
        Next="MapFailed",
    )
    del task["OutputPath"]  # keep $.failure for MapFailed
    return task


def explain_error_state() -> dict[str, Any]:
    """Turns a Lambda error's JSON Cause into the plain message the user acts on, for the Failed state."""
    return {
        "Type": "Pass",
        "Parameters": {"Error.$": "$.Error", "Cause.$": "States.StringToJson($.Cause)"},
        "Next": "Failed",
    }

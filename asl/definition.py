"""Start task -> Route -> a Distributed Map over the compute function -> Sum task, as a plain dict.

One Map per kind of item source, all fanning out the same compute function into the same ResultWriter prefix and
the same Sum: `Compute` reads the item list the start function writes for generated jobs; `ComputeObjects` lists an
S3 prefix (s3:listObjectsV2), `ComputeRows` reads a CSV object's rows, `ComputeLines` a JSON Lines object's lines and
`ComputeArray` a JSON array object's elements. The ItemReader's Resource and InputType cannot be paths, so the Choice
`Route` picks the Map from the start function's `"reader"`. The data Maps put `$$.Map.Item.Index` beside each item,
which is how the sum accounts for every item of a job whose count nobody knew up front (handlers/coverage.py), and cap
each batch at 255 KiB (the compute task wraps it in its Parameters, all under 256 KiB) as well as at
maxItemsPerBatch items (maxRowsPerBatch for the Maps over rows), because rows and listing entries have no fixed size.

Data contract between the states (every field a Lambda sees or returns):

- execution input: the user's job, e.g. `{"size": 1024}` or `{"workload": "monte-carlo-pi", "size": 100}`.
- Start payload: `{"input": <execution input>, "execution": <execution name>}`.
- Start output (the state's whole output, via OutputPath): `{"job": {"workload", "params", "items"}, "reader",
  "items": {"Bucket", "Key" | "Prefix"}, "results_prefix": "results/<execution>"}`; "reader" is "generated" or a
  data source kind, and a data job's "items" count is null.
  The item list lives in S3 and the Map reads it with an ItemReader, so no job is bounded by the 256 KiB payload limit.
- Compute payload: one item `{"item": <value>, "job": <job>}`, or a batch
  `{"Items": [<value>, ...], "BatchInput": {"job": <job>}}`; output `{"items": <count>, "partial": <workload partial>}`.
  From a data Map: `{"item", "index", "job"}`, or a batch whose Items are `{"index", "value"}`.
- Map output, at `$.results`: `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key": ".../manifest.json"}}`.
- Sum payload: `{"job", "results", "execution"}`; output `{"workload", "items", "complete", "result", ...}`, or for
  an output past 64 KiB a summary with `"result_object": {"Bucket", "Key", "Size"}` (outputs/<execution>/result.json).
- When the Map fails (failures past the tolerance), the sum function is called with
  `{"job", "results_prefix", "failure": {"Error", "Cause"}}` and raises `ItemsFailed` naming the failed items.
- Named errors raised by the functions (InvalidInput, IncompleteResults, ItemsFailed) end in the `Failed` state, whose
  Error is the error's name and whose Cause is its message.
"""

from __future__ import annotations

import copy
import json
from typing import Any, NamedTuple

from asl.retry import LAMBDA_TRANSIENT_ERRORS, WORKLOAD_TRANSIENT_ERRORS, lambda_retry
from hpc.settings import Settings

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
MAP_LABEL = "compute"
ITEMS_PREFIX = "items"
RESULTS_PREFIX = "results"
OUTPUTS_PREFIX = "outputs"
S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
S3_LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
# A child's whole input, at most; the compute task then wraps it in its Parameters ({"FunctionName": <ARN, at most
# 170 characters>, "Payload": <input>}), which must stay under Step Functions' 256 KiB as well: a batch cut at AWS's
# largest MaxInputBytesPerBatch (262,144) would fail whenever it ended within that wrapper's size of the cap.
MAX_BATCH_BYTES = 262_144 - 1024
OBJECT_PARAMETERS = {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"}


class DataMap(NamedTuple):
    """The Map state that reads one kind of data source."""

    state: str
    label: str
    task: str
    """The compute task inside the Map: state names are unique across the whole machine, nested ones included."""
    item_reader: dict[str, Any]
    rows: bool
    """Whether its items are rows (small, many: batched by maxRowsPerBatch) rather than objects (maxItemsPerBatch)."""


# Keyed by the start function's "reader" (handlers/datasets.py KINDS).
DATA_MAPS = {
    "objects": DataMap(
        "ComputeObjects",
        "compute-objects",
        "ComputeObject",
        {"Resource": S3_LIST_OBJECTS, "Parameters": {"Bucket.$": "$.items.Bucket", "Prefix.$": "$.items.Prefix"}},
        rows=False,
    ),
    "csv": DataMap(
        "ComputeRows",
        "compute-rows",
        "ComputeRow",
        {
            "Resource": S3_GET_OBJECT,
            "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
            "Parameters": OBJECT_PARAMETERS,
        },
        rows=True,
    ),
    "jsonl": DataMap(
        "ComputeLines",
        "compute-lines",
        "ComputeLine",
        {"Resource": S3_GET_OBJECT, "ReaderConfig": {"InputType": "JSONL"}, "Parameters": OBJECT_PARAMETERS},
        rows=True,
    ),
    "json": DataMap(
        "ComputeArray",
        "compute-array",
        "ComputeElement",
        {"Resource": S3_GET_OBJECT, "ReaderConfig": {"InputType": "JSON"}, "Parameters": OBJECT_PARAMETERS},
        rows=True,
    ),
}
MAP_LABELS = (MAP_LABEL, *(data_map.label for data_map in DATA_MAPS.values()))

# Errors the functions raise on purpose; their Lambda error Cause is JSON holding the message a user should read.
USER_FACING_ERRORS = ["InvalidInput", "IncompleteResults", "ItemsFailed"]


class Functions(NamedTuple):
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
            "Route": route_state(),
            "Compute": map_state(functions.compute, bucket, settings),
            **{
                data_map.state: map_state(functions.compute, bucket, settings, data_map=data_map)
                for data_map in DATA_MAPS.values()
            },
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
    return lambda_task(function, payload, settings, Catch=catch_user_errors(), Next="Route")


def route_state() -> dict[str, Any]:
    """The Map that reads the job's kind of source; generated items (the default) go to Compute."""
    return {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.reader", "StringEquals": kind, "Next": data_map.state}
            for kind, data_map in DATA_MAPS.items()
        ],
        "Default": "Compute",
    }


def map_state(function: str, bucket: str, settings: Settings, data_map: DataMap | None = None) -> dict[str, Any]:
    per_batch = settings.max_rows_per_batch if data_map and data_map.rows else settings.max_items_per_batch
    batched = per_batch > 1
    task = data_map.task if data_map else "ComputeItems"
    item_reader = (
        data_map.item_reader
        if data_map
        else {"Resource": S3_GET_OBJECT, "ReaderConfig": {"InputType": "JSON"}, "Parameters": OBJECT_PARAMETERS}
    )
    state: dict[str, Any] = {
        "Type": "Map",
        "Label": data_map.label if data_map else MAP_LABEL,
        "ItemReader": copy.deepcopy(item_reader),
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": settings.execution_type},
            "StartAt": task,
            "States": {task: compute_state(function, settings)},
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
        state["ItemBatcher"] = {"MaxItemsPerBatch": per_batch, "BatchInput": {"job.$": "$.job"}}
        if data_map:
            state["ItemBatcher"]["MaxInputBytesPerBatch"] = MAX_BATCH_BYTES
            state["ItemSelector"] = {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"}
    else:
        state["ItemSelector"] = {"item.$": "$$.Map.Item.Value", "job.$": "$.job"}
        if data_map:
            state["ItemSelector"]["index.$"] = "$$.Map.Item.Index"
    return state


def compute_state(function: str, settings: Settings) -> dict[str, Any]:
    # A workload's own TransientError is worth another attempt too, on top of Lambda's transient faults.
    retry = lambda_retry(settings, errors=LAMBDA_TRANSIENT_ERRORS + WORKLOAD_TRANSIENT_ERRORS)
    return lambda_task(function, "$", settings, Retry=retry, End=True)


def sum_state(function: str, settings: Settings) -> dict[str, Any]:
    payload = {"job.$": "$.job", "results.$": "$.results", "execution.$": "$$.Execution.Name"}
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

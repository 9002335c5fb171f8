"""Start function: check the job, write its item list to the store, describe the job for the Map and the sum.

Event: `{"input": <execution input>, "execution": <execution name>}`. The execution input is a JSON object:
`"size"` (required), `"workload"` (default "s3-keys") and the workload's own options (see handlers/workloads).

Every check runs before anything is written, so a refused job leaves nothing in the bucket. Refused with InvalidInput:
an input that is not an object; a missing size; a size that is not a whole number (strings, booleans, null, 2.5 --
whole floats such as 1024.0 are accepted, because Step Functions carries numbers as doubles); a size below 1 or above
the deployment's maxItems; an unknown workload or field; and whatever the workload's own checks refuse.

Size 0 is refused ("size must be at least 1") rather than answered with an empty sum: a Map over no items writes no
result files to check, and a job of nothing is far more often a typo than a request.

The items go to the store as one JSON array, read by the Map's ItemReader, so the job size is not bounded by the
256 KiB state payload limit. The array is written in chunks as the items are generated (handlers/item_list.py), so a
job of 10^8 items never holds its item list (nor its JSON) in the function's memory.

A data job (`{"workload": <data workload>, "data": "s3://..."}`, see handlers/datasets.py) writes nothing: its items
are the data, which the Map's own ItemReader lists or streams. Its location is checked against the stack's
`dataBuckets` (InvalidInput naming that key otherwise) and handed on; nothing is listed or read here, so a job of any
size starts in milliseconds. The output's `"reader"` (generated, objects, csv, jsonl, json) routes the execution to
the Map that reads that kind of source, and the job's `"items"` is null: only the Map learns the count.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from handlers import datasets, environment, workloads
from handlers.errors import InvalidInput
from handlers.inputs import describe
from handlers.item_list import json_array_chunks
from handlers.store import store

GENERATED = "generated"  # the reader of a job whose items the start function writes


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    execution_input, execution = unpack(event)
    job, values = plan(execution_input, max_items=environment.max_items())
    results_prefix = f"results/{execution}"
    if values is None:
        location = locate_data(job, environment.data_buckets())
        return {
            "job": job,
            "reader": location.kind,
            "items": location.reader_parameters(),
            "results_prefix": results_prefix,
        }
    bucket = environment.results_bucket()
    key = f"items/{execution}.json"
    store().put(bucket, key, json_array_chunks(values))
    return {"job": job, "reader": GENERATED, "items": {"Bucket": bucket, "Key": key}, "results_prefix": results_prefix}


def locate_data(job: dict[str, Any], allowed: list[str]) -> datasets.Location:
    """Where a data job's items are, refused unless the stack's dataBuckets covers it."""
    params = job["params"]
    location = datasets.locate(params["data"], (params["format"],), params["format"])
    try:
        grants = [datasets.parse_grant(entry) for entry in allowed]
    except ValueError as error:
        raise RuntimeError(f"DATA_BUCKETS holds an invalid entry: {error}") from None
    datasets.check_allowed(location, grants)
    return location


def unpack(event: Any) -> tuple[Any, str]:
    if not isinstance(event, dict) or "input" not in event:
        raise InvalidInput(f'the start event must be {{"input": <job>, "execution": <name>}}, got {describe(event)}')
    execution = event.get("execution")
    if not isinstance(execution, str) or not execution or "/" in execution:
        raise InvalidInput(f"the start event's execution must be an execution name, got {describe(execution)}")
    return event["input"], execution


def plan(execution_input: Any, *, max_items: int) -> tuple[dict[str, Any], Collection[Any] | None]:
    """The job description and its item values (None for a data job), or InvalidInput; pure, so every check is
    testable without a store. The values are the workload's own collection (a range: nothing is listed)."""
    if not isinstance(execution_input, dict):
        raise InvalidInput(
            f'the execution input must be a JSON object such as {{"size": 1024}}, got {describe(execution_input)}'
        )
    workload = workloads.get(execution_input.get("workload", workloads.DEFAULT))
    params = workloads.params_for(workload, execution_input, max_items=max_items)
    if workloads.sources(workload):
        return {"workload": workload.NAME, "params": params, "items": None}, None
    items = workload.items(params)
    values = items if isinstance(items, Collection) else list(items)
    if len(values) > max_items:
        raise InvalidInput(
            f"workload {workload.NAME!r} makes {len(values)} items from this input, above the deployment's limit of "
            f"{max_items} (config key maxItems)"
        )
    return {"workload": workload.NAME, "params": params, "items": len(values)}, values

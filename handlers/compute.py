"""Compute function: one Map child, one item or one batch of items, one partial result.

Events (see asl/definition.py): a single item `{"item": <value>, "job": <job>}` when batching is off, or a batch
`{"Items": [<value>, ...], "BatchInput": {"job": <job>}}` from the Map's ItemBatcher. Output:
`{"items": <items covered>, "partial": <the workload's partial of those items>}`; the sum function checks the item
counts add up to the job's before it trusts a total.

The job's params are parsed again here: a hand-sent event gets the same checks as the execution input did.

A data Map puts each item's index beside its value (`{"index", "value"}` in a batch, `"index"` beside `"item"`
unbatched) so the sum can account for every item (handlers/coverage.py); the workload sees the values alone, and the
output adds `"index_runs"`: those indices as `[start, end)` runs.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from handlers import coverage, workloads
from handlers.errors import InvalidInput
from handlers.inputs import describe


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    values, job = unpack(event)
    workload = workloads.get(job.get("workload"))
    params = job.get("params")
    if not isinstance(params, dict):
        raise InvalidInput(f"the job's params must be an object, got {describe(params)}")
    params = workloads.params_for(workload, params)
    if not workloads.sources(workload):
        return {"items": len(values), "partial": workload.compute(values, params)}
    values, runs = data_values_and_runs(values, event)
    return {"items": len(values), "partial": workload.compute(values, params), "index_runs": runs}


def data_values_and_runs(items: list[Any], event: dict[str, Any]) -> tuple[list[Any], list[list[int]]]:
    """A data Map's item values and their indices as runs; at C speed for the usual batch of `{"index", "value"}`
    objects with consecutive indices, the general path for everything else (and for every error)."""
    if "Items" in event and set(map(type, items)) == {dict}:
        try:
            indices, values = list(map(_INDEX, items)), list(map(_VALUE, items))
        except KeyError:
            pass
        else:
            if _consecutive(indices):
                return values, [[indices[0], indices[0] + len(indices)]]
    values = data_values(items, event)  # checks each item's shape first
    return values, index_runs(data_indices(items, event))


def _consecutive(indices: list[Any]) -> bool:
    """Whether the indices are non-negative integers (not bools), each one more than the one before."""
    first = indices[0]
    return (
        type(first) is int
        and first >= 0
        and set(map(type, indices)) == {int}
        and indices == list(range(first, first + len(indices)))
    )


_INDEX, _VALUE = itemgetter("index"), itemgetter("value")


def data_indices(values: list[Any], event: dict[str, Any]) -> list[Any]:
    """The `$$.Map.Item.Index` of each item of a data Map's event (batched: in each item; else beside "item")."""
    if "Items" not in event:
        return [event.get("index")]
    return [item.get("index") if isinstance(item, dict) else None for item in values]


def index_runs(indices: list[Any]) -> list[list[int]]:
    """The indices as runs of consecutive items, `[start, end)` each: what the sum's coverage check counts, carried
    in the output so the sum need not decode every record's Input (as large as its items) to learn them."""
    try:
        return coverage.index_runs(indices)
    except coverage.InvalidIndex as invalid:
        raise InvalidInput(f"a data job's item has no valid index: {describe(invalid.index)}") from None


def data_values(values: list[Any], event: dict[str, Any]) -> list[Any]:
    """The values of a data Map's items, which carry their index (batched: `{"index", "value"}` each)."""
    if "Items" not in event:
        return values  # unbatched: the index rides beside "item", which unpack already took
    if not all(isinstance(item, dict) and "index" in item and "value" in item for item in values):
        raise InvalidInput(f'a data job\'s batch holds items {{"index", "value"}}, got {describe(values[0])}')
    return [item["value"] for item in values]


def unpack(event: Any) -> tuple[list[Any], dict[str, Any]]:
    """(item values, job) from either event shape."""
    if isinstance(event, dict) and "Items" in event:
        batch_input = event.get("BatchInput")
        values, job = event["Items"], batch_input.get("job") if isinstance(batch_input, dict) else None
    elif isinstance(event, dict) and "item" in event:
        values, job = [event["item"]], event.get("job")
    else:
        raise InvalidInput(
            'a compute event must be {"item": <value>, "job": <job>} or '
            f'{{"Items": [...], "BatchInput": {{"job": <job>}}}}, got {describe(event)}'
        )
    if not isinstance(values, list) or not values:
        raise InvalidInput(f"a batch's Items must be a non-empty array, got {describe(values)}")
    if not isinstance(job, dict):
        raise InvalidInput(
            f"the compute event carries no job object (got {describe(job)}); it comes from the start function"
        )
    return values, job

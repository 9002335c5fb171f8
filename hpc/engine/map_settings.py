"""The `...Path` forms of a Map's settings, resolved against the Map's input into the plain fields they stand for.

AWS lets a Map read its limits from the state input: MaxConcurrencyPath, ToleratedFailurePercentagePath,
ToleratedFailureCountPath, ItemBatcher.MaxItemsPerBatchPath / MaxInputBytesPerBatchPath and
ItemReader.ReaderConfig.MaxItemsPath. `resolve` returns the state with each such field replaced by its plain
counterpart (MaxConcurrency, ...), so the Map's runner (hpc.engine.distributed_map) reads plain values only. A value
that is missing, of the wrong type or out of range fails the state with States.Runtime, before any child starts.

A Distributed Map written in JSONata is resolved the same way by `resolve_jsonata`: its expression-valued settings
become plain values (a bad one fails with States.QueryEvaluationError), so the runner reads one shape of state.
"""

from __future__ import annotations

from typing import Any

from hpc.engine import jsonata_language, limits, paths
from hpc.engine.errors import StatesError

# (field holding the path, where it sits, the plain field it sets, smallest, largest, integer only)
_SETTINGS: tuple[tuple[str, tuple[str, ...], str, float, float | None, bool], ...] = (
    ("MaxConcurrencyPath", (), "MaxConcurrency", 0, None, True),
    ("ToleratedFailurePercentagePath", (), "ToleratedFailurePercentage", 0, 100, False),
    ("ToleratedFailureCountPath", (), "ToleratedFailureCount", 0, None, True),
    ("MaxItemsPerBatchPath", ("ItemBatcher",), "MaxItemsPerBatch", 1, None, True),
    ("MaxInputBytesPerBatchPath", ("ItemBatcher",), "MaxInputBytesPerBatch", 1, limits.MAX_PAYLOAD_BYTES, True),
    ("MaxItemsPath", ("ItemReader", "ReaderConfig"), "MaxItems", 1, 100_000_000, True),
)
PATH_FIELDS = {(where, field): plain for field, where, plain, *_ in _SETTINGS}


def resolve(state: dict[str, Any], data: Any, context: dict[str, Any]) -> dict[str, Any]:
    """`state` with every `...Path` setting replaced by its value (the same object when it has none)."""
    resolved = state
    for field, where, plain, low, high, integer in _SETTINGS:
        holder = _holder(state, where)
        if holder is None or field not in holder:
            continue
        value = paths.read_field(holder[field], data, context, field)
        checked = _checked(value, f"found at {field} '{holder[field]}'", low, high, integer, "States.Runtime")
        if resolved is state:
            resolved = dict(state)
        _set(resolved, where, field, plain, checked)
    return resolved


def _checked(value: Any, where: str, low: float, high: float | None, integer: bool, error: str) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and value != int(value))
        or value < low
        or (high is not None and value > high)
    ):
        kind = "an integer" if integer else "a number"
        bound = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
        raise StatesError(error, f"The value {limits.to_json(value)} {where} must be {kind} {bound}", located=True)
    return int(value) if integer else value


def resolve_jsonata(state: dict[str, Any], bindings: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """A DISTRIBUTED Map written in JSONata as the JSONPath-shaped state the Map's runner reads, and the data it reads
    its items from. Settings given as expressions are computed now; ItemSelector, BatchInput and the reader's and
    writer's Arguments become templates the runner evaluates when it needs them (jsonata_language.Prepared)."""

    def number(holder: dict[str, Any], field: str, low: float, high: float | None, integer: bool, where: str) -> None:
        if field in holder:
            value = jsonata_language.evaluate(holder[field], bindings, where + field)
            holder[field] = _checked(value, f"of {where}{field}", low, high, integer, "States.QueryEvaluationError")

    resolved = {key: value for key, value in state.items() if key not in ("Items", "Output", "Assign")}
    number(resolved, "MaxConcurrency", 0, None, True, "")
    number(resolved, "ToleratedFailurePercentage", 0, 100, False, "")
    number(resolved, "ToleratedFailureCount", 0, None, True, "")
    if "ItemSelector" in state:
        resolved["ItemSelector"] = jsonata_language.Prepared(state["ItemSelector"], bindings, "ItemSelector")
    if "ItemBatcher" in state:
        batcher = resolved["ItemBatcher"] = dict(state["ItemBatcher"])
        number(batcher, "MaxItemsPerBatch", 1, None, True, "ItemBatcher.")
        number(batcher, "MaxInputBytesPerBatch", 1, limits.MAX_PAYLOAD_BYTES, True, "ItemBatcher.")
        if "BatchInput" in batcher:
            batcher["BatchInput"] = jsonata_language.Prepared(batcher["BatchInput"], bindings, "ItemBatcher.BatchInput")
    for key in ("ItemReader", "ResultWriter"):
        if key in state:
            part = resolved[key] = dict(state[key])
            part["Parameters"] = jsonata_language.Prepared(part.pop("Arguments", {}), bindings, f"{key}.Arguments")
    if "ItemReader" in state:
        config = resolved["ItemReader"]["ReaderConfig"] = dict(state["ItemReader"].get("ReaderConfig", {}))
        number(config, "MaxItems", 1, 100_000_000, True, "ItemReader.ReaderConfig.")
        return resolved, bindings["states"]["input"]
    resolved["ItemsPath"] = "$"
    return resolved, jsonata_language.evaluate(state.get("Items", "{% $states.input %}"), bindings, "Items")


def _holder(state: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any] | None:
    holder: Any = state
    for key in where:
        holder = holder.get(key) if isinstance(holder, dict) else None
    return holder if isinstance(holder, dict) else None


def _set(resolved: dict[str, Any], where: tuple[str, ...], field: str, plain: str, value: Any) -> None:
    holder = resolved
    for key in where:  # copy each level on the way, so the definition itself is never changed
        holder[key] = dict(holder[key])
        holder = holder[key]
    del holder[field]
    holder[plain] = value

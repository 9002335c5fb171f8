"""The `...Path` forms of a Map's settings, resolved against the Map's input into the plain fields they stand for.

AWS lets a Map read its limits from the state input: MaxConcurrencyPath, ToleratedFailurePercentagePath,
ToleratedFailureCountPath, ItemBatcher.MaxItemsPerBatchPath / MaxInputBytesPerBatchPath and
ItemReader.ReaderConfig.MaxItemsPath. `resolve` returns the state with each such field replaced by its plain
counterpart (MaxConcurrency, ...), so the Map's runner (hpc.engine.distributed_map) reads plain values only. A value
that is missing, of the wrong type or out of range fails the state with States.Runtime, before any child starts.
"""

from __future__ import annotations

from typing import Any

from hpc.engine import limits, paths
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
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and value != int(value))
            or value < low
            or (high is not None and value > high)
        ):
            kind = "an integer" if integer else "a number"
            bound = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
            raise StatesError(
                "States.Runtime",
                f"The value {limits.to_json(value)} found at {field} '{holder[field]}' must be {kind} {bound}",
                located=True,
            )
        if resolved is state:
            resolved = dict(state)
        _set(resolved, where, field, plain, int(value) if integer else value)
    return resolved


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

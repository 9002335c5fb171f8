"""Intrinsics for arrays: States.Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength,
ArrayUnique, with the input validation the Step Functions guide gives for each."""

from __future__ import annotations

from typing import Any

from hpc.engine.intrinsics.family import ArgumentError, Function, array, integer, shown
from hpc.engine.intrinsics.syntax import Call

MAX_RANGE_ITEMS = 1000


def _array(call: Call, values: list[Any]) -> list[Any]:
    return list(values)


def _partition(call: Call, values: list[Any]) -> list[list[Any]]:
    items, size = array(values[0]), integer(values[1], "the chunk size")
    if size <= 0:
        raise ArgumentError(f"the chunk size must be a non-zero, positive integer, got {size}")
    return [items[start : start + size] for start in range(0, len(items), size)]


def _contains(call: Call, values: list[Any]) -> bool:
    items, wanted = array(values[0]), values[1]
    return any(_same(item, wanted) for item in items)


def _range(call: Call, values: list[Any]) -> list[int]:
    first, last, step = (
        integer(value, what) for value, what in zip(values, ("the start", "the end", "the step"), strict=True)
    )
    if step == 0:
        raise ArgumentError("the step must be a non-zero integer")
    count = max(0, (last - first) // step + 1)
    if count > MAX_RANGE_ITEMS:
        raise ArgumentError(f"the range has {count} items; an array made by ArrayRange holds at most 1000")
    return list(range(first, last + (1 if step > 0 else -1), step))


def _get_item(call: Call, values: list[Any]) -> Any:
    items, index = array(values[0]), integer(values[1], "the index")
    if not 0 <= index < len(items):
        raise ArgumentError(f"the index {index} is out of bounds for an array of {len(items)} items")
    return items[index]


def _length(call: Call, values: list[Any]) -> int:
    return len(array(values[0]))


def _unique(call: Call, values: list[Any]) -> list[Any]:
    seen: set[str] = set()
    unique = []
    for item in array(values[0]):
        key = _key(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _key(value: Any) -> str:
    # JSON equality: 1 and 1.0 are the same number, object key order does not matter, true is not 1.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{shown(k)}:{_key(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_key(v) for v in value) + "]"
    return shown(value)


def _same(a: Any, b: Any) -> bool:
    return _key(a) == _key(b)


FUNCTIONS = {
    "States.Array": Function((0, None), _array),
    "States.ArrayPartition": Function((2, 2), _partition),
    "States.ArrayContains": Function((2, 2), _contains),
    "States.ArrayRange": Function((3, 3), _range),
    "States.ArrayGetItem": Function((2, 2), _get_item),
    "States.ArrayLength": Function((1, 1), _length),
    "States.ArrayUnique": Function((1, 1), _unique),
}

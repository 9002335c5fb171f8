"""Validation of user-supplied values, shared by the start function and the workloads.

Step Functions treats JSON numbers as doubles, so an integer may arrive as `1024.0`; whole floats are accepted as
integers, anything else that is not a whole number is refused with a message naming the field and the value.
"""

from __future__ import annotations

import json
import math
from typing import Any

from handlers.errors import InvalidInput

MAX_EXACT_INTEGER = 2**53 - 1  # Step Functions carries numbers as doubles: larger integers would arrive altered
_JSON_TYPE_NAMES = {bool: "a boolean", str: "a string", list: "an array", dict: "an object", type(None): "null"}


def describe(value: Any) -> str:
    """How a JSON value reads in an error message: `the string "10"`, `null`, `an array [1, 2]`."""
    text = json.dumps(value, default=repr)
    if len(text) > 60:
        text = text[:57] + "..."
    kind = _JSON_TYPE_NAMES.get(type(value))
    if value is None:
        return "null"
    return f"{kind} {text}" if kind else text


def encodes_within(value: Any, limit: int, *, separators: tuple[str, str] | None = None) -> bool:
    """Whether `value`'s JSON takes at most `limit` characters. A string, list or object of more elements than that
    cannot, and is not encoded to learn it (a stored output's list of 10,000 files would be encoded only to be left
    out)."""
    if isinstance(value, str | list | dict) and len(value) > limit:
        return False
    return len(json.dumps(value, separators=separators)) <= limit


def integer(field: str, value: Any, *, minimum: int | None = None, maximum: int | None = None, why: str = "") -> int:
    """`value` as an int within [minimum, maximum]; `why` explains the maximum (e.g. which setting raises it)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{field} must be a whole number, got {describe(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidInput(f"{field} must be a whole number, got {value!r}")
        value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidInput(f"{field} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InvalidInput(f"{field} must be at most {maximum}{why}, got {value}")
    return value


def number(field: str, value: Any, *, minimum: float, maximum: float, above_minimum: bool = False) -> float:
    """`value` as a finite float within [minimum, maximum] (or (minimum, maximum] with `above_minimum`)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{field} must be a finite number, got {describe(value)}")
    value = float(value)
    if value < minimum or (above_minimum and value == minimum):
        raise InvalidInput(f"{field} must be {'above' if above_minimum else 'at least'} {minimum:g}, got {value:g}")
    if value > maximum:
        raise InvalidInput(f"{field} must be at most {maximum:g}, got {value:g}")
    return value


def integer_items(items: Any, *, minimum: int, maximum: int | None = None) -> list[int]:
    """A compute event's items as ints (`items` itself when all are ints already): they come from the item file, but
    an event may be sent by hand."""
    if not isinstance(items, list) or not items:
        raise InvalidInput(f"items must be a non-empty array, got {describe(items)}")
    if len(items) == 1 and type(items[0]) is int and minimum <= items[0] and (maximum is None or items[0] <= maximum):
        return items  # one item, an unbatched child's: checked without building a set
    # The usual batch, plain ints (bool is not `int` here), is checked in bulk.
    plain = set(map(type, items)) == {int}
    if plain and min(items) >= minimum and (maximum is None or max(items) <= maximum):
        return items
    # Item by item: whole floats become ints, and the first bad item is the one the error names.
    return [integer("item", item, minimum=minimum, maximum=maximum) for item in items]

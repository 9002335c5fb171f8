"""What each family module of intrinsic functions provides, and the argument checks they share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from hpc.engine.intrinsics.syntax import Call

Implementation = Callable[[Call, list[Any]], Any]


class ArgumentError(ValueError):
    """An argument breaks the function's input validation rules: the call fails with States.IntrinsicFailure."""


class Function(NamedTuple):
    arity: tuple[int, int | None]
    """(fewest, most) arguments; most None for any number."""
    implementation: Implementation


def shown(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def array(value: Any, what: str = "the first argument") -> list[Any]:
    if not isinstance(value, list):
        raise ArgumentError(f"{what} must be an array, got {shown(value)}")
    return value


def string(value: Any, what: str = "the argument") -> str:
    if not isinstance(value, str):
        raise ArgumentError(f"{what} must be a string, got {shown(value)}")
    return value


def integer(value: Any, what: str) -> int:
    """A JSON integer (a number with no fraction, as 4 or 4.0); anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ArgumentError(f"{what} must be an integer, got {shown(value)}")
    return int(value)


def java_round(value: Any, what: str) -> int:
    """A number rounded as Java's Math.round does (half up): how AWS treats non-integers where it rounds them."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentError(f"{what} must be a number, got {shown(value)}")
    if isinstance(value, int):
        return value
    floor = int(value // 1)
    return floor + 1 if value - floor >= 0.5 else floor

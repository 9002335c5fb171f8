"""Intrinsics for math: States.MathRandom and States.MathAdd.

MathAdd adds two integers between -2147483648 and 2147483647, rounding a non-integer argument to the nearest
integer as AWS does. MathRandom returns an integer from start (inclusive) to end (exclusive); with a seed, the same
seed gives the same number.
"""

from __future__ import annotations

import random
from typing import Any

from hpc.engine.intrinsics.family import ArgumentError, Function, integer, java_round
from hpc.engine.intrinsics.syntax import Call

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _add(call: Call, values: list[Any]) -> int:
    total = 0
    for value, what in zip(values, ("the first argument", "the second argument"), strict=True):
        number = java_round(value, what)
        if not INT_MIN <= number <= INT_MAX:
            raise ArgumentError(f"{what} must be between {INT_MIN} and {INT_MAX}, got {number}")
        total += number
    return total


def _random(call: Call, values: list[Any]) -> int:
    start, end = integer(values[0], "the start"), integer(values[1], "the end")
    if start >= end:
        raise ArgumentError(f"the start ({start}) must be less than the end ({end})")
    if len(values) == 3:
        return random.Random(integer(values[2], "the seed")).randrange(start, end)
    return random.randrange(start, end)


FUNCTIONS = {
    "States.MathAdd": Function((2, 2), _add),
    "States.MathRandom": Function((2, 3), _random),
}

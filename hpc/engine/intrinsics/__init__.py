"""Intrinsic functions in `.$` fields of JSONPath states: every function the Step Functions guide documents.

One module per family, as the guide groups them: arrays (hpc.engine.intrinsics.arrays), encoding and hashing
(.encoding), JSON data (.json_data), math (.arithmetic), strings and States.Format (.strings), unique ids
(.unique_id). Each family lists its functions as `Function(arity, implementation)`; this module parses a call
(hpc.engine.intrinsics.syntax), checks names, argument counts and nesting when the definition is checked, and
evaluates calls.

Errors, as AWS reports them:
- an unknown function, a wrong number of arguments or more than 10 nested calls is a definition error (refused up
  front, InvalidDefinition naming the field);
- a path argument that finds nothing fails with States.Runtime: "The function '<the whole expression>' had the
  following error: The JsonPath argument for the field '<path>' could not be found in the input '<input>'";
- an argument of the wrong type or value (AWS's "input validation" rules of each function) fails with
  States.IntrinsicFailure.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hpc.engine import limits, paths
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.intrinsics import arithmetic, arrays, encoding, json_data, strings, unique_id
from hpc.engine.intrinsics.family import ArgumentError, Function
from hpc.engine.intrinsics.syntax import Argument, Call, Literal, Path, StringLiteral, parse_call

FUNCTIONS: dict[str, Function] = {
    **arrays.FUNCTIONS,
    **encoding.FUNCTIONS,
    **json_data.FUNCTIONS,
    **arithmetic.FUNCTIONS,
    **strings.FUNCTIONS,
    **unique_id.FUNCTIONS,
}
MAX_NESTING = 10  # "You can nest up to 10 intrinsic functions within a field"


def is_intrinsic(text: str) -> bool:
    return text.startswith("States.")


@lru_cache(maxsize=1024)
def parse(text: str) -> Call:
    """The checked call tree of `text`; InvalidDefinition on bad syntax, an unknown function or a wrong arity."""
    call = parse_call(text)
    _check(call, text, depth=1)
    return call


def evaluate(text: str, data: Any, context: dict[str, Any] | None) -> Any:
    call = parse(text)
    try:
        return _evaluate(call, data, context)
    except paths.PathMissing as missing:
        raise StatesError(
            "States.Runtime",
            f"The function '{text}' had the following error: The JsonPath argument for the field '{missing.path}' "
            f"could not be found in the input '{limits.to_json(missing.source)}'",
            located=True,
        ) from None


def _check(call: Call, text: str, depth: int) -> None:
    if depth > MAX_NESTING:
        raise InvalidDefinition(f"intrinsic function {text!r}: at most {MAX_NESTING} functions may be nested")
    function = FUNCTIONS.get(call.name)
    if function is None:
        raise InvalidDefinition(f"intrinsic function {call.name} in {text!r} does not exist")
    low, high = function.arity
    count = len(call.arguments)
    if count < low or (high is not None and count > high):
        expected = f"{low}" if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
        raise InvalidDefinition(f"intrinsic function {call.name} in {text!r} takes {expected} argument(s), got {count}")
    if call.name == "States.Format" and isinstance(call.arguments[0], Literal | Call):
        raise InvalidDefinition(f"the first argument of States.Format in {text!r} must be a string or a path")
    for argument in call.arguments:
        if isinstance(argument, Call):
            _check(argument, text, depth + 1)


def _evaluate(call: Call, data: Any, context: dict[str, Any] | None) -> Any:
    values = [_value(argument, data, context) for argument in call.arguments]
    try:
        return FUNCTIONS[call.name].implementation(call, values)
    except ArgumentError as error:
        raise StatesError("States.IntrinsicFailure", f"Invalid arguments in {call.name}: {error}") from None


def _value(argument: Argument, data: Any, context: dict[str, Any] | None) -> Any:
    if isinstance(argument, Literal | StringLiteral):
        return argument.value
    if isinstance(argument, Path):
        return paths.read(argument.path, data, context)
    return _evaluate(argument, data, context)


__all__ = ["FUNCTIONS", "Call", "evaluate", "is_intrinsic", "parse"]

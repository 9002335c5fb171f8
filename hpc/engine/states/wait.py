"""Wait states: pause for `Seconds` / `SecondsPath`, or until `Timestamp` / `TimestampPath`, then pass the effective
input through OutputPath.

Exactly one of the four fields is given. Seconds is an integer from 0 to 99,999,999; SecondsPath must find such an
integer in the input, and TimestampPath an RFC 3339 timestamp (else the state fails with States.Runtime). A timestamp
in the past does not wait.

Locally the wait runs on a scaled clock: the engine sleeps `seconds * wait_scale` (LocalEngine's `wait_scale`, 1.0 by
default, i.e. as long as AWS would; 0 skips waiting), so a definition with long waits can be tested quickly. What
the state computes (the output, the errors) does not depend on the scale.

In JSONata, Seconds and Timestamp may be `{% %}` expressions, and `Output` (by default the input) is the output.
`Assign` sees the effective input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, jsonata_language, paths
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.interpreter import Execution, Interpreter

FIELDS = checks.FLOW | checks.IO | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign"}
JSONATA_FIELDS = checks.FLOW | {"Seconds", "Timestamp", "Output", "Assign"}
MAX_SECONDS = 99_999_999


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    key = checks.exclusive(state, ("Seconds", "SecondsPath", "Timestamp", "TimestampPath"), where, required=True)
    if key is not None and jsonata_language.expression_of(state[key]) is not None:
        return  # checked as JSONata by hpc.engine.validation
    if key == "Seconds":
        checks.number(state, "Seconds", where, minimum=0, maximum=MAX_SECONDS, integer=True)
    elif key == "Timestamp":
        if checks.parse_timestamp(state["Timestamp"]) is None:
            raise InvalidDefinition(f"{where}.Timestamp: {state['Timestamp']!r} is not an RFC 3339 timestamp")
    elif key is not None:
        checks.path(state[key], f"{where}.{key}")


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = interpreter.context(execution, name)
    if dataflow.is_jsonata(state):
        bindings = dataflow.jsonata_bindings(raw, context)
        key = "Seconds" if "Seconds" in state else "Timestamp"
        resolved = {key: jsonata_language.evaluate(state[key], bindings, key)}
        _sleep(interpreter, _seconds(resolved, raw, context, interpreter))
        return state.get("Next"), dataflow.jsonata_finish(name, state, bindings, raw, context)
    effective = dataflow.input_path(state, raw, context)
    _sleep(interpreter, _seconds(state, effective, context, interpreter))
    dataflow.assign_jsonpath(name, state, effective, context)
    return state.get("Next"), dataflow.output(name, state, effective, context)


def _sleep(interpreter: Interpreter, seconds: float) -> None:
    delay = seconds * interpreter.runtime.wait_scale
    if delay > 0:
        interpreter.runtime.sleep(delay)


def _seconds(state: dict[str, Any], data: Any, context: dict[str, Any], interpreter: Interpreter) -> float:
    if "Seconds" in state:
        value = state["Seconds"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise _runtime(f"The Seconds of a Wait state must be a non-negative integer, got {value!r}")
        if not 0 <= value <= MAX_SECONDS:
            raise _runtime(f"The Seconds value {value} is outside 0..{MAX_SECONDS}")
        return float(value)
    if "SecondsPath" in state:
        value = paths.read_field(state["SecondsPath"], data, context, "SecondsPath")
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise _runtime(f"The SecondsPath '{state['SecondsPath']}' must find a non-negative integer, got {value!r}")
        if not 0 <= value <= MAX_SECONDS:
            raise _runtime(f"The SecondsPath '{state['SecondsPath']}' value {value} is outside 0..{MAX_SECONDS}")
        return float(value)
    if "Timestamp" in state:
        text = state["Timestamp"]
        if checks.parse_timestamp(text) is None:
            raise _runtime(f"The Timestamp of a Wait state must be an RFC 3339 timestamp, got {text!r}")
    else:
        text = paths.read_field(state["TimestampPath"], data, context, "TimestampPath")
    moment = checks.parse_timestamp(text)
    if moment is None:
        raise _runtime(
            f"The TimestampPath '{state.get('TimestampPath')}' must find an RFC 3339 timestamp, got {text!r}"
        )
    return max(0.0, (moment - interpreter.runtime.now()).total_seconds())


def _runtime(cause: str) -> StatesError:
    return StatesError("States.Runtime", cause, located=True)

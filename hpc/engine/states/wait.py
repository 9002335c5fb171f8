"""Wait states: pause for `Seconds` / `SecondsPath`, or until `Timestamp` / `TimestampPath`, then pass the effective
input through OutputPath.

Exactly one of the four fields is given. Seconds is an integer from 0 to 99,999,999; SecondsPath must find such an
integer in the input, and TimestampPath an RFC 3339 timestamp (else the state fails with States.Runtime). A timestamp
in the past does not wait.

Locally the wait runs on a scaled clock: the engine sleeps `seconds * wait_scale` (LocalEngine's `wait_scale`, 1.0 by
default, i.e. as long as AWS would; 0 skips waiting), so a definition with long waits can be tested quickly. What
the state computes (the output, the errors) does not depend on the scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, paths
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.interpreter import Execution, Interpreter, context_object

FIELDS = checks.FLOW | checks.IO | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}
MAX_SECONDS = 99_999_999


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    key = checks.exclusive(state, ("Seconds", "SecondsPath", "Timestamp", "TimestampPath"), where, required=True)
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
    context = context_object(execution, name)
    effective = dataflow.input_path(state, raw, context)
    seconds = _seconds(state, effective, context, interpreter)
    delay = seconds * interpreter.runtime.wait_scale
    if delay > 0:
        interpreter.runtime.sleep(delay)
    return state.get("Next"), dataflow.output(name, state, effective, context)


def _seconds(state: dict[str, Any], data: Any, context: dict[str, Any], interpreter: Interpreter) -> float:
    if "Seconds" in state:
        return float(state["Seconds"])
    if "SecondsPath" in state:
        value = paths.read_field(state["SecondsPath"], data, context, "SecondsPath")
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise _runtime(f"The SecondsPath '{state['SecondsPath']}' must find a non-negative integer, got {value!r}")
        if not 0 <= value <= MAX_SECONDS:
            raise _runtime(f"The SecondsPath '{state['SecondsPath']}' value {value} is outside 0..{MAX_SECONDS}")
        return float(value)
    if "Timestamp" in state:
        text = state["Timestamp"]
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

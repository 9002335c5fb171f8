"""Retry and Catch, for the states that have them (Task, Parallel, Map).

Retry: the first retrier whose ErrorEquals matches decides; each retrier counts its own attempts (MaxAttempts,
default 3; 0 never retries); the wait is IntervalSeconds * BackoffRate^attempt, capped by MaxDelaySeconds, drawn
uniformly from [0, wait] with JitterStrategy FULL, and scaled by the engine's retry_delay_scale. Catch: the first
matching catcher sends {"Error", "Cause"} through its ResultPath (on the raw input) to Next; OutputPath is not
applied (in JSONata states: the catcher's Output, by default `$states.errorOutput`); its Assign sees the error.
States.ALL and States.TaskFailed match every error except States.Runtime (never caught or retried) and
States.DataLimitExceeded (caught only by name), as the AWS guide says.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from hpc.engine import dataflow, limits
from hpc.engine.errors import TERMINAL_ERRORS, StatesError
from hpc.engine.interpreter import Context, Execution, Interpreter


def error_matches(names: list[str], error: str | None) -> bool:
    if error is None or error == "States.Runtime":
        return False
    if error in names:
        return True
    if error in TERMINAL_ERRORS:
        return False
    return "States.ALL" in names or ("States.TaskFailed" in names and error != "States.Timeout")


def retry_delay(retrier: dict[str, Any], attempt: int) -> float:
    delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** attempt
    if "MaxDelaySeconds" in retrier:
        delay = min(delay, retrier["MaxDelaySeconds"])
    if retrier.get("JitterStrategy", "NONE") == "FULL":
        delay = random.uniform(0, delay)
    return delay


def run(
    interpreter: Interpreter,
    name: str,
    state: dict[str, Any],
    raw: Any,
    execution: Execution,
    entered: int,
    attempt: Callable[[Context], Any],
) -> tuple[str | None, Any]:
    """(Next, output) of `attempt(context)` under the state's Retry and Catch; the error when neither handles it."""
    retriers = state.get("Retry", ())
    attempts = [0] * len(retriers)
    retry_count = 0
    while True:
        context = interpreter.context(execution, name, retry_count)
        try:
            return state.get("Next"), attempt(context)
        except StatesError as raised:
            error = raised.at_state(name, entered)
        retrier = next((i for i, r in enumerate(retriers) if error_matches(r["ErrorEquals"], error.error)), None)
        if retrier is not None and attempts[retrier] < retriers[retrier].get("MaxAttempts", 3):
            delay = retry_delay(retriers[retrier], attempts[retrier]) * interpreter.runtime.retry_delay_scale
            if delay > 0:
                interpreter.runtime.sleep(delay)
            attempts[retrier] += 1
            retry_count += 1
            interpreter.count_retry()
            continue
        for catcher in state.get("Catch", ()):
            if error_matches(catcher["ErrorEquals"], error.error):
                error_output = {"Error": error.error, "Cause": error.cause}
                if error.cause is None:
                    del error_output["Cause"]
                if dataflow.is_jsonata(state):
                    bindings = dataflow.jsonata_bindings(raw, context, errorOutput=error_output)
                    return catcher["Next"], dataflow.jsonata_finish(name, catcher, bindings, error_output, context)
                dataflow.assign_jsonpath(name, catcher, error_output, context)
                output = dataflow.result_path(catcher, raw, error_output)
                limits.check_payload(output, name, "output")
                return catcher["Next"], output
        raise error

"""Runs a state machine definition (JSONPath query language): Task, Pass, Choice, Succeed, Fail and Map states.

Data flow per state, as in AWS: InputPath -> Parameters -> the work (a Lambda invoke, a Pass's Result, a Map run) ->
ResultSelector -> ResultPath (merged into the state's *raw* input) -> OutputPath. Payloads over 256 KiB fail with
States.DataLimitExceeded (the input after Parameters, a task's raw result, and every state output).

Retry: the first retrier whose ErrorEquals matches decides; each retrier counts its own attempts (MaxAttempts,
default 3; 0 never retries); the wait is IntervalSeconds * BackoffRate^attempt, capped by MaxDelaySeconds, drawn
uniformly from [0, wait] with JitterStrategy FULL, and scaled by the engine's retry_delay_scale. Catch: the first
matching catcher sends {"Error", "Cause"} through its ResultPath (on the raw input) to Next; OutputPath is not
applied. States.ALL and States.TaskFailed match every error except States.Runtime (never caught or retried) and
States.DataLimitExceeded (caught only by name), as the AWS guide says.

Map states are delegated to a `run_map` callable (see hpc.engine.distributed_map). Unsupported fields never get here:
hpc.engine.validation refuses them before a run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hpc.engine import choice, lambdas, limits, paths, templates
from hpc.engine.errors import TERMINAL_ERRORS, StatesError

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
ROLE_ARN = "arn:aws:iam::000000000000:role/local-engine"


def timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 in UTC with milliseconds, the form Step Functions uses (2025-02-04T01:49:50.099Z)."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Execution:
    """What the context object says about one execution (a parent or a Map child)."""

    name: str
    arn: str
    input: Any
    state_machine_arn: str
    state_machine_name: str
    start_time: str = field(default_factory=timestamp)


@dataclass
class Runtime:
    """Services the interpreter needs: handlers by FunctionName, the retry delay scale, and the Map runner."""

    handlers: dict[str, lambdas.Handler]
    retry_delay_scale: float = 1.0
    run_map: Callable[[str, dict[str, Any], Any, Execution, dict[str, Any]], Any] | None = None
    sleep: Callable[[float], None] = field(default=lambda seconds: time.sleep(seconds))


def context_object(execution: Execution, state_name: str, retry_count: int) -> dict[str, Any]:
    return {
        "Execution": {
            "Id": execution.arn,
            "Input": execution.input,
            "Name": execution.name,
            "RoleArn": ROLE_ARN,
            "StartTime": execution.start_time,
            "RedriveCount": 0,
        },
        "State": {"EnteredTime": timestamp(), "Name": state_name, "RetryCount": retry_count},
        "StateMachine": {"Id": execution.state_machine_arn, "Name": execution.state_machine_name},
    }


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


class Interpreter:
    def __init__(self, machine: dict[str, Any], runtime: Runtime) -> None:
        self.machine = machine
        self.runtime = runtime
        self.retries = 0  # retries made by this run, in every state (a Map child's span reports them)

    def run(self, execution: Execution) -> Any:
        """The execution's output; StatesError when it fails."""
        data = execution.input
        name: str | None = self.machine["StartAt"]
        while name is not None:
            name, data = self.step(name, self.machine["States"][name], data, execution)
        return data

    def step(self, name: str, state: dict[str, Any], raw: Any, execution: Execution) -> tuple[str | None, Any]:
        """(next state name or None at the end, this state's output)."""
        kind = state["Type"]
        if kind in ("Task", "Map"):
            return self._with_error_handling(name, state, raw, execution)
        context = context_object(execution, name, 0)
        if kind == "Pass":
            effective = _input_path(state, raw, context)
            value = templates.evaluate(state["Parameters"], effective, context) if "Parameters" in state else effective
            result = state.get("Result", value)
            return state.get("Next"), _finish(name, state, raw, result, context)
        if kind == "Succeed":
            return None, _output(name, state, _input_path(state, raw, context), context)
        if kind == "Fail":
            raise StatesError(_fail_field(state, "Error", raw, context), _fail_field(state, "Cause", raw, context))
        if kind == "Choice":
            effective = _input_path(state, raw, context)
            for rule in state["Choices"]:
                if choice.evaluate(rule, effective, context):
                    return rule["Next"], _output(name, state, effective, context)
            if "Default" in state:
                return state["Default"], _output(name, state, effective, context)
            raise StatesError("States.NoChoiceMatched", f"No Choice rule matched in state '{name}' and no Default")
        raise AssertionError(f"state type {kind} passed validation but has no implementation")

    def _with_error_handling(
        self, name: str, state: dict[str, Any], raw: Any, execution: Execution
    ) -> tuple[str | None, Any]:
        retriers = state.get("Retry", [])
        attempts = [0] * len(retriers)
        retry_count = 0
        while True:
            context = context_object(execution, name, retry_count)
            try:
                return state.get("Next"), self._work(name, state, raw, execution, context)
            except StatesError as error:
                retrier = next(
                    (i for i, r in enumerate(retriers) if error_matches(r["ErrorEquals"], error.error)), None
                )
                if retrier is not None and attempts[retrier] < retriers[retrier].get("MaxAttempts", 3):
                    delay = retry_delay(retriers[retrier], attempts[retrier]) * self.runtime.retry_delay_scale
                    if delay > 0:
                        self.runtime.sleep(delay)
                    attempts[retrier] += 1
                    retry_count += 1
                    self.retries += 1
                    continue
                for catcher in state.get("Catch", []):
                    if error_matches(catcher["ErrorEquals"], error.error):
                        error_output = {"Error": error.error, "Cause": error.cause}
                        if error.cause is None:
                            del error_output["Cause"]
                        output = _result_path(catcher, raw, error_output)
                        limits.check_payload(output, name, "output")
                        return catcher["Next"], output
                raise

    def _work(self, name: str, state: dict[str, Any], raw: Any, execution: Execution, context: dict[str, Any]) -> Any:
        effective = _input_path(state, raw, context)
        if state["Type"] == "Map":
            assert self.runtime.run_map is not None, "a Map state needs a Map runner"
            result = self.runtime.run_map(name, state, effective, execution, context)
        else:
            parameters = templates.evaluate(state.get("Parameters", {}), effective, context)
            limits.check_payload(parameters, name, "input after Parameters")
            result = self._invoke(parameters)
            limits.check_payload(result, name, "result")
        if "ResultSelector" in state:
            result = templates.evaluate(state["ResultSelector"], result, context)
        return _finish(name, state, raw, result, context)

    def _invoke(self, parameters: dict[str, Any]) -> Any:
        function = parameters["FunctionName"]
        handler = self.runtime.handlers.get(function)
        if handler is None:
            raise StatesError("Lambda.ResourceNotFoundException", f"Function not found: {function}")
        return lambdas.invoke(handler, function, parameters.get("Payload", {}))


def _input_path(state: dict[str, Any], raw: Any, context: dict[str, Any]) -> Any:
    path = state.get("InputPath", "$")
    return {} if path is None else paths.read(path, raw, context, field="InputPath")


def _result_path(state: dict[str, Any], raw: Any, result: Any) -> Any:
    path = state.get("ResultPath", "$")
    return raw if path is None else paths.write(path, raw, result)


def _output(name: str, state: dict[str, Any], data: Any, context: dict[str, Any]) -> Any:
    path = state.get("OutputPath", "$")
    output = {} if path is None else paths.read(path, data, context, field="OutputPath")
    limits.check_payload(output, name, "output")
    return output


def _finish(name: str, state: dict[str, Any], raw: Any, result: Any, context: dict[str, Any]) -> Any:
    return _output(name, state, _result_path(state, raw, result), context)


def _fail_field(state: dict[str, Any], key: str, raw: Any, context: dict[str, Any]) -> str | None:
    if key + "Path" not in state:
        return state.get(key)
    value = templates.evaluate_expression(state[key + "Path"], raw, context, field=key + "Path")
    if not isinstance(value, str):
        raise StatesError("States.Runtime", f"The {key}Path of a Fail state must resolve to a string, got {value!r}")
    return value

"""Task states that call a Lambda function, in the two forms AWS accepts.

- `"Resource": "arn:aws:states:::lambda:invoke"` with Parameters `FunctionName` (or `FunctionName.$`, read from the
  state's input at run time) and `Payload` / `Payload.$`; the result is the integration's response (see
  hpc.engine.lambdas), so definitions usually pick `$.Payload`.
- `"Resource": "<the function's ARN>"` (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`), the older
  form: the state's effective input (after Parameters, if any) is the event, and the result is the function's return
  value itself.
A function is found among the engine's functions by its name, whichever form (name, partial or full ARN) names it; a
static name the engine does not know is refused before the run, a `FunctionName.$` that resolves to an unknown
function fails the task with Lambda.ResourceNotFoundException, as AWS would.

In JSONata, `Arguments` replaces Parameters (by default the state input is the event of a function ARN task),
`$states.result` is the task's result and `Output` (by default that result) its output.

Per attempt, the events AWS records are TaskScheduled, TaskStarted and TaskSucceeded or TaskFailed.
Not emulated (refused before the run): other service integrations, `.sync` / `.waitForTaskToken`, TimeoutSeconds,
HeartbeatSeconds, Credentials, and the invoke parameters Qualifier, InvocationType, ClientContext, LogType.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, error_handling, jsonata_language, lambdas, limits
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.interpreter import Context, Execution, Interpreter

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]*:[0-9]*:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?")
FIELDS = (
    checks.FLOW | checks.IO | {"Resource", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch", "Assign"}
)
JSONATA_FIELDS = checks.FLOW | {"Resource", "Arguments", "Output", "Assign", "Retry", "Catch"}
_INVOKE_PARAMETERS = {"FunctionName", "FunctionName.$", "Payload", "Payload.$"}


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    resource = state.get("Resource")
    if resource == LAMBDA_INVOKE and "Arguments" in state:
        arguments = checks.obj(state["Arguments"], f"{where}.Arguments")
        checks.only(arguments, {"FunctionName", "Payload"}, f"{where}.Arguments")
        if "FunctionName" not in arguments:
            raise InvalidDefinition(f"{where}.Arguments: needs FunctionName")
        if jsonata_language.expression_of(arguments["FunctionName"]) is None:
            _known(arguments["FunctionName"], f"{where}.Arguments.FunctionName", checker.functions)
    elif resource == LAMBDA_INVOKE:
        parameters = checks.obj(state.get("Parameters"), f"{where}.Parameters")
        checks.only(parameters, _INVOKE_PARAMETERS, f"{where}.Parameters")
        key = checks.exclusive(parameters, ("FunctionName", "FunctionName.$"), f"{where}.Parameters", required=True)
        checks.exclusive(parameters, ("Payload", "Payload.$"), f"{where}.Parameters")
        if key == "FunctionName":
            _known(parameters["FunctionName"], f"{where}.Parameters.FunctionName", checker.functions)
    elif isinstance(resource, str) and LAMBDA_ARN.fullmatch(resource):
        _known(resource, f"{where}.Resource", checker.functions)
    else:
        raise checks.unsupported(
            f"{where}.Resource",
            f"{resource!r} is not emulated by the local engine (only {LAMBDA_INVOKE} and Lambda function ARNs)",
        )


def _known(function: Any, where: str, functions: Mapping[str, str]) -> None:
    if not isinstance(function, str):
        raise InvalidDefinition(f"{where}: must be a string")
    if lambdas.find(functions, function) is None:
        known = ", ".join(sorted(functions)) or "none"
        raise InvalidDefinition(f"{where}: no local handler for {function!r} (known: {known})")


def run(
    interpreter: Interpreter,
    name: str,
    state: dict[str, Any],
    raw: Any,
    execution: Execution,
    entered: int,
    *,
    first_failure: StatesError | None = None,
) -> tuple[str | None, Any]:
    """(Next, output); `first_failure` is how a first attempt made elsewhere failed (hpc.engine.direct_invoke): the
    state goes on from there under its Retry and Catch."""

    def attempt(context: Context) -> Any:
        nonlocal first_failure
        if first_failure is not None:
            failed, first_failure = first_failure, None
            raise failed
        effective, bindings = dataflow.arguments(state, raw, context)
        limits.check_payload(effective, name, "input after Parameters")
        result = _call(interpreter, name, state["Resource"], effective, execution)
        return dataflow.conclude(name, state, raw, result, context, bindings)

    return error_handling.run(interpreter, name, state, raw, execution, entered, attempt)


def _call(interpreter: Interpreter, name: str, resource: str, effective: Any, execution: Execution) -> Any:
    """The task's result: the integration's response (lambda:invoke) or the function's own result (an ARN);
    States.DataLimitExceeded when it is over 256 KiB (its size known from the response body, not re-encoded)."""
    if resource == LAMBDA_INVOKE:
        function = effective.get("FunctionName") if isinstance(effective, dict) else None
        event = lambdas.event_from_payload(effective.get("Payload") if isinstance(effective, dict) else None)
    else:
        function, event = resource, effective
    execution.events += 3  # TaskScheduled, TaskStarted, then TaskSucceeded or TaskFailed
    handlers = interpreter.runtime.handlers
    key = lambdas.find(handlers, function) if isinstance(function, str) else None
    if key is None or not isinstance(function, str):
        raise lambdas.not_found(str(function))
    invocation = lambdas.invoke(handlers[key], function, event)
    wrapped = resource == LAMBDA_INVOKE
    size = lambdas.integration_result_size(invocation) if wrapped else invocation.body_bytes
    limits.check_size(size, name)
    return lambdas.integration_result(invocation) if wrapped else invocation.payload

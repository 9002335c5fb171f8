"""Calling a handler the way `arn:aws:states:::lambda:invoke` calls a Lambda function.

The handler gets a JSON-decoded copy of the payload and a context object with Lambda's attributes; its return value
goes through JSON as the Lambda runtime would marshal it. The task result is the integration's response:
`{"ExecutedVersion": "$LATEST", "Payload": <return value>, "StatusCode": 200}`.

Errors map like real Lambda's: an exception becomes Error = its class name and Cause = the JSON string
`{"errorMessage", "errorType", "requestId", "stackTrace"}`. An exception with a string attribute `step_functions_error`
reports that name instead, with the message as Cause — how tests stand in for service faults such as
Lambda.TooManyRequestsException. A return value that is not JSON fails with Runtime.MarshalError, as in Lambda.
Not emulated: timeouts, memory limits, cold starts, concurrency limits.
"""

from __future__ import annotations

import importlib
import json
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hpc.engine.errors import InvalidDefinition, StatesError

Handler = Callable[[Any, Any], Any]
DEFAULT_TIMEOUT_MS = 900_000


def resolve(entry_point: str) -> Handler:
    """`package.module:function` -> the function; InvalidDefinition naming what is missing."""
    module_name, _, attribute = entry_point.partition(":")
    if not module_name or not attribute:
        raise InvalidDefinition(f"handler {entry_point!r} must look like 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InvalidDefinition(f"handler {entry_point!r}: cannot import {module_name!r} ({error})") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise InvalidDefinition(f"handler {entry_point!r}: {module_name!r} has no function {attribute!r}")
    return function


@dataclass
class LambdaContext:
    """The attributes of the Lambda Python runtime's context object that handlers commonly read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = ""
    log_stream_name: str = ""
    _deadline: float = field(default_factory=lambda: time.monotonic() + DEFAULT_TIMEOUT_MS / 1000)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invoke(handler: Handler, function_name: str, payload: Any) -> dict[str, Any]:
    """Run `handler` on `payload` like a synchronous Lambda invoke; StatesError on a function error."""
    context = LambdaContext(
        function_name=function_name.rsplit(":", 1)[-1],
        invoked_function_arn=function_name if function_name.startswith("arn:") else "",
        log_group_name=f"/aws/lambda/{function_name.rsplit(':', 1)[-1]}",
    )
    event = json.loads(json.dumps(payload))
    try:
        returned = handler(event, context)
    except Exception as error:  # noqa: BLE001 - every exception a handler raises is a function error in Lambda
        raise function_error(error, context.aws_request_id) from None
    try:
        result = json.loads(json.dumps(returned))
    except (TypeError, ValueError) as error:
        raise StatesError(
            "Runtime.MarshalError",
            json.dumps(
                {
                    "errorMessage": f"Unable to marshal response: {error}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": context.aws_request_id,
                    "stackTrace": [],
                }
            ),
        ) from None
    return {"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200}


def function_error(error: Exception, request_id: str) -> StatesError:
    override = getattr(error, "step_functions_error", None)
    if isinstance(override, str) and override:
        return StatesError(override, str(error))
    stack = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])  # without the engine's own frame
    cause = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }
    return StatesError(type(error).__name__, json.dumps(cause))

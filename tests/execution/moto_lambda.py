"""Serves moto's Lambda invocations in-process: the real handler modules run in this Python, no Docker.

moto's Step Functions interpreter invokes a Lambda task through boto3 -> moto's Lambda backend ->
`LambdaFunction.invoke`, which would start a Docker container. Only that last method is replaced: the request still
goes through boto3 and moto's Lambda API, so an unknown function name or ARN fails exactly as it would there.

The replacement behaves as the Lambda Python runtime does where the state machine can tell:
- the handler named in the function's `Handler` setting (`handlers.start.handler`) is imported and called with the
  JSON-decoded event and a context object;
- the function's environment variables are set while it runs (invocations are serialised, so environments of
  concurrent Map children never mix). A variable the test process did not have stays set after the call, until the
  test ends: removing it while moto's threads copy `os.environ` fails them with a KeyError naming the variable. The
  stack gives every function each variable it reads (hpc/functions.py), so none can lean on another's leftovers;
- a raised exception becomes `FunctionError: Unhandled` with payload
  `{"errorMessage": str(exc), "errorType": <class name>, "requestId", "stackTrace"}`, from which Step Functions takes
  the error name (errorType) and the cause (the payload string);
- a result that is not JSON-serialisable is a `Runtime.MarshalError`, as in Lambda.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from moto.awslambda.models import LambdaFunction

Handler = Callable[[Any, Any], Any]

_one_at_a_time = threading.Lock()


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Lambda runtime's context object that a handler may read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    timeout_seconds: int

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000  # no clock runs here; a handler sees its whole budget


def serve_handlers_in_process(monkeypatch: pytest.MonkeyPatch, wrap: Callable[[str, Handler], Handler] | None = None):
    """Replace moto's Docker-backed invoke for the rest of the test. `wrap(handler_path, handler)` may decorate a
    handler, e.g. to make one call fail, while the real module still does the work."""

    def invoke(function: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
        event = json.loads(body) if body else {}
        handler = resolve(function.handler)
        if wrap is not None:
            handler = wrap(function.handler, handler)
        payload, failed = run(function, handler, event, monkeypatch)
        if failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload.encode()

    monkeypatch.setattr(LambdaFunction, "invoke", invoke)


def resolve(handler_path: str) -> Handler:
    module, _, name = handler_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run(function: LambdaFunction, handler: Handler, event: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, bool]:
    """(payload, failed) for one invocation."""
    request_id = str(uuid.uuid4())
    context = LambdaContext(
        function_name=function.function_name,
        invoked_function_arn=function.function_arn,
        memory_limit_in_mb=int(function.memory_size),
        aws_request_id=request_id,
        timeout_seconds=int(function.timeout),
    )
    with _one_at_a_time, function_environment(function, monkeypatch):
        try:
            result = handler(event, context)
        except Exception as error:
            return error_payload(error, request_id), True
    try:
        return json.dumps(result), False
    except (TypeError, ValueError) as error:
        marshal = {"errorMessage": f"Unable to marshal response: {error}", "errorType": "Runtime.MarshalError"}
        return json.dumps({**marshal, "requestId": request_id, "stackTrace": []}), True


def error_payload(error: Exception, request_id: str) -> str:
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    )


@contextmanager
def function_environment(function: LambdaFunction, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    variables = {
        **(function.environment_vars or {}),
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
    }
    saved = {name: os.environ[name] for name in variables if name in os.environ}
    for name, value in variables.items():
        monkeypatch.setenv(name, value)  # monkeypatch removes what it added when the test ends, not now
    try:
        yield
    finally:
        os.environ.update(saved)  # values the process had come back; added names stay until the test ends

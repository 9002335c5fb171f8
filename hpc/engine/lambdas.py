"""Calling a handler the way Step Functions calls a Lambda function, through `arn:aws:states:::lambda:invoke` or a
Task whose Resource is the function's ARN.

The handler gets a JSON-decoded copy of its event and a context object with Lambda's attributes; its return value
goes through JSON as the Python runtime marshals it, except `bytes`, which the runtime passes through as the response
body (Step Functions then reads that body as JSON, or keeps it as a string when it is not JSON).

With lambda:invoke, the event is the `Payload`: a JSON string is sent as the raw request body (so the function
receives the decoded value), and a missing or null Payload sends `{}`. The task result is the integration's response,
`{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}`, with the headers Lambda
returns (request id, content length, date, trace id).

Errors map like real Lambda's: an exception becomes Error = its class name and Cause = the compact JSON string
`{"errorMessage":...,"errorType":...,"requestId":...,"stackTrace":[...]}`. An exception with a string attribute
`step_functions_error` reports that name instead, with the message as Cause -- how tests stand in for service faults
such as Lambda.TooManyRequestsException. A return value that is not JSON fails with Runtime.MarshalError; a function
name the engine does not know fails with Lambda.ResourceNotFoundException. Not emulated: timeouts, memory limits,
cold starts, concurrency limits, the 6 MB response limit (results over 256 KiB fail the task with
States.DataLimitExceeded first).
"""

from __future__ import annotations

import importlib
import json
import random
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from hpc.engine import limits
from hpc.engine.clock import SecondText
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.uuids import random_uuid, uuid_text

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


def request_id() -> str:
    """A random (version 4) UUID as text, as uuid.uuid4() makes it, without building a UUID object each invoke."""
    return random_uuid()


class LambdaContext:
    """The attributes of the Lambda Python runtime's context object that handlers commonly read.

    A plain class, not a dataclass: creating a dataclass runs generated code at import, a cost every `hpc run` paid."""

    __slots__ = (
        "function_name",
        "invoked_function_arn",
        "_request_id",
        "function_version",
        "memory_limit_in_mb",
        "log_group_name",
        "log_stream_name",
        "_deadline",
    )

    def __init__(
        self,
        function_name: str,
        invoked_function_arn: str,
        aws_request_id: str | None = None,
        function_version: str = "$LATEST",
        memory_limit_in_mb: int = 128,
        log_group_name: str = "",
        log_stream_name: str = "",
    ) -> None:
        self.function_name = function_name
        self.invoked_function_arn = invoked_function_arn
        self._request_id = aws_request_id
        self.function_version = function_version
        self.memory_limit_in_mb = memory_limit_in_mb
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self._deadline = time.monotonic() + DEFAULT_TIMEOUT_MS / 1000

    @property
    def aws_request_id(self) -> str:
        # Made when first read: most invocations' ids are never seen (OutputPath drops the response metadata).
        if self._request_id is None:
            self._request_id = request_id()
        return self._request_id

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def find(functions: Mapping[str, Any], function: str) -> str | None:
    """The key of `functions` that `function` (a name, `name:qualifier`, a partial or full ARN) names, if any."""
    if function in functions:
        return function
    wanted = function_name(function)
    return next((key for key in functions if function_name(key) == wanted), None)


def function_name(function: str) -> str:
    """The bare function name of any form Lambda accepts: `f`, `f:alias`, `123:function:f`, `arn:...:function:f:1`."""
    parts = function.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


def not_found(function: str) -> StatesError:
    return StatesError(
        "Lambda.ResourceNotFoundException",
        f"Function not found: {function} (Service: AWSLambda; Status Code: 404; "
        f"Error Code: ResourceNotFoundException; Request ID: {random_uuid()}; Proxy: null)",
    )


def event_from_payload(payload: Any) -> Any:
    """The event a lambda:invoke `Payload` delivers: null is `{}`, a string is the raw request body."""
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError as error:
            raise StatesError(
                "Lambda.InvalidRequestContentException",
                f"Could not parse request body into json: {error} (Service: AWSLambda; Status Code: 400; "
                "Error Code: InvalidRequestContentException; Proxy: null)",
            ) from None
    return payload


class Invocation:
    """A successful invoke: the response, the context it ran with (its request id) and the size of the response body
    in bytes (the body is compact JSON, so this is also the payload's size as Step Functions counts it). `body` is
    that JSON (None for a handler's own bytes); `payload` is decoded from it when first read."""

    __slots__ = ("_payload", "body", "body_bytes", "context")

    def __init__(self, payload: Any, context: LambdaContext, body_bytes: int, body: str | None = None) -> None:
        self._payload = payload
        self.context = context
        self.body_bytes = body_bytes
        self.body = body

    @property
    def payload(self) -> Any:
        if self._payload is _UNDECODED:
            self._payload = json.loads(self.body)  # type: ignore[arg-type]
            limits.remember(self._payload, self.body)  # type: ignore[arg-type]  # for size checks and records
        return self._payload

    @property
    def request_id(self) -> str:
        return self.context.aws_request_id


_UNDECODED = object()


@lru_cache(maxsize=64)
def _names(function_name: str) -> tuple[str, str, str]:
    """(function_name, invoked_function_arn, log_group_name) of the context for a function named so."""
    short = function_name.rsplit(":", 1)[-1]
    return short, function_name if function_name.startswith("arn:") else "", f"/aws/lambda/{short}"


def invoke(handler: Handler, function_name: str, event: Any, *, owned: bool = False) -> Invocation:
    """Run `handler` on `event` like a synchronous Lambda invoke; StatesError on a function error. The handler gets
    its own copy of the event, unless the caller gives the event up (`owned`: nothing else holds or reads it)."""
    short, arn, log_group = _names(function_name)
    context = LambdaContext(function_name=short, invoked_function_arn=arn, log_group_name=log_group)
    if not owned:
        event = private_copy(event)
    try:
        returned = handler(event, context)
    except Exception as error:  # noqa: BLE001 - every exception a handler raises is a function error in Lambda
        raise function_error(error, context.aws_request_id) from None
    if isinstance(returned, bytes | bytearray):
        return Invocation(_decode_body(bytes(returned)), context, len(returned))
    try:
        body = limits.to_json(returned)
    except (TypeError, ValueError) as error:
        raise StatesError(
            "Runtime.MarshalError",
            _compact(
                {
                    "errorMessage": f"Unable to marshal response: {error}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": context.aws_request_id,
                    "stackTrace": [],
                }
            ),
        ) from None
    return Invocation(_UNDECODED, context, limits.utf8_size(body), body)


_SCALARS = limits.JSON_SCALARS  # a module global: one lookup on the copy's hot path
_TEXT = frozenset((str,))


def private_copy(event: Any) -> Any:
    """The handler's own copy of the event, as Lambda decodes it from the request: nothing it changes reaches the
    state's data. The engine's values are JSON values already (decoded, or built by templates from decoded ones),
    so copying the containers gives what decoding their JSON gives; a list of scalars (a batch's Items) is copied in
    one C call rather than decoded item by item. Anything else goes through JSON, as the request would."""
    try:
        return _copy(event)
    except TypeError:
        return json.loads(limits.to_json(event))


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        if _SCALARS.issuperset(map(type, value.values())) and _TEXT.issuperset(map(type, value)):
            return value.copy()  # an object of scalars (a CSV row) in one C call
        return {_key(key): _copy(item) for key, item in value.items()}
    if kind is list:
        if _SCALARS.issuperset(map(type, value)):
            return value.copy()
        return [_copy(item) for item in value]
    if kind in _SCALARS:
        return value
    raise TypeError(f"not a JSON value: {kind.__name__}")


def _key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError("a non-string key")
    return key  # type: ignore[no-any-return]


def _decode_body(body: bytes) -> Any:
    text = body.decode(errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def integration_result_size(invocation: Invocation) -> int:
    """The size in bytes of `integration_result(invocation)` as compact JSON, without encoding it: the metadata's
    values have fixed lengths except Content-Length, so its size depends only on that number's digits."""
    return _metadata_size(len(str(invocation.body_bytes))) + invocation.body_bytes


@lru_cache(maxsize=32)
def _metadata_size(content_length_digits: int) -> int:
    sample = Invocation(None, LambdaContext("", "", uuid_text(0)), 10 ** (content_length_digits - 1))
    return len(_compact(integration_result(sample)).encode()) - len("null")


def integration_result(invocation: Invocation) -> dict[str, Any]:
    """The lambda:invoke task result for `invocation`, with the SDK metadata Step Functions includes."""
    request_id = invocation.request_id
    length = str(invocation.body_bytes)
    date = _http_date()
    trace = f"root=1-{int(time.time()):08x}-{random.getrandbits(96):024x};sampled=0"
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": invocation.payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [length],
                "Date": [date],
                "X-Amzn-Trace-Id": [trace],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": length,
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
                "X-Amzn-Trace-Id": trace,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


_http_second = SecondText("%a, %d %b %Y %H:%M:%S GMT")


def _http_date() -> str:
    return _http_second(int(time.time()))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def function_error(error: Exception, request_id: str) -> StatesError:
    override = getattr(error, "step_functions_error", None)
    if isinstance(override, str) and override:
        return StatesError(override, str(error))
    import traceback  # only for a failing function: imported then, not by every run

    stack = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])  # without the engine's own frame
    cause = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }
    return StatesError(type(error).__name__, _compact(cause))

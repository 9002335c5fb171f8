"""Toy handlers: each does one observable thing, so a test can see exactly what the engine passed and did.

State that must survive across calls or processes (attempt counters, concurrency) lives in files under the
directory named by env FAKE_DIR, which the tests pass through the engine's `environment`.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import time
from pathlib import Path
from typing import Any


class Throttled(Exception):
    """Stands in for a Lambda service fault: the engine reports `step_functions_error` as the error name."""

    step_functions_error = "Lambda.TooManyRequestsException"


class Boom(Exception):
    pass


def _dir() -> Path:
    return Path(os.environ["FAKE_DIR"])


def echo(event: Any, context: Any) -> Any:
    return event


def describe_call(event: Any, context: Any) -> dict[str, Any]:
    """What the handler saw: its event and the Lambda context attributes."""
    return {
        "event": event,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
    }


def environment(event: Any, context: Any) -> dict[str, Any]:
    return {name: os.environ.get(name) for name in event["names"]}


def fail(event: Any, context: Any) -> Any:
    raise Boom(event.get("message", "it went boom"))


def throttled(event: Any, context: Any) -> Any:
    raise Throttled("Rate exceeded")


def not_json(event: Any, context: Any) -> Any:
    return {"a set": {1, 2}}


def big(event: Any, context: Any) -> Any:
    return {"blob": "x" * event["bytes"]}


def _count_call(key: str) -> int:
    """How many times this key has been called before, counting this call (a counter file per key)."""
    path = _dir() / f"calls-{key}"
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = len(handle.read()) + 1
        handle.write(".")
    return count


def flaky(event: Any, context: Any) -> Any:
    """Raises `event["error"]` for the first `event["failures"]` calls with `event["key"]`, then succeeds."""
    attempt = _count_call(event["key"])
    if attempt <= event["failures"]:
        error = Throttled(f"attempt {attempt}") if event["error"] == "Throttled" else Boom(f"attempt {attempt}")
        raise error
    return {"attempt": attempt}


def square(event: Any, context: Any) -> dict[str, Any]:
    """A Map child: one item {"item": v} or a batch {"Items": [...]}; fails for values in event's "fail" list."""
    values = event["Items"] if "Items" in event else [event["item"]]
    fail_on = (event.get("BatchInput") or event).get("fail", [])
    for value in values:
        if value in fail_on:
            raise Boom(f"item {value} is cursed")
    return {"items": len(values), "sum": sum(v * v for v in values)}


def concurrent(event: Any, context: Any) -> dict[str, Any]:
    """Counts children running at once in a shared file and records the highest count seen."""
    path = _dir() / "running"

    def adjust(delta: int) -> None:
        with open(path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            running, highest = json.loads(handle.read() or "[0, 0]")
            running += delta
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps([running, max(highest, running)]))

    adjust(+1)
    time.sleep(0.05)
    adjust(-1)
    return {"pid": os.getpid()}


def die(event: Any, context: Any) -> Any:
    """Ends its own process for the item named in `die_on`: by os._exit or by SIGKILL."""
    if event["item"] == event["die_on"]:
        if event["how"] == "exit":
            os._exit(3)
        os.kill(os.getpid(), signal.SIGKILL)
    return {"item": event["item"]}


def sleepy(event: Any, context: Any) -> Any:
    """Records its pid, then sleeps long enough that only an interruption ends the run."""
    (_dir() / f"pid-{os.getpid()}").write_text(str(os.getpid()))
    time.sleep(60)
    return {}


def raw_bytes(event: Any, context: Any) -> bytes:
    """Returns `event["text"]` (repeated `event["times"]` times) as bytes, which the Python runtime passes through."""
    return (event["text"] * event.get("times", 1)).encode()


def hang_up(event: Any, context: Any) -> Any:
    """For the item named in `hang_up_on`, closes every pipe and socket of its process but the standard streams (a
    worker's link to the engine is one), then returns normally: the worker then ends between children, when it next
    reports to the parent."""
    if event["item"] == event["hang_up_on"]:
        for descriptor in os.listdir("/proc/self/fd"):
            try:
                link = os.readlink(f"/proc/self/fd/{descriptor}")
                if int(descriptor) > 2 and link.startswith(("socket:", "pipe:")):
                    os.close(int(descriptor))
            except OSError:
                continue
    return {"item": event["item"]}

"""Toy state machines for the local engine's tests: fake handlers by name, and builders for tasks and machines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # so the engine (and its forked workers) can import `fakes.toy`
    sys.path.insert(0, str(HERE))

TOY_FUNCTIONS = {
    name: f"fakes.toy:{name}"
    for name in (
        "echo",
        "describe_call",
        "environment",
        "fail",
        "throttled",
        "not_json",
        "big",
        "flaky",
        "square",
        "concurrent",
        "die",
        "sleepy",
        "raw_bytes",
        "hang_up",
    )
}


def task(function: str, **fields: Any) -> dict[str, Any]:
    """A lambda:invoke Task passing the whole effective input as the payload."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
    }
    state.update(fields)
    if "Next" not in state:
        state.setdefault("End", True)
    return state


def machine(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"StartAt": states[0][0], "States": dict(states)}


def read_object(store: Path, bucket: str, key: str) -> Any:
    return json.loads((store / bucket / key).read_bytes())

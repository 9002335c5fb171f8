"""Shared helpers for the local engine's tests: a fake-handler map, an engine factory and result-file readers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # so the engine (and its forked workers) can import `fakes.toy`
    sys.path.insert(0, str(HERE))

from hpc.engine import LocalEngine  # noqa: E402

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


@pytest.fixture
def fake_dir(tmp_path: Path) -> Path:
    path = tmp_path / "fake"
    path.mkdir()
    return path


@pytest.fixture
def make_engine(tmp_path: Path, fake_dir: Path) -> Callable[..., LocalEngine]:
    def make(definition: dict[str, Any], **options: Any) -> LocalEngine:
        options.setdefault("retry_delay_scale", 0)
        options.setdefault("workers", 2)
        environment = {"FAKE_DIR": str(fake_dir), **options.pop("environment", {})}
        return LocalEngine(definition, TOY_FUNCTIONS, tmp_path / "store", environment=environment, **options)

    return make


def read_object(store: Path, bucket: str, key: str) -> Any:
    return json.loads((store / bucket / key).read_bytes())

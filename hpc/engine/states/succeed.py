"""Succeed states: end the execution (or branch, or iteration) with the input through InputPath and OutputPath."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow
from hpc.engine.interpreter import Execution, Interpreter, context_object

FIELDS = checks.IO


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    """Nothing beyond the common fields (checked by hpc.engine.validation)."""


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = context_object(execution, name)
    return None, dataflow.output(name, state, dataflow.input_path(state, raw, context), context)

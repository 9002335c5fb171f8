"""Succeed states: end the execution (or branch, or iteration) with the input through InputPath and OutputPath (in
JSONata, `Output`, by default the input)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow
from hpc.engine.interpreter import Execution, Interpreter

FIELDS = checks.IO
JSONATA_FIELDS = frozenset({"Output"})


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    """Nothing beyond the common fields (checked by hpc.engine.validation)."""


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = interpreter.context(execution, name)
    if dataflow.is_jsonata(state):
        return None, dataflow.jsonata_finish(name, state, dataflow.jsonata_bindings(raw, context), raw, context)
    return None, dataflow.output(name, state, dataflow.input_path(state, raw, context), context)

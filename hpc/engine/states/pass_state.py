"""Pass states: the effective input (after InputPath and Parameters), or the fixed `Result`, through ResultPath and
OutputPath. Their context object's `State` has only EnteredTime and Name (no RetryCount: a Pass never retries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, templates
from hpc.engine.interpreter import Execution, Interpreter, context_object

FIELDS = checks.FLOW | checks.IO | {"Parameters", "Result", "ResultPath"}


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    """Nothing beyond the common fields (checked by hpc.engine.validation)."""


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = context_object(execution, name)
    result = dataflow.input_path(state, raw, context)
    if "Parameters" in state:
        result = templates.evaluate(state["Parameters"], result, context)
    if "Result" in state:
        result = state["Result"]
    return state.get("Next"), dataflow.finish(name, state, raw, result, context)

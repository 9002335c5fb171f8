"""Pass states: the effective input (after InputPath and Parameters), or the fixed `Result`, through ResultPath and
OutputPath; in JSONata, `Output` (by default the state's input). Their context object's `State` has only EnteredTime
and Name (no RetryCount: a Pass never retries). `Assign` sees the result (JSONPath) or `$states.input` (JSONata)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, templates
from hpc.engine.interpreter import Execution, Interpreter

FIELDS = checks.FLOW | checks.IO | {"Parameters", "Result", "ResultPath", "Assign"}
JSONATA_FIELDS = checks.FLOW | {"Output", "Assign"}


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    """Nothing beyond the common fields (checked by hpc.engine.validation)."""


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = interpreter.context(execution, name)
    if dataflow.is_jsonata(state):
        bindings = dataflow.jsonata_bindings(raw, context)
        return state.get("Next"), dataflow.jsonata_finish(name, state, bindings, raw, context)
    result = dataflow.input_path(state, raw, context)
    if "Parameters" in state:
        result = templates.evaluate(state["Parameters"], result, context)
    if "Result" in state:
        result = state["Result"]
    dataflow.assign_jsonpath(name, state, result, context)
    return state.get("Next"), dataflow.finish(name, state, raw, result, context)

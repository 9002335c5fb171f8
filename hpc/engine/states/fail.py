"""Fail states: end the execution with an error name and cause, fixed (`Error`, `Cause`) or computed from the input
(`ErrorPath`, `CausePath`: a path or an intrinsic function, which must give a string; in JSONata, `Error` and
`Cause` may be `{% %}` expressions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, jsonata_language, templates
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.interpreter import Context, Execution, Interpreter

FIELDS = frozenset({"Error", "Cause", "ErrorPath", "CausePath"})
JSONATA_FIELDS = frozenset({"Error", "Cause"})


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    for key in ("Error", "Cause"):
        if key in state and key + "Path" in state:
            raise InvalidDefinition(f"{where}: {key} and {key}Path are exclusive")
        if key in state and not isinstance(state[key], str):
            raise InvalidDefinition(f"{where}.{key}: must be a string")
        if key + "Path" in state:
            checks.expression(state[key + "Path"], f"{where}.{key}Path")


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = interpreter.context(execution, name)
    raise StatesError(_field(state, "Error", raw, context), _field(state, "Cause", raw, context))


def _field(state: dict[str, Any], key: str, raw: Any, context: Context) -> str | None:
    if dataflow.is_jsonata(state) and key in state:
        value = jsonata_language.evaluate(state[key], dataflow.jsonata_bindings(raw, context), key)
        if not isinstance(value, str):
            raise StatesError(
                "States.QueryEvaluationError",
                f"The {key} of a Fail state must be a string, got {value!r}",
                located=True,
            )
        return value
    if key + "Path" not in state:
        return state.get(key)
    value = templates.evaluate_expression(state[key + "Path"], raw, context, field=key + "Path")
    if not isinstance(value, str):
        raise StatesError(
            "States.Runtime", f"The {key}Path of a Fail state must resolve to a string, got {value!r}", located=True
        )
    return value

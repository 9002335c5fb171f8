"""The input and output processing every JSONPath state shares, in AWS's order:
InputPath -> (Parameters -> the work -> ResultSelector) -> ResultPath, merged into the state's *raw* input ->
OutputPath. A null InputPath or OutputPath gives `{}`; a null ResultPath discards the result and keeps the raw input.
A state's output over 256 KiB fails with States.DataLimitExceeded.

JSONata states replace all five fields with Arguments and Output (see hpc.engine.jsonata_language), and every state
may Assign workflow variables (hpc.engine.variables); the helpers for both are here too.
"""

from __future__ import annotations

from typing import Any

from hpc.engine import jsonata_language, limits, paths, templates
from hpc.engine.interpreter import Context


def input_path(state: dict[str, Any], raw: Any, context: dict[str, Any] | None) -> Any:
    path = state.get("InputPath", "$")
    if path == "$":
        return raw
    return {} if path is None else paths.read_field(path, raw, context, "InputPath")


def result_path(state: dict[str, Any], raw: Any, result: Any) -> Any:
    path = state.get("ResultPath", "$")
    return raw if path is None else paths.write(path, raw, result)


def output(name: str, state: dict[str, Any], data: Any, context: dict[str, Any] | None) -> Any:
    path = state.get("OutputPath", "$")
    value = data if path == "$" else {} if path is None else paths.read_field(path, data, context, "OutputPath")
    limits.check_payload(value, name, "output")
    return value


def finish(name: str, state: dict[str, Any], raw: Any, result: Any, context: dict[str, Any] | None) -> Any:
    """ResultPath then OutputPath: the state's output."""
    return output(name, state, result_path(state, raw, result), context)


# ---- variables and JSONata ----------------------------------------------------------------------------------------


def is_jsonata(state: dict[str, Any]) -> bool:
    """Whether the state uses JSONata (LocalEngine writes the machine's QueryLanguage into each state it governs)."""
    return state.get("QueryLanguage") == "JSONata"


def assign_jsonpath(name: str, state: dict[str, Any], data: Any, context: Context) -> None:
    """A JSONPath state's (or catcher's, or rule's) Assign, its `.$` fields read from `data` (the state's result)."""
    if "Assign" in state and context.variables is not None:
        context.variables.assign(templates.evaluate(state["Assign"], data, context), name)


def jsonata_bindings(state_input: Any, context: Context, **more: Any) -> dict[str, Any]:
    variables = context.variables.visible() if context.variables is not None else {}
    return jsonata_language.bindings(state_input, context, variables, **more)


def jsonata_finish(name: str, state: dict[str, Any], bindings: dict[str, Any], default: Any, context: Context) -> Any:
    """A JSONata state's output (its Output, else `default`) and its Assign, both evaluated before either applies."""
    value = jsonata_language.evaluate(state["Output"], bindings, "Output") if "Output" in state else default
    if "Assign" in state and context.variables is not None:
        context.variables.assign(jsonata_language.evaluate(state["Assign"], bindings, "Assign"), name)
    limits.check_payload(value, name, "output")
    return value


def arguments(state: dict[str, Any], raw: Any, context: Context) -> tuple[Any, dict[str, Any] | None]:
    """The effective input of a state that does work (Task, Parallel) and, in JSONata, the expressions' bindings:
    JSONata `Arguments` (by default the state input), or InputPath then Parameters (bindings None)."""
    if is_jsonata(state):
        bindings = jsonata_bindings(raw, context)
        return jsonata_language.evaluate(state.get("Arguments", "{% $states.input %}"), bindings, "Arguments"), bindings
    effective = input_path(state, raw, context)
    if "Parameters" in state:
        effective = templates.evaluate(state["Parameters"], effective, context)
    return effective, None


def conclude(
    name: str, state: dict[str, Any], raw: Any, result: Any, context: Context, bindings: dict[str, Any] | None
) -> Any:
    """A working state's output from its result: JSONata Output and Assign seeing `$states.result`, or ResultSelector,
    Assign, ResultPath and OutputPath."""
    if bindings is not None:
        bindings = {**bindings, "states": {**bindings["states"], "result": result}}
        return jsonata_finish(name, state, bindings, result, context)
    if "ResultSelector" in state:
        result = templates.evaluate(state["ResultSelector"], result, context)
    assign_jsonpath(name, state, result, context)
    return finish(name, state, raw, result, context)

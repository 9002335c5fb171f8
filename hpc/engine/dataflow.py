"""The input and output processing every JSONPath state shares, in AWS's order:
InputPath -> (Parameters -> the work -> ResultSelector) -> ResultPath, merged into the state's *raw* input ->
OutputPath. A null InputPath or OutputPath gives `{}`; a null ResultPath discards the result and keeps the raw input.
A state's output over 256 KiB fails with States.DataLimitExceeded.
"""

from __future__ import annotations

from typing import Any

from hpc.engine import limits, paths


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

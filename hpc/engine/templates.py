"""Payload templates (Parameters, ResultSelector, ItemSelector, BatchInput, ItemReader/ResultWriter Parameters).

A key ending in `.$` takes its value from a path (`$...` on the state's data, `$$...` on the context object) or an
intrinsic function, and loses the `.$`; every other value is copied as is. Objects nested in objects and arrays are
templates too. `check` validates a template before any run, so a bad path or function is refused up front.
"""

from __future__ import annotations

from typing import Any

from hpc.engine import intrinsics, jsonata_language, paths
from hpc.engine.errors import InvalidDefinition


def check(template: Any, where: str) -> None:
    """InvalidDefinition/UnsupportedDefinition naming `where.<key>` for any dynamic field that cannot be evaluated."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                check_expression(value, f"{where}.{key}")
            else:
                check(value, f"{where}.{key}")
    elif isinstance(template, list):
        for position, value in enumerate(template):
            check(value, f"{where}[{position}]")


def check_expression(expression: Any, where: str) -> None:
    if not isinstance(expression, str):
        raise InvalidDefinition(f"{where}: a '.$' field needs a path or intrinsic function string, got {expression!r}")
    try:
        if intrinsics.is_intrinsic(expression):
            intrinsics.parse(expression)
        else:
            paths.check(expression)
    except InvalidDefinition as error:
        raise type(error)(f"{where}: {error}") from None


def evaluate_expression(expression: str, data: Any, context: dict[str, Any] | None, field: str) -> Any:
    """The value of one `.$` field's expression; a path that finds nothing fails with AWS's cause naming `field`."""
    if expression.startswith("States."):
        return intrinsics.evaluate(expression, data, context)
    try:
        return paths.read(expression, data, context)
    except paths.PathMissing as missing:
        raise missing.in_field(field) from None


def evaluate(template: Any, data: Any, context: dict[str, Any] | None) -> Any:
    """The template's value for `data`; States.Runtime / States.IntrinsicFailure when a dynamic field fails."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate_expression(value, data, context, field=key)
            else:
                out[key] = evaluate(value, data, context)
        return out
    if isinstance(template, list):
        return [evaluate(value, data, context) for value in template]
    if isinstance(template, jsonata_language.Prepared):  # a JSONata Distributed Map's ItemSelector, BatchInput...
        return template.evaluate(context)
    return template

"""JSONata, the query language AWS recommends for new state machines, evaluated with `jsonata-python`.

Why that library: it is a maintained, pure-Python port of jsonata-java (the reference implementation's Java port),
so it installs anywhere the engine does, needs no JavaScript runtime, and follows the same language version family
AWS documents (JSONata 2.0). It is imported only when a definition uses JSONata, so other runs do not pay for it.

What this module provides, as Step Functions defines it:
- a value in a JSONata field is a template: any string `"{% expression %}"` (alone, or inside objects and arrays) is
  evaluated, everything else is taken as is;
- expressions see `$states` (`input`, `context`, and `result` / `errorOutput` where the state has them) and the
  workflow variables in scope (`$name`);
- AWS's additional functions: `$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`;
- an expression that fails to parse is refused with the definition; one that fails while running fails the state
  with States.QueryEvaluationError, naming the field.
Knowingly different: the library returns no separate "undefined", so an expression that finds nothing gives null
where AWS would fail the field with States.QueryEvaluationError.
"""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from typing import Any

from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.uuids import random_uuid

_EXPRESSION = re.compile(r"\{%(.*)%\}", re.DOTALL)
NAME = "JSONata"


def expression_of(value: Any) -> str | None:
    """The expression inside a `{% ... %}` string, or None for any other value."""
    if isinstance(value, str):
        match = _EXPRESSION.fullmatch(value)
        if match:
            return match.group(1)
    return None


@lru_cache(maxsize=1024)
def compile_expression(text: str) -> Any:
    import jsonata  # only definitions that use JSONata pay for importing it

    expression = jsonata.Jsonata(text)
    for name, function in _FUNCTIONS.items():
        expression.register_lambda(name, function)
    return expression


def check(value: Any, where: str) -> None:
    """InvalidDefinition naming `where` for any `{% %}` string in `value` that does not parse."""
    if isinstance(value, dict):
        for key, item in value.items():
            check(item, f"{where}.{key}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            check(item, f"{where}[{position}]")
    else:
        text = expression_of(value)
        if text is not None:
            try:
                compile_expression(text)
            except Exception as error:  # noqa: BLE001 - the library raises several kinds for a syntax error
                raise InvalidDefinition(
                    f"{where}: the JSONata expression {text.strip()!r} does not parse: {error}"
                ) from None


def evaluate(value: Any, bindings: dict[str, Any], field: str) -> Any:
    """The template `value` with every `{% %}` string replaced by its expression's value."""
    if isinstance(value, dict):
        return {key: evaluate(item, bindings, f"{field}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate(item, bindings, f"{field}[{position}]") for position, item in enumerate(value)]
    text = expression_of(value)
    if text is None:
        return value
    try:
        result = compile_expression(text).evaluate(None, bindings)
    except Exception as error:  # noqa: BLE001 - any failure of an expression is the state's query error
        raise StatesError(
            "States.QueryEvaluationError",
            f"The JSONata expression '{text.strip()}' specified for the field '{field}' threw an error during "
            f"evaluation: {error}",
            located=True,
        ) from None
    return _plain(result)


def bindings(state_input: Any, context: dict[str, Any], variables: dict[str, Any], **more: Any) -> dict[str, Any]:
    """What expressions see: the variables in scope and `$states` (input, context, plus result / errorOutput)."""
    return {**variables, "states": {"input": state_input, "context": context, **more}}


class Prepared:
    """A JSONata template bound to its state's `$states.input` and variables, to be evaluated later with the context
    object of that moment: how a Distributed Map written in JSONata hands ItemSelector (evaluated per item, with
    `Map.Item` in the context), BatchInput and the reader's and writer's Arguments to the Map runner, which evaluates
    templates with hpc.engine.templates.evaluate."""

    __slots__ = ("bindings", "field", "value")

    def __init__(self, value: Any, bindings: dict[str, Any], field: str) -> None:
        self.value = value
        self.bindings = bindings
        self.field = field

    def evaluate(self, context: Any) -> Any:
        return evaluate(
            self.value, {**self.bindings, "states": {**self.bindings["states"], "context": context}}, self.field
        )


def _plain(value: Any) -> Any:
    # The library hands back its own list type and sequences; the engine passes plain JSON values on.
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# ---- the functions AWS adds to JSONata -----------------------------------------------------------------------------


def _partition(array: Any, size: Any) -> list[Any]:
    if not isinstance(array, list) or not isinstance(size, int | float) or size < 1 or size != int(size):
        raise ValueError("$partition takes an array and a positive integer")
    return [array[start : start + int(size)] for start in range(0, len(array), int(size))]


def _range(start: Any, end: Any, step: Any) -> list[int]:
    if not all(isinstance(v, int | float) and v == int(v) for v in (start, end, step)) or step == 0:
        raise ValueError("$range takes three integers, the step not 0")
    start, end, step = int(start), int(end), int(step)
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > 1000:
        raise ValueError("$range makes at most 1000 items")
    return values


def _hash(value: Any, algorithm: Any) -> str:
    import hashlib

    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
    if not isinstance(value, str) or algorithm not in names:
        raise ValueError(f"$hash takes a string and one of {', '.join(names)}")
    return hashlib.new(names[algorithm], value.encode()).hexdigest()


def _random(seed: Any = None) -> float:
    return random.Random(seed).random() if seed is not None else random.random()


def _uuid() -> str:
    return random_uuid()


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise ValueError("$parse takes a string")
    return json.loads(text)


_FUNCTIONS = {
    "partition": _partition,
    "range": _range,
    "hash": _hash,
    "random": _random,
    "uuid": _uuid,
    "parse": _parse,
}

"""Intrinsics for strings: States.Format and States.StringSplit.

States.Format replaces each `{}` of its template with the next argument. A string argument is inserted as is; an
object or array is rendered in AWS's own map style, not as JSON: `{Arg1=1, Arg2=[]}`, `[1, a, true]` (strings inside
unquoted, ", " between entries); null, booleans and numbers as in JSON. In a literal template `\\{` and `\\}` are
literal braces; in a template read from a path, braces are just text.

States.StringSplit splits on every character of its delimiter argument and drops empty pieces:
`States.StringSplit('This.is+a,test=string', '.+,=')` is `["This", "is", "a", "test", "string"]`.
"""

from __future__ import annotations

import re
from typing import Any

from hpc.engine.intrinsics.family import ArgumentError, Function, shown, string
from hpc.engine.intrinsics.syntax import ESCAPES, Call, StringLiteral


def render(value: Any) -> str:
    """A value as States.Format inserts it."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={render(item)}" for key, item in value.items()) + "}"
    return shown(value)


def _format(call: Call, values: list[Any]) -> str:
    template, arguments = string(values[0], "the template"), values[1:]
    first = call.arguments[0]
    pieces = _literal_pieces(first.raw) if isinstance(first, StringLiteral) else template.split("{}")
    if len(pieces) - 1 != len(arguments):
        raise ArgumentError(f"the template has {len(pieces) - 1} placeholder(s) for {len(arguments)} argument(s)")
    out = [pieces[0]]
    for argument, piece in zip(arguments, pieces[1:], strict=True):
        out.append(render(argument))
        out.append(piece)
    return "".join(out)


def _literal_pieces(raw: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    position = 0
    while position < len(raw):
        if raw[position] == "\\":
            current.append(ESCAPES[raw[position + 1]])
            position += 2
        elif raw.startswith("{}", position):
            pieces.append("".join(current))
            current = []
            position += 2
        else:
            current.append(raw[position])
            position += 1
    pieces.append("".join(current))
    return pieces


def _split(call: Call, values: list[Any]) -> list[str]:
    text = string(values[0], "the string")
    delimiters = string(values[1], "the delimiter")
    if not delimiters:
        raise ArgumentError("the delimiter must not be empty")
    pattern = "|".join(re.escape(character) for character in delimiters)
    return [piece for piece in re.split(pattern, text) if piece]


FUNCTIONS = {
    "States.Format": Function((1, None), _format),
    "States.StringSplit": Function((2, 2), _split),
}

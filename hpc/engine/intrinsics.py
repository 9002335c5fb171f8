"""Intrinsic functions in `.$` fields: States.Format, States.StringToJson, States.JsonToString and States.Array.

Any other `States.*` function is refused when the definition is checked (UnsupportedDefinition), never at run time.
Arguments may be string literals in single quotes (escapes `\\'`, `\\{`, `\\}`, `\\\\`), numbers, true, false,
null, JSONPath (`$...`, `$$...`, read through hpc.engine.paths) or nested calls. A call that cannot be evaluated
(wrong argument type or count, a placeholder count that does not match) fails with States.IntrinsicFailure.

This small parser handles only the call syntax; the paths inside calls are JSONPath handed to jsonpath-ng.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hpc.engine import paths
from hpc.engine.errors import InvalidDefinition, StatesError, UnsupportedDefinition

SUPPORTED = ("States.Format", "States.StringToJson", "States.JsonToString", "States.Array")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_ESCAPES = {"'": "'", "{": "{", "}": "}", "\\": "\\"}


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class StringLiteral:
    raw: str
    """The text between the quotes with its escapes still in place, so States.Format can tell `\\{` from `{`."""

    @property
    def value(self) -> str:
        return _unescape(self.raw)


@dataclass(frozen=True)
class Path:
    path: str


@dataclass(frozen=True)
class Call:
    name: str
    arguments: tuple[Literal | StringLiteral | Path | Call, ...]


Argument = Literal | StringLiteral | Path | Call


def is_intrinsic(text: str) -> bool:
    return text.startswith("States.")


@lru_cache(maxsize=1024)
def parse(text: str) -> Call:
    """The call tree of `text`; InvalidDefinition on bad syntax, UnsupportedDefinition on a function not emulated."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_spaces()
    if parser.position != len(text):
        raise parser.error("unexpected text after the closing parenthesis")
    _check(call, text)
    return call


def evaluate(text: str, data: Any, context: dict[str, Any]) -> Any:
    return _evaluate(parse(text), data, context)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, message: str) -> InvalidDefinition:
        return InvalidDefinition(f"intrinsic function {self.text!r}: {message} at character {self.position}")

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position] == " ":
            self.position += 1

    def call(self) -> Call:
        self.skip_spaces()
        name = _NAME.match(self.text, self.position)
        if not name:
            raise self.error("expected a function name")
        self.position = name.end()
        self.skip_spaces()
        if not self.text.startswith("(", self.position):
            raise self.error("expected '('")
        self.position += 1
        arguments: list[Argument] = []
        self.skip_spaces()
        if self.text.startswith(")", self.position):
            self.position += 1
            return Call(name.group(), ())
        while True:
            arguments.append(self.argument())
            self.skip_spaces()
            if self.text.startswith(",", self.position):
                self.position += 1
                continue
            if self.text.startswith(")", self.position):
                self.position += 1
                return Call(name.group(), tuple(arguments))
            raise self.error("expected ',' or ')'")

    def argument(self) -> Argument:
        self.skip_spaces()
        rest = self.text[self.position :]
        if rest.startswith("'"):
            return self.string()
        if rest.startswith("$"):
            return self.path()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if re.match(word + r"\b", rest):
                self.position += len(word)
                return Literal(value)
        number = _NUMBER.match(self.text, self.position)
        if number:
            self.position = number.end()
            literal = number.group()
            return Literal(float(literal) if any(c in literal for c in ".eE") else int(literal))
        return self.call()

    def string(self) -> StringLiteral:
        start = self.position + 1
        position = start
        while position < len(self.text):
            char = self.text[position]
            if char == "\\":
                if position + 1 >= len(self.text) or self.text[position + 1] not in _ESCAPES:
                    self.position = position
                    raise self.error("unknown escape (only \\' \\{ \\} \\\\ are allowed)")
                position += 2
                continue
            if char == "'":
                self.position = position + 1
                return StringLiteral(self.text[start:position])
            position += 1
        raise self.error("unterminated string literal")

    def path(self) -> Path:
        # A path runs to the first ',' or ')' outside brackets and quotes; filters may contain both.
        start, depth, quote = self.position, 0, None
        position = start
        while position < len(self.text):
            char = self.text[position]
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif char in ",)" and depth == 0:
                break
            position += 1
        self.position = position
        path = self.text[start:position].strip()
        paths.check(path)
        return Path(path)


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES[match.group(1)], raw)


_ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None),
    "States.StringToJson": (1, 1),
    "States.JsonToString": (1, 1),
    "States.Array": (0, None),
}


def _check(call: Call, text: str) -> None:
    if call.name not in SUPPORTED:
        raise UnsupportedDefinition(
            f"intrinsic function {call.name} in {text!r}: not emulated by the local engine "
            f"(supported: {', '.join(SUPPORTED)})"
        )
    low, high = _ARITY[call.name]
    count = len(call.arguments)
    if count < low or (high is not None and count > high):
        expected = f"{low}" if low == high else f"at least {low}"
        raise InvalidDefinition(f"intrinsic function {call.name} in {text!r} takes {expected} argument(s), got {count}")
    if call.name == "States.Format" and isinstance(call.arguments[0], Literal | Call):
        raise InvalidDefinition(f"the first argument of States.Format in {text!r} must be a string or a path")
    for argument in call.arguments:
        if isinstance(argument, Call):
            _check(argument, text)


def _evaluate(call: Call, data: Any, context: dict[str, Any]) -> Any:
    values = [_value(argument, data, context) for argument in call.arguments]
    return _FUNCTIONS[call.name](call, values)


def _value(argument: Argument, data: Any, context: dict[str, Any]) -> Any:
    if isinstance(argument, Literal | StringLiteral):
        return argument.value
    if isinstance(argument, Path):
        return paths.read(argument.path, data, context)
    return _evaluate(argument, data, context)


def _failure(call: Call, message: str) -> StatesError:
    return StatesError("States.IntrinsicFailure", f"Invalid arguments in {call.name}: {message}")


def _format(call: Call, values: list[Any]) -> str:
    template, arguments = values[0], values[1:]
    if not isinstance(template, str):
        raise _failure(call, f"the template must be a string, got {json.dumps(template)}")
    first = call.arguments[0]
    # In a literal template `\{` and `\}` are literal braces; in a template read from a path, braces are just text.
    pieces = _literal_pieces(first.raw) if isinstance(first, StringLiteral) else template.split("{}")
    if len(pieces) - 1 != len(arguments):
        raise _failure(call, f"the template has {len(pieces) - 1} placeholder(s) for {len(arguments)} argument(s)")
    out = [pieces[0]]
    for argument, piece in zip(arguments, pieces[1:], strict=True):
        out.append(argument if isinstance(argument, str) else json.dumps(argument, separators=(",", ":")))
        out.append(piece)
    return "".join(out)


def _literal_pieces(raw: str) -> list[str]:
    pieces, current, position = [], [], 0
    while position < len(raw):
        if raw[position] == "\\":
            current.append(_ESCAPES[raw[position + 1]])
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


def _string_to_json(call: Call, values: list[Any]) -> Any:
    (text,) = values
    if not isinstance(text, str):
        raise _failure(call, f"the argument must be a string, got {json.dumps(text)}")
    try:
        return json.loads(text)
    except ValueError as error:
        raise _failure(call, f"the string is not JSON ({error})") from None


def _json_to_string(call: Call, values: list[Any]) -> str:
    return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)


def _array(call: Call, values: list[Any]) -> list[Any]:
    return list(values)


_FUNCTIONS: dict[str, Callable[[Call, list[Any]], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array,
}

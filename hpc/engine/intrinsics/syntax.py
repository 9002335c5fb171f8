"""The call syntax of intrinsic functions: `States.Name(arg, ...)`, parsed into a small tree.

Arguments may be string literals in single quotes (escapes `\\'`, `\\{`, `\\}`, `\\\\`), numbers, true, false, null,
JSONPath (`$...`, `$$...`, read through hpc.engine.paths) or nested calls. This parser handles only that syntax; the
paths inside calls are checked by hpc.engine.paths.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from hpc.engine import paths
from hpc.engine.errors import InvalidDefinition

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WORDS = (("true", True), ("false", False), ("null", None))
ESCAPES = {"'": "'", "{": "{", "}": "}", "\\": "\\"}


class Literal(NamedTuple):
    value: Any


class StringLiteral(NamedTuple):
    raw: str
    """The text between the quotes with its escapes still in place, so States.Format can tell `\\{` from `{`."""

    @property
    def value(self) -> str:
        return re.sub(r"\\(.)", lambda match: ESCAPES[match.group(1)], self.raw)


class Path(NamedTuple):
    path: str


class Call(NamedTuple):
    name: str
    arguments: tuple[Literal | StringLiteral | Path | Call, ...]


Argument = Literal | StringLiteral | Path | Call


def parse_call(text: str) -> Call:
    """The call tree of `text`; InvalidDefinition on bad syntax."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_spaces()
    if parser.position != len(text):
        raise parser.error("unexpected text after the closing parenthesis")
    return call


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
        for word, value in _WORDS:
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
                if position + 1 >= len(self.text) or self.text[position + 1] not in ESCAPES:
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
                if char == "\\":
                    position += 1
                else:
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

"""JSONPath as Step Functions uses it: definite paths read directly, every other path through jsonpath-ng.

Step Functions evaluates paths with Jayway JsonPath. Its rules, as this module applies them:
- `$$...` reads the context object instead of the state's data;
- a *definite* path (`$`, then `.name`, `['name']` or `[n]` segments) yields one value and fails with States.Runtime
  when it matches nothing. Such paths are parsed here into keys and indexes and read by plain lookups (no library
  call per read, which matters to a Map child's hot path). A bracket-quoted name is read literally, as Jayway reads
  it: `$['a\\"b']` names the key `a\\"b`; only `\\'` stands for a quote inside the brackets;
- any other path (wildcards, slices, filters, unions, `..`) yields the list of matches, evaluated by jsonpath-ng's
  extended parser (filters like `[?(@.a > 1)]`);
- a *reference path* (ResultPath) must be definite; writing through it copies the containers on the way, creates
  missing objects and fails with States.ResultPathMatchFailure when something on the way is not an object/array.

A definite path that finds nothing raises `PathMissing`, a States.Runtime error carrying the path in Jayway's own
spelling (`$['a'][0]`), so each caller can word the cause as AWS words it for its field.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from hpc.engine import limits
from hpc.engine.errors import InvalidDefinition, StatesError

Segment = str | int

# Dot-notation names stop at '.', '[' or whitespace; '*' and '(' make the path a wildcard or function, not definite.
_DOT_NAME = re.compile(r"\.([^.\[\]\s*()'\"?,@]+)")
_INDEX = re.compile(r"\[\s*(-?[0-9]+)\s*\]")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")
_QUOTED = re.compile(r"\['((?:[^'\\]|\\.)*?)'\]")


class PathSyntaxError(InvalidDefinition):
    """A string that should be a JSONPath does not parse."""


class PathMissing(StatesError):
    """A definite path matched nothing: States.Runtime, with `path` (as written) and `jayway` (as Jayway spells it)."""

    def __init__(self, path: str, segments: tuple[Segment, ...], source: Any) -> None:
        self.path = path
        self.jayway = "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in segments)
        self.source = source
        super().__init__("States.Runtime", f"No results for path: {self.jayway}")

    def in_field(self, field: str) -> StatesError:
        """The cause AWS gives for a payload template field (`Parameters`, `ResultSelector`, ...)."""
        return StatesError(
            "States.Runtime",
            f"The JSONPath '{self.path}' specified for the field '{field}' could not be found in the input "
            f"'{limits.to_json(self.source)}'",
            located=True,
        )

    def in_path_field(self) -> StatesError:
        """The cause AWS gives for InputPath, OutputPath, ItemsPath and the other `...Path` fields."""
        return StatesError(
            "States.Runtime", f"Invalid path '{self.path}' : No results for path: {self.jayway}", located=True
        )


@lru_cache(maxsize=1)
def _parser() -> Any:
    """jsonpath-ng's extended parser, imported and built on first use: most definitions hold only definite paths,
    and importing the library is a noticeable share of a small run's start-up. One parser serves the process."""
    from jsonpath_ng._ply import lex as ply_lex
    from jsonpath_ng.exceptions import JsonPathLexerError
    from jsonpath_ng.ext.parser import ExtendedJsonPathLexer, ExtendedJsonPathParser

    class BuiltOnceLexer(ExtendedJsonPathLexer):  # type: ignore[misc]
        """The library's lexer, but PLY's tables are built once per process and cloned per path.

        jsonpath-ng rebuilds the PLY lexer (compiling its regular expressions) for every path it parses: ~0.4 ms
        each. The token rules keep no state on the lexer object (they use `t.lexer`), so a clone per path behaves
        exactly like a fresh build.
        """

        _built: Any = None

        def tokenize(self, string: str) -> Any:
            if BuiltOnceLexer._built is None:
                BuiltOnceLexer._built = ply_lex.lex(
                    module=self, debug=False, optimize=True, lextab=self._ply_table_module
                )
            lexer = BuiltOnceLexer._built.clone()
            lexer.lexstatestack = []  # a shallow clone would share the template's state stack
            lexer.latest_newline = 0
            lexer.string_value = None
            lexer.begin("INITIAL")
            lexer.input(string)
            while (token := lexer.token()) is not None:
                token.col = token.lexpos - lexer.latest_newline
                yield token
            if lexer.string_value is not None:
                raise JsonPathLexerError("Unexpected EOF in string literal or identifier")

    return ExtendedJsonPathParser(lexer_class=BuiltOnceLexer)


@lru_cache(maxsize=4096)
def definite_segments(path: str) -> tuple[Segment, ...] | None:
    """The keys and indexes of a definite `$...` / `$$...` path, or None when the path may match several values."""
    if not isinstance(path, str) or not path.startswith("$"):
        return None
    position = 2 if path.startswith("$$") else 1
    segments: list[Segment] = []
    while position < len(path):
        for pattern in (_DOT_NAME, _QUOTED, _INDEX):
            match = pattern.match(path, position)
            if match:
                break
        else:
            return None
        if path.startswith("..", position):
            return None
        text = match.group(1)
        if pattern is _INDEX:
            segments.append(int(text))
        elif pattern is _QUOTED:
            segments.append(text.replace("\\'", "'"))
        else:
            segments.append(text)
        position = match.end()
    return tuple(segments)


def check(path: Any) -> None:
    """PathSyntaxError unless `path` is a JSONPath; a definite path is checked without consulting the library."""
    if isinstance(path, str) and is_variable_path(path):
        name = _VARIABLE.match(path, 1)
        if name is None:
            raise PathSyntaxError(f"{path!r} is not a variable reference ($name, then a path)")
        check("$" + path[name.end() :])
    elif definite_segments(path) is None:
        compile_path(path)


def is_variable_path(path: str) -> bool:
    """`$name...` reads the workflow variable `name` (`$`, `$.`, `$[` and `$$` are the data and the context)."""
    return path[1:2] not in ("", ".", "[", "$")


@lru_cache(maxsize=4096)
def compile_path(path: str) -> Any:
    """jsonpath-ng's expression for a `$...` path that is not definite (a `$$` path is parsed without its first `$`)."""
    from jsonpath_ng.exceptions import JSONPathError

    if not isinstance(path, str) or not path.startswith("$"):
        raise PathSyntaxError(f"{path!r} is not a JSONPath (it must start with '$')")
    text = path[1:] if path.startswith("$$") else path
    try:
        return _parser().parse(text)
    except (JSONPathError, ValueError, TypeError, AttributeError) as error:
        raise PathSyntaxError(f"{path!r} is not a valid JSONPath: {error}") from None


def is_definite(path: str) -> bool:
    return definite_segments(path) is not None


def is_context_path(path: str) -> bool:
    return path.startswith("$$")


def read(path: str, data: Any, context: dict[str, Any] | None = None) -> Any:
    """The value at `path` in `data` (in `context` for `$$` paths); PathMissing when a definite path finds nothing."""
    if path[1:2] not in ("", ".", "[", "$"):
        return _read_variable(path, context)
    source = context if path.startswith("$$") else data
    segments = definite_segments(path)
    if segments is None:
        return [match.value for match in compile_path(path).find(source)]
    value: Any = source
    for segment in segments:
        if isinstance(segment, int):
            if not isinstance(value, list) or not -len(value) <= segment < len(value):
                raise PathMissing(path, segments, source)
        elif not isinstance(value, dict) or segment not in value:
            raise PathMissing(path, segments, source)
        value = value[segment]
    return value


def _read_variable(path: str, context: Any) -> Any:
    name = _VARIABLE.match(path, 1)
    assert name is not None, "checked with the definition"
    scope = getattr(context, "variables", None)
    found, value = scope.lookup(name.group()) if scope is not None else (False, None)
    if not found:
        raise StatesError(
            "States.Runtime", f"The variable '${name.group()}' is not assigned in this scope", located=True
        )
    return read("$" + path[name.end() :], value)


def read_field(path: str, data: Any, context: dict[str, Any] | None, field: str) -> Any:
    """`read` for a `...Path` field (InputPath, OutputPath, ItemsPath...), failing with AWS's cause for such fields."""
    try:
        return read(path, data, context)
    except PathMissing as missing:
        raise missing.in_path_field() from None


def write(path: str, data: Any, value: Any) -> Any:
    """`data` with `value` stored at reference path `path` (ResultPath semantics); `data` itself is not changed.

    Only the containers on the way to the written slot are copied: everything else is shared with `data`, which the
    engine never mutates.
    """
    segments = definite_segments(path)
    if segments is None or path.startswith("$$"):
        raise PathSyntaxError(f"{path!r} is not a reference path (only fields and single indexes may appear)")
    if not segments:
        return value
    result = _copy_container(data, path)
    container: Any = result
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if isinstance(segment, str):
            if not isinstance(container, dict):
                raise _match_failure(path, data)
            if last:
                container[segment] = value
            else:
                child = container.get(segment)
                container[segment] = {} if segment not in container else _copy_container(child, path, data)
                container = container[segment]
        else:
            if not isinstance(container, list) or not -len(container) <= segment < len(container):
                raise _match_failure(path, data)
            if last:
                container[segment] = value
            else:
                container[segment] = _copy_container(container[segment], path, data)
                container = container[segment]
    return result


def _copy_container(value: Any, path: str, data: Any = None) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    raise _match_failure(path, data if data is not None else value)


def _match_failure(path: str, data: Any) -> StatesError:
    return StatesError(
        "States.ResultPathMatchFailure",
        f"Unable to apply ResultPath '{path}' to input '{limits.to_json(data)}'",
        located=True,
    )

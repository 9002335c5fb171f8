"""JSONPath as Step Functions uses it, evaluated by jsonpath-ng (its extended parser, for filters like `[?(@.a > 1)]`).

What this module adds on top of the library is only Step Functions' rules around it:
- `$$...` reads the context object instead of the state's data;
- a *definite* path (fields and single indexes only) yields one value and fails with States.Runtime when it matches
  nothing; any other path (wildcards, slices, filters, unions, `..`) yields the list of matches, as Jayway does in AWS;
- a *reference path* (ResultPath) must be definite; writing through it copies the input, creates missing objects on
  the way and fails with States.ResultPathMatchFailure when something on the way is not an object/array.

Plain field paths (`$`, `$.job`, `$$.Map.Item.Value`: dots and identifier names only), which are nearly every path a
definition holds, are read and written without the library: importing and building it is a large share of a small
run's start-up, and walking its match objects a large share of a Map child's cost. Any other path goes to the library.
Both ways give the same values and the same errors (tests/unit/test_paths_plain.py holds them side by side).
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hpc.engine.errors import InvalidDefinition, StatesError

if TYPE_CHECKING:
    from jsonpath_ng import jsonpath

# `$` or `$$`, then `.name` steps; a name as jsonpath-ng's lexer reads an identifier, minus `-` and `@`, which it
# reads specially in places, and minus its reserved words.
_PLAIN_PATH = re.compile(r"\$\$?((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_RESERVED_NAMES = frozenset({"where", "wherenot"})


class PathSyntaxError(InvalidDefinition):
    """A string that should be a JSONPath does not parse."""


@lru_cache(maxsize=4096)
def plain_fields(path: str) -> tuple[str, ...] | None:
    """The field names of a plain field path (`$.a.b` -> ("a", "b"), `$` -> ()), or None for any other path."""
    match = _PLAIN_PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None:
        return None
    names = tuple(match.group(1).split(".")[1:])
    return None if _RESERVED_NAMES.intersection(names) else names


def check(path: str) -> None:
    """PathSyntaxError unless `path` is a JSONPath; a plain field path is valid without consulting the library."""
    if plain_fields(path) is None:
        compile_path(path)


@lru_cache(maxsize=1)
def _parser() -> Any:
    # One parser for the process: building one per path (what `jsonpath_ng.ext.parse` does) reloads its tables.
    from jsonpath_ng._ply import lex as ply_lex
    from jsonpath_ng.exceptions import JsonPathLexerError
    from jsonpath_ng.ext.parser import ExtendedJsonPathLexer, ExtendedJsonPathParser

    class BuiltOnceLexer(ExtendedJsonPathLexer):  # type: ignore[misc]
        """The library's lexer, but PLY's tables are built once per process and cloned per path.

        jsonpath-ng rebuilds the PLY lexer (compiling its regular expressions) for every path it parses: ~0.4 ms
        each, a noticeable share of a small local run's start-up. The token rules keep no state on the lexer object
        (they use `t.lexer`), so a clone per path behaves exactly like a fresh build.
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
def compile_path(path: str) -> jsonpath.JSONPath:
    """The parsed expression for a `$...` path (a `$$...` context path is parsed without its first `$`)."""
    from jsonpath_ng.exceptions import JSONPathError

    if not isinstance(path, str) or not path.startswith("$"):
        raise PathSyntaxError(f"{path!r} is not a JSONPath (it must start with '$')")
    text = path[1:] if path.startswith("$$") else path
    try:
        return _parser().parse(text)
    except (JSONPathError, ValueError, TypeError, AttributeError) as error:
        raise PathSyntaxError(f"{path!r} is not a valid JSONPath: {error}") from None


def _segments(expression: jsonpath.JSONPath) -> list[jsonpath.JSONPath] | None:
    from jsonpath_ng import jsonpath

    """Root-to-leaf segments of a definite path, or None when the path can match more than one value."""
    if isinstance(expression, jsonpath.Root):
        return []
    if isinstance(expression, jsonpath.Child):
        left = _segments(expression.left)
        right = _segments(expression.right)
        return None if left is None or right is None else left + right
    if isinstance(expression, jsonpath.Fields) and len(expression.fields) == 1 and expression.fields[0] != "*":
        return [expression]
    if isinstance(expression, jsonpath.Index) and len(getattr(expression, "indices", (None, None))) == 1:
        return [expression]
    return None


@lru_cache(maxsize=4096)
def _path_segments(path: str) -> tuple[jsonpath.JSONPath, ...] | None:
    segments = _segments(compile_path(path))
    return None if segments is None else tuple(segments)


def is_definite(path: str) -> bool:
    return plain_fields(path) is not None or _path_segments(path) is not None


def is_context_path(path: str) -> bool:
    return path.startswith("$$")


def read(path: str, data: Any, context: dict[str, Any] | None = None, *, field: str | None = None) -> Any:
    """The value at `path` in `data` (or in `context` for `$$` paths); States.Runtime if a definite path is absent."""
    source = context if is_context_path(path) else data
    fields = plain_fields(path)
    if fields is not None:
        value = source
        for name in fields:
            if not isinstance(value, dict) or name not in value:
                raise _not_found(path, source, field)
            value = value[name]
        return value
    matches = compile_path(path).find(source)
    if _path_segments(path) is None:
        return [match.value for match in matches]
    if not matches:
        raise _not_found(path, source, field)
    return matches[0].value


def _not_found(path: str, source: Any, field: str | None) -> StatesError:
    where = f"the field '{field}'" if field else "a path"
    return StatesError(
        "States.Runtime",
        f"The JSONPath '{path}' specified for {where} could not be found in the input '{_preview(source)}'",
    )


def write(path: str, data: Any, value: Any) -> Any:
    """`data` with `value` stored at reference path `path` (ResultPath semantics); `data` itself is not changed."""
    steps = _reference_steps(path)
    if not steps:
        return value
    result = copy.deepcopy(data)
    container: Any = result
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        if isinstance(step, str):
            key = step
            if not isinstance(container, dict):
                raise _match_failure(path, data)
            if last:
                container[key] = value
            else:
                container = container.setdefault(key, {})
        else:
            index = step
            if not isinstance(container, list) or not -len(container) <= index < len(container):
                raise _match_failure(path, data)
            if last:
                container[index] = value
            else:
                container = container[index]
    return result


@lru_cache(maxsize=4096)
def _reference_steps(path: str) -> tuple[str | int, ...]:
    """A reference path's steps: field names and single indexes, root to leaf."""
    fields = plain_fields(path)
    if fields is not None and not is_context_path(path):
        return fields
    from jsonpath_ng import jsonpath

    segments = _path_segments(path)
    if segments is None:
        raise PathSyntaxError(f"{path!r} is not a reference path (only fields and single indexes may appear)")
    # A definite path's segments are single-field Fields and single-index Index objects (see _segments).
    steps: list[str | int] = []
    for segment in segments:
        single: Any = segment
        steps.append(single.fields[0] if isinstance(segment, jsonpath.Fields) else single.indices[0])
    return tuple(steps)


def _match_failure(path: str, data: Any) -> StatesError:
    return StatesError(
        "States.ResultPathMatchFailure",
        f"Unable to apply ResultPath '{path}' to input '{_preview(data)}'",
    )


def _preview(value: Any, limit: int = 200) -> str:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."

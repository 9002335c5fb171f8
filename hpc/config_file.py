"""Reads a Pulumi stack file (`Pulumi.<stack>.yaml`): the plain form Pulumi writes without PyYAML, the rest with it.

Importing PyYAML costs about as much as the rest of a small local run's start-up, and a stack file is nearly always
what `pulumi config set` writes: comment lines, and `key: value` lines at the top level or indented two spaces under
`config:`, each value a plain number, `true`/`false`, a simple word, `[]` or a quoted string without escapes. `parse`
reads exactly that form itself and hands every other file to PyYAML, so the result is always what `yaml.safe_load` gives
(tests/unit/test_config_file.py checks the two side by side, on generated files too).
"""

from __future__ import annotations

import re
from typing import Any


class InvalidYaml(ValueError):
    """The file is not valid YAML."""


_KEY = r"[A-Za-z_][A-Za-z0-9_.:/-]*(?<!:)"  # no leading digit: YAML reads 1:20 as a number
_LINE = re.compile(rf"(?P<indent>(?:  )?)(?P<key>{_KEY}):(?: +(?P<value>\S(?:.*\S)?))? *")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
# Plain words YAML 1.1 (PyYAML) reads as something other than a string; true and false are read here as booleans.
_NOT_STRINGS = frozenset(
    {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "True", "TRUE", "False", "FALSE"}
    | {"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL"}
)


def parse(text: str) -> Any:
    """The document in `text`, as `yaml.safe_load` reads it; InvalidYaml if it is not YAML."""
    document = _plain(text)
    if document is not _DECLINED:
        return document
    import yaml  # only for files outside the plain form

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidYaml(_one_line(error)) from None


def _one_line(error: Any) -> str:
    """PyYAML's message on one line: the problem and where (its own text spans lines, with a snippet of the file)."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{getattr(error, 'problem', None) or ' '.join(str(error).split())}{where}"


_DECLINED: Any = object()


def _plain(text: str) -> Any:
    """The document if `text` is in the plain form, else _DECLINED."""
    if "\t" in text or "\r" in text:
        return _DECLINED
    document: dict[str, Any] = {}
    section: dict[str, Any] | None = None  # the mapping that lines indented under a `key:` line belong to
    for line in text.split("\n"):
        if not line.strip() or line.lstrip(" ").startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None or match.group("key") in _NOT_STRINGS or match.group("key") in ("true", "false"):
            return _DECLINED
        key, raw = match.group("key"), match.group("value")
        value = None if raw is None else _scalar(raw)
        if value is _DECLINED:
            return _DECLINED
        if match.group("indent"):
            if section is None or raw is None:
                return _DECLINED
            section[key] = value
        elif raw is None:
            section = document[key] = {}
        else:
            section = None
            document[key] = value
    if not document:
        return None  # YAML reads a file of comments and blank lines as null
    if {} in document.values():
        return _DECLINED  # `key:` with nothing under it is null in YAML, not an empty mapping
    return document


def _scalar(raw: str) -> Any:
    if _INTEGER.fullmatch(raw):
        return int(raw)
    if _FLOAT.fullmatch(raw):
        return float(raw)
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "[]":
        return []  # an empty list setting (dataBuckets' default)
    if _WORD.fullmatch(raw) and raw not in _NOT_STRINGS:
        return raw
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and not set(raw[1:-1]) & set('"\\'):
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == "'" and "'" not in raw[1:-1]:
        return raw[1:-1]
    return _DECLINED

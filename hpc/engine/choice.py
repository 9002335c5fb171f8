"""Choice state rules: And / Or / Not over the String*, Numeric*, Boolean* comparators (each with its `...Path`
form), StringMatches, and IsNull / IsPresent / IsNumeric / IsString / IsBoolean.

Timestamp comparators, IsTimestamp and JSONata `Condition` are refused up front (UnsupportedDefinition). A rule whose
Variable is missing fails with States.Runtime (except IsPresent); a comparator against a value of another type is
simply false, as in AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hpc.engine import paths
from hpc.engine.errors import InvalidDefinition, StatesError, UnsupportedDefinition


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(value: str, pattern: str) -> bool:
    # '*' is a wildcard, '\*' a literal star, '\\' a literal backslash.
    regex = "".join(
        ".*" if token == "*" else re.escape(token[1:] if token.startswith("\\") else token)
        for token in re.findall(r"\\\\|\\\*|\*|[^*\\]+|\\", pattern)
    )
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


_COMPARISONS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], bool]]] = {
    "StringEquals": (_is_string, lambda a, b: a == b),
    "StringLessThan": (_is_string, lambda a, b: a < b),
    "StringGreaterThan": (_is_string, lambda a, b: a > b),
    "StringLessThanEquals": (_is_string, lambda a, b: a <= b),
    "StringGreaterThanEquals": (_is_string, lambda a, b: a >= b),
    "StringMatches": (_is_string, _matches),
    "NumericEquals": (_is_number, lambda a, b: a == b),
    "NumericLessThan": (_is_number, lambda a, b: a < b),
    "NumericGreaterThan": (_is_number, lambda a, b: a > b),
    "NumericLessThanEquals": (_is_number, lambda a, b: a <= b),
    "NumericGreaterThanEquals": (_is_number, lambda a, b: a >= b),
    "BooleanEquals": (_is_boolean, lambda a, b: a == b),
}
_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": _is_string,
    "IsBoolean": _is_boolean,
}
COMPARATORS = (
    set(_COMPARISONS)
    | {name + "Path" for name in _COMPARISONS if name != "StringMatches"}
    | set(_TYPE_TESTS)
    | {"IsPresent"}
)
_RULE_FIELDS = {"Variable", "Next", "Comment", "And", "Or", "Not"} | COMPARATORS


def check_rule(rule: Any, where: str, *, top_level: bool) -> None:
    if not isinstance(rule, dict):
        raise InvalidDefinition(f"{where}: a choice rule must be an object")
    for key in rule:
        if key not in _RULE_FIELDS:
            raise UnsupportedDefinition(f"{where}.{key}: not emulated by the local engine")
    if top_level and "Next" not in rule:
        raise InvalidDefinition(f"{where}: a top-level choice rule needs Next")
    if not top_level and "Next" in rule:
        raise InvalidDefinition(f"{where}.Next: only top-level choice rules have Next")
    combinators = [key for key in ("And", "Or", "Not") if key in rule]
    comparators = [key for key in rule if key in COMPARATORS]
    if len(combinators) + len(comparators) != 1:
        raise InvalidDefinition(f"{where}: a choice rule needs exactly one comparator or And/Or/Not")
    if combinators:
        name = combinators[0]
        children = [rule[name]] if name == "Not" else rule[name]
        if not isinstance(children, list) or not children:
            raise InvalidDefinition(f"{where}.{name}: needs a non-empty array of rules")
        for position, child in enumerate(children):
            check_rule(child, f"{where}.{name}" + ("" if name == "Not" else f"[{position}]"), top_level=False)
        return
    if "Variable" not in rule:
        raise InvalidDefinition(f"{where}: a comparator needs Variable")
    name = comparators[0]
    for key in ("Variable", name) if name.endswith("Path") else ("Variable",):
        try:
            paths.check(rule[key])
        except InvalidDefinition as error:
            raise InvalidDefinition(f"{where}.{key}: {error}") from None


def evaluate(rule: dict[str, Any], data: Any, context: dict[str, Any]) -> bool:
    if "And" in rule:
        return all(evaluate(child, data, context) for child in rule["And"])
    if "Or" in rule:
        return any(evaluate(child, data, context) for child in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], data, context)
    name = next(key for key in rule if key in COMPARATORS)
    variable = rule["Variable"]
    if name == "IsPresent":
        try:
            paths.read(variable, data, context)
        except StatesError:
            return not rule[name]
        return bool(rule[name])
    value = paths.read(variable, data, context, field="Variable")
    if name in _TYPE_TESTS:
        return _TYPE_TESTS[name](value) == rule[name]
    if name.endswith("Path"):
        base = name[: -len("Path")]
        expected = paths.read(rule[name], data, context, field=name)
    else:
        base, expected = name, rule[name]
    accepts, compare = _COMPARISONS[base]
    return accepts(value) and accepts(expected) and compare(value, expected)

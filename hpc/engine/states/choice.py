"""Choice states: the first rule that matches names the next state, else Default, else States.NoChoiceMatched.

Rules: And / Or / Not over the String*, Numeric*, Boolean* and Timestamp* comparators (each with its `...Path` form),
StringMatches, and IsNull / IsPresent / IsNumeric / IsString / IsBoolean / IsTimestamp. Timestamps are RFC 3339
strings (`2016-03-14T01:59:00Z`, uppercase T, a `Z` or an offset, optional fraction) compared as instants. A rule
whose Variable is missing fails with States.Runtime (except IsPresent), worded as AWS words it; a comparator against
a value of another type (or a string that is not a timestamp) is simply false, as in AWS. The state's output is its
effective input through OutputPath.

The rule taken may Assign variables (reading the state's effective input); with no rule taken, the state's own Assign
applies with Default. In JSONata, a rule is a `Condition` (an expression that must give true or false) and may have
its own `Output` (by default the state's Output, else its input).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from hpc.engine import checks, dataflow, jsonata_language, paths, variables
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.interpreter import Context, Execution, Interpreter

FIELDS = checks.IO | {"Choices", "Default", "Assign"}
JSONATA_FIELDS = frozenset({"Choices", "Default", "Assign", "Output"})


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


def _is_timestamp(value: Any) -> bool:
    return checks.parse_timestamp(value) is not None


def _instants(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: compare(checks.parse_timestamp(a), checks.parse_timestamp(b))


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
    "TimestampEquals": (_is_timestamp, _instants(lambda a, b: a == b)),
    "TimestampLessThan": (_is_timestamp, _instants(lambda a, b: a < b)),
    "TimestampGreaterThan": (_is_timestamp, _instants(lambda a, b: a > b)),
    "TimestampLessThanEquals": (_is_timestamp, _instants(lambda a, b: a <= b)),
    "TimestampGreaterThanEquals": (_is_timestamp, _instants(lambda a, b: a >= b)),
}
_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": _is_string,
    "IsBoolean": _is_boolean,
    "IsTimestamp": _is_timestamp,
}
COMPARATORS = (
    set(_COMPARISONS)
    | {name + "Path" for name in _COMPARISONS if name != "StringMatches"}
    | set(_TYPE_TESTS)
    | {"IsPresent"}
)
_RULE_FIELDS = {"Variable", "Next", "Comment", "And", "Or", "Not", "Assign"} | COMPARATORS
_JSONATA_RULE_FIELDS = {"Condition", "Next", "Comment", "Assign", "Output"}


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        raise InvalidDefinition(f"{where}.Choices: must be a non-empty array")
    for position, rule in enumerate(rules):
        here = f"{where}.Choices[{position}]"
        if dataflow.is_jsonata(state):
            checks.only(checks.obj(rule, here), _JSONATA_RULE_FIELDS, here)
            if "Condition" not in rule or "Next" not in rule:
                raise InvalidDefinition(f"{here}: a JSONata choice rule needs Condition and Next")
            jsonata_language.check(rule, here)
        else:
            check_rule(rule, here, top_level=True)
        if "Assign" in rule:
            variables.check_assign(rule["Assign"], f"{here}.Assign")
        checks.state_name(rule["Next"], f"{here}.Next", states)
    if "Default" in state:
        checks.state_name(state["Default"], f"{where}.Default", states)


def check_rule(rule: Any, where: str, *, top_level: bool) -> None:
    if not isinstance(rule, dict):
        raise InvalidDefinition(f"{where}: a choice rule must be an object")
    for key in rule:
        if key not in _RULE_FIELDS:
            raise checks.unsupported(f"{where}.{key}")
    if not top_level and "Assign" in rule:
        raise InvalidDefinition(f"{where}.Assign: only top-level choice rules assign variables")
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
        checks.path(rule[key], f"{where}.{key}")
    if name.startswith("Timestamp") and not name.endswith("Path") and not _is_timestamp(rule[name]):
        raise InvalidDefinition(f"{where}.{name}: {rule[name]!r} is not an RFC 3339 timestamp")


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    context = interpreter.context(execution, name)
    if dataflow.is_jsonata(state):
        return _run_jsonata(name, state, raw, context)
    effective = dataflow.input_path(state, raw, context)
    for rule in state["Choices"]:
        if evaluate(rule, effective, context):
            dataflow.assign_jsonpath(name, rule, effective, context)
            return rule["Next"], dataflow.output(name, state, effective, context)
    if "Default" in state:
        dataflow.assign_jsonpath(name, state, effective, context)
        return state["Default"], dataflow.output(name, state, effective, context)
    raise StatesError("States.NoChoiceMatched", f"No Choice rule matched in state '{name}' and no Default")


def _run_jsonata(name: str, state: dict[str, Any], raw: Any, context: Context) -> tuple[str | None, Any]:
    bindings = dataflow.jsonata_bindings(raw, context)
    for position, rule in enumerate(state["Choices"]):
        field = f"Choices[{position}].Condition"
        matched = jsonata_language.evaluate(rule["Condition"], bindings, field)
        if not isinstance(matched, bool):
            raise StatesError(
                "States.QueryEvaluationError",
                f"The Condition '{rule['Condition']}' of {field} must give a boolean, got {matched!r}",
                located=True,
            )
        if matched:
            fields = (
                {"Output": rule.get("Output", state.get("Output"))} if "Output" in rule or "Output" in state else {}
            )
            if "Assign" in rule:
                fields["Assign"] = rule["Assign"]
            return rule["Next"], dataflow.jsonata_finish(name, fields, bindings, raw, context)
    if "Default" in state:
        return state["Default"], dataflow.jsonata_finish(name, state, bindings, raw, context)
    raise StatesError("States.NoChoiceMatched", f"No Choice rule matched in state '{name}' and no Default")


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
        except paths.PathMissing:
            return not rule[name]
        return bool(rule[name])
    value = _read(variable, data, context)
    if name in _TYPE_TESTS:
        return _TYPE_TESTS[name](value) == rule[name]
    if name.endswith("Path"):
        base = name[: -len("Path")]
        expected = _read(rule[name], data, context)
    else:
        base, expected = name, rule[name]
    accepts, compare = _COMPARISONS[base]
    return accepts(value) and accepts(expected) and compare(value, expected)


def _read(path: str, data: Any, context: dict[str, Any]) -> Any:
    try:
        return paths.read(path, data, context)
    except paths.PathMissing:
        raise StatesError(
            "States.Runtime",
            f"Invalid path '{path}': The choice state's condition path references an invalid value.",
            located=True,
        ) from None

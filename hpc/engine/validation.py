"""Checks a definition before anything runs: every state kind and field must be one the local engine emulates.

This module checks what all machines and states share: the top level (StartAt, States, Comment, Version,
QueryLanguage JSONPath or JSONata, TimeoutSeconds refused), each state's Type, its allowed fields (which depend on its
query language), Next/End, InputPath/OutputPath/ResultPath, Parameters/ResultSelector/Assign templates or JSONata
expressions, Retry and Catch. Then the state's own module
(hpc.engine.states.<kind>) checks the fields of its kind. A field that AWS accepts but the engine does not emulate is
refused with UnsupportedDefinition naming its full path; a structural mistake (a Next to no state, a missing End, a
bad path) raises InvalidDefinition.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NamedTuple

from hpc.engine import checks, jsonata_language, variables
from hpc.engine.errors import InvalidDefinition
from hpc.engine.states import KINDS

_RETRIER = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
}
_CATCHER = {"ErrorEquals", "Next", "ResultPath", "Comment", "Assign"}
_JSONATA_CATCHER = {"ErrorEquals", "Next", "Comment", "Output", "Assign"}
# Fields that hold JSONata templates in a JSONata state (each checked for expressions that do not parse).
_JSONATA_TEMPLATES = ("Arguments", "Output", "Assign", "Items", "ItemSelector", "MaxConcurrency", "Seconds")
_JSONATA_TEMPLATES_MORE: tuple[str, ...] = ("Timestamp", "Error", "Cause", "ItemReader", "ItemBatcher", "ResultWriter")
_JSONATA_TEMPLATES_MORE += ("ToleratedFailurePercentage", "ToleratedFailureCount")


def with_query_language(definition: Any) -> Any:
    """The definition with the top level's QueryLanguage written into every state it governs (nested machines
    included), so each state says which language it uses; the definition itself is not changed."""
    if not isinstance(definition, dict) or definition.get("QueryLanguage") != "JSONata":
        return definition
    return _spread(copy.deepcopy(definition), "JSONata")


def _spread(machine: Any, language: str) -> Any:
    if isinstance(machine, dict) and isinstance(machine.get("States"), dict):
        for state in machine["States"].values():
            if not isinstance(state, dict):
                continue
            state.setdefault("QueryLanguage", language)
            for nested in state.get("Branches", []) if isinstance(state.get("Branches"), list) else []:
                _spread(nested, language)
            for key in ("ItemProcessor", "Iterator"):
                _spread(state.get(key), language)
    return machine


def validate(definition: Any, functions: Mapping[str, str]) -> None:
    """InvalidDefinition / UnsupportedDefinition for anything the engine cannot run exactly as AWS would."""
    Checker(functions).machine(definition, "", nested=False)
    _languages(definition, "", "JSONPath")


class Checker(NamedTuple):
    """What a state kind's `check` needs: the functions the engine knows, and checking nested machines.

    `in_distributed_child` is true inside a Distributed Map's ItemProcessor, where another Distributed Map is not
    emulated (its children already run in worker processes).
    """

    functions: Mapping[str, str]
    in_distributed_child: bool = False

    def machine(self, definition: Any, where: str, *, nested: bool, extra: frozenset[str] = frozenset()) -> None:
        definition = checks.obj(definition, where or "definition")
        prefix = f"{where}." if where else ""
        allowed = {"StartAt", "States", "Comment"} | extra | (set() if nested else {"Version", "QueryLanguage"})
        checks.only(definition, allowed, where)
        _query_language(definition, where)
        states = checks.obj(definition.get("States"), f"{prefix}States")
        if not states:
            raise InvalidDefinition(f"{prefix}States: needs at least one state")
        if definition.get("StartAt") not in states:
            raise InvalidDefinition(f"{prefix}StartAt: {definition.get('StartAt')!r} is not a state in {prefix}States")
        for name, state in states.items():
            self.state(checks.obj(state, f"{prefix}States.{name}"), f"{prefix}States.{name}", states)

    def state(self, state: dict[str, Any], where: str, states: Mapping[str, Any]) -> None:
        kind = KINDS.get(state.get("Type"))  # type: ignore[arg-type]
        if kind is None:
            raise checks.unsupported(f"{where}.Type", f"state type {state.get('Type')!r} is not emulated")
        _query_language(state, where)
        jsonata = state.get("QueryLanguage") == jsonata_language.NAME
        own, other = (kind.JSONATA_FIELDS, kind.FIELDS) if jsonata else (kind.FIELDS, kind.JSONATA_FIELDS)
        for key in state:
            if key in other and key not in own:
                language = "JSONata" if jsonata else "JSONPath"
                raise InvalidDefinition(f"{where}.{key}: not a field of a {state['Type']} state using {language}")
        checks.only(state, checks.COMMON | own, where)
        if "Next" in kind.FIELDS:
            if ("Next" in state) == (state.get("End") is True):
                raise InvalidDefinition(f'{where}: needs exactly one of Next or "End": true')
            if "Next" in state:
                checks.state_name(state["Next"], f"{where}.Next", states)
        if "Assign" in state:
            variables.check_assign(state["Assign"], f"{where}.Assign")
        if jsonata:
            for key in _JSONATA_TEMPLATES + _JSONATA_TEMPLATES_MORE:
                if key in state:
                    jsonata_language.check(state[key], f"{where}.{key}")
        else:
            for key in ("InputPath", "OutputPath"):
                if state.get(key) is not None:
                    checks.path(state[key], f"{where}.{key}")
            if state.get("ResultPath") is not None:
                checks.reference_path(state["ResultPath"], f"{where}.ResultPath")
            for key in ("Parameters", "ResultSelector", "Assign"):
                if key in state:
                    checks.template(state[key], f"{where}.{key}")
        if "Retry" in state:
            _retriers(state["Retry"], f"{where}.Retry")
        if "Catch" in state:
            _catchers(state["Catch"], f"{where}.Catch", states, jsonata=jsonata)
        kind.check(state, where, states, self)


def _query_language(mapping: Mapping[str, Any], where: str) -> None:
    if mapping.get("QueryLanguage", "JSONPath") not in ("JSONPath", jsonata_language.NAME):
        field = f"{where}.QueryLanguage" if where else "QueryLanguage"
        raise InvalidDefinition(f"{field}: must be JSONPath or JSONata, got {mapping['QueryLanguage']!r}")


def _languages(machine: Any, where: str, inherited: str) -> None:
    """AWS lets a state switch from JSONPath to JSONata, never back under a JSONata machine."""
    language = machine.get("QueryLanguage", inherited) if isinstance(machine, dict) else inherited
    for name, state in machine.get("States", {}).items():
        here = f"{where}.States.{name}" if where else f"States.{name}"
        if language == jsonata_language.NAME and state.get("QueryLanguage") == "JSONPath":
            raise InvalidDefinition(f"{here}.QueryLanguage: a state cannot use JSONPath in a JSONata state machine")
        for position, branch in enumerate(state.get("Branches", [])):
            _languages(branch, f"{here}.Branches[{position}]", language)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                _languages(state[key], f"{here}.{key}", language)


def _error_equals(rule: dict[str, Any], where: str, last: bool) -> None:
    names = rule.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InvalidDefinition(f"{where}.ErrorEquals: must be a non-empty array of error names")
    if "States.ALL" in names and (len(names) != 1 or not last):
        raise InvalidDefinition(f"{where}.ErrorEquals: States.ALL must appear alone, in the last rule")


def _retriers(retriers: Any, where: str) -> None:
    if not isinstance(retriers, list):
        raise InvalidDefinition(f"{where}: must be an array")
    for position, retrier in enumerate(retriers):
        here = f"{where}[{position}]"
        checks.only(checks.obj(retrier, here), _RETRIER, here)
        _error_equals(retrier, here, position == len(retriers) - 1)
        checks.number(retrier, "IntervalSeconds", here, minimum=1, integer=True)
        checks.number(retrier, "MaxAttempts", here, minimum=0, integer=True)
        checks.number(retrier, "BackoffRate", here, minimum=1.0)
        checks.number(retrier, "MaxDelaySeconds", here, minimum=1, integer=True)
        if retrier.get("JitterStrategy", "NONE") not in ("FULL", "NONE"):
            raise InvalidDefinition(f"{here}.JitterStrategy: must be FULL or NONE")


def _catchers(catchers: Any, where: str, states: Mapping[str, Any], *, jsonata: bool) -> None:
    if not isinstance(catchers, list):
        raise InvalidDefinition(f"{where}: must be an array")
    for position, catcher in enumerate(catchers):
        here = f"{where}[{position}]"
        checks.only(checks.obj(catcher, here), _JSONATA_CATCHER if jsonata else _CATCHER, here)
        _error_equals(catcher, here, position == len(catchers) - 1)
        checks.state_name(catcher.get("Next"), f"{here}.Next", states)
        if "Assign" in catcher:
            variables.check_assign(catcher["Assign"], f"{here}.Assign")
        if jsonata:
            jsonata_language.check({k: v for k, v in catcher.items() if k in ("Output", "Assign")}, here)
        elif catcher.get("ResultPath") is not None:
            checks.reference_path(catcher["ResultPath"], f"{here}.ResultPath")
        if not jsonata and "Assign" in catcher:
            checks.template(catcher["Assign"], f"{here}.Assign")

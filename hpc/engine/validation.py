"""Checks a definition before anything runs: every state kind and field must be one the local engine emulates.

This module checks what all machines and states share: the top level (StartAt, States, Comment, Version,
QueryLanguage, TimeoutSeconds refused), each state's Type, its allowed fields, Next/End, InputPath/OutputPath/
ResultPath, Parameters/ResultSelector templates, Retry and Catch. Then the state's own module
(hpc.engine.states.<kind>) checks the fields of its kind. A field that AWS accepts but the engine does not emulate is
refused with UnsupportedDefinition naming its full path; a structural mistake (a Next to no state, a missing End, a
bad path) raises InvalidDefinition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hpc.engine import checks
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
_CATCHER = {"ErrorEquals", "Next", "ResultPath", "Comment"}


def validate(definition: Any, functions: Mapping[str, str]) -> None:
    """InvalidDefinition / UnsupportedDefinition for anything the engine cannot run exactly as AWS would."""
    Checker(functions).machine(definition, "", nested=False)


@dataclass(frozen=True)
class Checker:
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
        checks.only(state, checks.COMMON | kind.FIELDS, where)
        _query_language(state, where)
        if "Next" in kind.FIELDS:
            if ("Next" in state) == (state.get("End") is True):
                raise InvalidDefinition(f'{where}: needs exactly one of Next or "End": true')
            if "Next" in state:
                checks.state_name(state["Next"], f"{where}.Next", states)
        for key in ("InputPath", "OutputPath"):
            if state.get(key) is not None:
                checks.path(state[key], f"{where}.{key}")
        if state.get("ResultPath") is not None:
            checks.reference_path(state["ResultPath"], f"{where}.ResultPath")
        for key in ("Parameters", "ResultSelector"):
            if key in state:
                checks.template(state[key], f"{where}.{key}")
        if "Retry" in state:
            _retriers(state["Retry"], f"{where}.Retry")
        if "Catch" in state:
            _catchers(state["Catch"], f"{where}.Catch", states)
        kind.check(state, where, states, self)


def _query_language(mapping: Mapping[str, Any], where: str) -> None:
    if mapping.get("QueryLanguage", "JSONPath") != "JSONPath":
        raise checks.unsupported(f"{where}.QueryLanguage" if where else "QueryLanguage", "only JSONPath is emulated")


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


def _catchers(catchers: Any, where: str, states: Mapping[str, Any]) -> None:
    if not isinstance(catchers, list):
        raise InvalidDefinition(f"{where}: must be an array")
    for position, catcher in enumerate(catchers):
        here = f"{where}[{position}]"
        checks.only(checks.obj(catcher, here), _CATCHER, here)
        _error_equals(catcher, here, position == len(catchers) - 1)
        checks.state_name(catcher.get("Next"), f"{here}.Next", states)
        if catcher.get("ResultPath") is not None:
            checks.reference_path(catcher["ResultPath"], f"{here}.ResultPath")

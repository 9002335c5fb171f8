"""Workflow variables (`Assign`, read as `$name`), in both query languages, scoped as AWS scopes them.

A state machine's top-level states share one scope. Each Parallel branch and each inline Map iteration runs in a
scope of its own that reads the enclosing scopes but assigns only its own; a Distributed Map's child executions start
with no variables (pass values in through ItemSelector). A state's Assign is evaluated with the values from before
the state (all of its assignments at once), and takes effect when the state finishes.

Names: letters, digits and underscores, not starting with a digit, at most 80 characters; `states` is reserved.
In JSONPath states a variable is read by a path starting `$name` (`$name.field[0]`) in any `.$` field or intrinsic
argument; in JSONata states as `$name` in any expression.
"""

from __future__ import annotations

import re
from typing import Any

from hpc.engine import limits
from hpc.engine.errors import InvalidDefinition, StatesError

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")


class Scope:
    """The variables one machine (or branch, or iteration) sees."""

    __slots__ = ("parent", "values")

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = {}

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return True, scope.values[name]
            scope = scope.parent
        return False, None

    def visible(self) -> dict[str, Any]:
        """Every variable in scope, inner names hiding outer ones (for JSONata's bindings)."""
        outer = self.parent.visible() if self.parent is not None else {}
        return {**outer, **self.values} if self.values else outer

    def assign(self, values: dict[str, Any], state: str) -> None:
        if limits.payload_size(values) > limits.MAX_PAYLOAD_BYTES:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The variables assigned by state/task '{state}' exceed the maximum number of bytes service limit.",
            )
        self.values.update(values)


def check_assign(assign: Any, where: str) -> None:
    if not isinstance(assign, dict):
        raise InvalidDefinition(f"{where}: must be a JSON object of variable names and values")
    for key in assign:
        name = key[:-2] if key.endswith(".$") else key
        if not NAME.fullmatch(name) or name == "states":
            raise InvalidDefinition(
                f"{where}.{key}: a variable name is 1-80 letters, digits or underscores, not starting with a digit, "
                "and not 'states'"
            )

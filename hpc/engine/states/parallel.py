"""Parallel states: every branch runs on the same effective input (after InputPath and Parameters); the result is
the array of the branches' outputs, in branch order, then ResultSelector, ResultPath and OutputPath.

If a branch fails, the Parallel state fails with that branch's error and cause (Retry and Catch on the Parallel state
see it), as in AWS. Branches are whole state machines (StartAt, States) whose states may be of any kind the engine
emulates; they write into the execution's history, and `$$.Execution` inside them is the parent's.

Where it knowingly differs: locally the branches run one after the other, in order, not at the same time. The result
is the same; what differs is timing (Wait states in two branches add up instead of overlapping) and, when two branches
would fail, which error is reported (AWS reports the first to fail in time, the engine the first in branch order;
the branches after a failed one do not start).

Each branch has its own variable scope (it reads the enclosing variables, assigns only its own). In JSONata,
`Arguments` (by default the input) is what each branch gets and `Output` (by default `$states.result`) the output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import checks, dataflow, error_handling
from hpc.engine.errors import InvalidDefinition
from hpc.engine.interpreter import Context, Execution, Interpreter

FIELDS = (
    checks.FLOW | checks.IO | {"Branches", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch", "Assign"}
)
JSONATA_FIELDS = checks.FLOW | {"Branches", "Arguments", "Output", "Assign", "Retry", "Catch"}


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    branches = state.get("Branches")
    if not isinstance(branches, list) or not branches:
        raise InvalidDefinition(f"{where}.Branches: must be a non-empty array of state machines")
    for position, branch in enumerate(branches):
        checker.machine(branch, f"{where}.Branches[{position}]", nested=True)


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    def attempt(context: Context) -> Any:
        effective, bindings = dataflow.arguments(state, raw, context)
        execution.events += 1  # ParallelStateStarted
        result = [interpreter.branch(branch).run(execution, effective, use_input=False) for branch in state["Branches"]]
        execution.events += 1  # ParallelStateSucceeded
        return dataflow.conclude(name, state, raw, result, context, bindings)

    return error_handling.run(interpreter, name, state, raw, execution, entered, attempt)

"""Runs a state machine definition: walks from StartAt, handing each state to the module of its kind.

Each state kind lives in its own module under hpc.engine.states, holding both its definition checks and its
behaviour (Task, Pass, Choice, Wait, Parallel, Map, Succeed, Fail). This module holds what they share:
- the execution (`Execution`: what `$$.Execution` says, and a count of the history events AWS would have written,
  so that causes can name "the event id" at which a state was entered, as AWS's do);
- the context object (`$$`): `State` has EnteredTime and Name, plus RetryCount on the states that can retry (Task,
  Parallel, Map), as in AWS;
- the services the states need (`Runtime`: Lambda handlers, the Distributed Map runner, the clock).

Errors that the engine detects itself (a path that finds nothing, a failing reader...) get AWS's prefix "An error
occurred while executing the state 'X' (entered at the event id #N)." here, once, before Retry and Catch see them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hpc.engine import lambdas
from hpc.engine.clock import SecondText
from hpc.engine.errors import StatesError
from hpc.engine.variables import Scope

if TYPE_CHECKING:
    from datetime import datetime

ROLE_ARN = "arn:aws:iam::000000000000:role/local-engine"


_iso_second = SecondText("%Y-%m-%dT%H:%M:%S.")


def _utc_now() -> datetime:
    from datetime import UTC, datetime  # here, not at import: only Wait states and timestamp comparisons need it

    return datetime.now(UTC)


def timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 in UTC with milliseconds, the form Step Functions uses (2025-02-04T01:49:50.099Z)."""
    if moment is not None:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    now = time.time()
    second = int(now)
    return f"{_iso_second(second)}{int((now - second) * 1000):03d}Z"


class Execution:
    """What the context object says about one execution (a parent or a Map child), and its history's event count.

    `events` counts the history events AWS would have recorded so far (ExecutionStarted is event 1); the branches of a
    Parallel and the iterations of an inline Map write into their execution's history, so they share the counter.
    """

    # Plain classes here, not dataclasses: creating a dataclass runs generated code at import, which every run paid.
    __slots__ = ("name", "arn", "input", "state_machine_arn", "state_machine_name", "start_time", "events")

    def __init__(
        self,
        name: str,
        arn: str,
        input: Any,  # noqa: A002 - the context object's Execution.Input
        state_machine_arn: str,
        state_machine_name: str,
        start_time: str | None = None,
        events: int = 1,
    ) -> None:
        self.name = name
        self.arn = arn
        self.input = input
        self.state_machine_arn = state_machine_arn
        self.state_machine_name = state_machine_name
        self.start_time = timestamp() if start_time is None else start_time
        self.events = events


class Runtime:
    """Services the states need: handlers by FunctionName, delay scales, the Distributed Map runner and the clock.

    `wait_scale` multiplies the time a Wait state sleeps (1.0 waits as long as AWS would; 0 does not wait at all).
    """

    __slots__ = ("handlers", "retry_delay_scale", "run_map", "sleep", "wait_scale", "now")

    def __init__(
        self,
        handlers: dict[str, lambdas.Handler],
        retry_delay_scale: float = 1.0,
        run_map: Callable[[str, dict[str, Any], Any, Execution, Context], Any] | None = None,
        sleep: Callable[[float], None] = lambda seconds: time.sleep(seconds),
        wait_scale: float = 1.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.handlers = handlers
        self.retry_delay_scale = retry_delay_scale
        self.run_map = run_map
        self.sleep = sleep
        self.wait_scale = wait_scale
        self.now = _utc_now if now is None else now


class Context(dict[str, Any]):
    """The context object (`$$`), carrying the workflow variables in scope, which `$name` paths read."""

    __slots__ = ("variables",)
    variables: Scope | None

    def with_map_item(self, index: int, value: Any) -> Context:
        """This context plus `Map.Item`, as an ItemSelector sees it."""
        context = Context(self, Map={"Item": {"Index": index, "Value": value}})
        context.variables = self.variables
        return context


def context_object(
    execution: Execution, state_name: str, retry_count: int | None = None, variables: Scope | None = None
) -> Context:
    state: dict[str, Any] = {"EnteredTime": timestamp(), "Name": state_name}
    if retry_count is not None:
        state["RetryCount"] = retry_count
    context = Context(
        Execution={
            "Id": execution.arn,
            "Input": execution.input,
            "Name": execution.name,
            "RoleArn": ROLE_ARN,
            "StartTime": execution.start_time,
            "RedriveCount": 0,
        },
        State=state,
        StateMachine={"Id": execution.state_machine_arn, "Name": execution.state_machine_name},
    )
    context.variables = variables
    return context


class Interpreter:
    kinds: dict[str, Any] = {}  # hpc.engine.states.KINDS, set when that package is imported (it imports this module)

    def __init__(self, machine: dict[str, Any], runtime: Runtime, variables: Scope | None = None) -> None:
        self.machine = machine
        self.runtime = runtime
        self.retries = 0  # retries made by this run, nested machines included (a Map child's span reports them)
        self.parent: Interpreter | None = None
        self.variables = variables if variables is not None else Scope()

    def run(self, execution: Execution, data: Any = None, *, use_input: bool = True) -> Any:
        """The output of the machine run on `execution.input` (or on `data`); StatesError when it fails."""
        if use_input:
            data = execution.input
        states = self.machine["States"]
        name: str | None = self.machine["StartAt"]
        while name is not None:
            name, data = self.step(name, states[name], data, execution)
        return data

    def step(self, name: str, state: dict[str, Any], raw: Any, execution: Execution) -> tuple[str | None, Any]:
        """(next state name or None at the end, this state's output)."""
        execution.events += 1  # <Kind>StateEntered
        entered = execution.events
        try:
            outcome = self.kinds[state["Type"]].run(self, name, state, raw, execution, entered)
        except StatesError as error:
            raise error.at_state(name, entered) from None
        execution.events += 1  # <Kind>StateExited
        return outcome

    def context(self, execution: Execution, state_name: str, retry_count: int | None = None) -> Context:
        return context_object(execution, state_name, retry_count, self.variables)

    def branch(self, machine: dict[str, Any]) -> Interpreter:
        """An interpreter for a nested machine (a Parallel branch, an inline Map iteration) on the same runtime, in a
        variable scope of its own inside this one's."""
        nested = Interpreter(machine, self.runtime, Scope(self.variables))
        nested.parent = self
        return nested

    def count_retry(self) -> None:
        interpreter: Interpreter | None = self
        while interpreter is not None:
            interpreter.retries += 1
            interpreter = interpreter.parent

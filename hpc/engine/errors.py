"""The errors the local engine raises to its caller, and the error a running state reports.

Three kinds, kept apart on purpose:
- raised by `LocalEngine(...)` before anything runs: `InvalidDefinition` (the definition or the function map is wrong)
  and its subclass `UnsupportedDefinition` (valid for AWS, but a field or value this engine does not emulate);
- raised by `LocalEngine.run` before anything runs, as StartExecution would refuse it: `InvalidExecutionInput`,
  `InvalidName`;
- reported while running: `StatesError` is a Step Functions error (name + cause) that Retry and Catch see, and
  `EngineFault` is a failure of the local machinery itself (a worker process died), which no Catch may hide.
"""

from __future__ import annotations


class InvalidDefinition(ValueError):
    """The state machine definition (or the map of function names to handlers) is invalid."""


class UnsupportedDefinition(InvalidDefinition):
    """The definition uses a field or value the local engine does not emulate; the message names the field's path."""


class InvalidExecutionInput(ValueError):
    """The execution input is not JSON or exceeds 256 KiB, so StartExecution would refuse it."""


class InvalidName(ValueError):
    """The execution name is not one StartExecution accepts."""


class StatesError(Exception):
    """A Step Functions error raised while a state runs: `error` is what ErrorEquals matches, `cause` its detail.

    `located` marks an error the engine itself detected while evaluating the state (a path that finds nothing, a
    reader that fails): AWS prefixes such causes with "An error occurred while executing the state 'X' (entered at
    the event id #N).", which only the interpreter knows; it adds the prefix once (see `at_state`).
    """

    def __init__(self, error: str | None, cause: str | None = None, *, located: bool = False) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.located = located

    def at_state(self, state: str, entered_event: int) -> StatesError:
        """This error with AWS's prefix naming the state, when it is one the engine located; else itself."""
        if not self.located:
            return self
        prefix = f"An error occurred while executing the state '{state}' (entered at the event id #{entered_event})."
        return StatesError(self.error, f"{prefix} {self.cause}" if self.cause else prefix)


class EngineFault(Exception):
    """The local machinery failed (e.g. a worker process died); ends the execution, bypassing Retry and Catch."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


# Errors that States.ALL and States.TaskFailed do not match (AWS: "terminal" errors).
TERMINAL_ERRORS = frozenset({"States.DataLimitExceeded", "States.Runtime"})

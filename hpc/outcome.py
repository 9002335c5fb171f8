"""How an `hpc` command ends: its exit statuses (documented in the README) and the errors that choose them.

A command returns an exit status, or raises one of these; hpc/cli.py turns each into one line
`error: <Name>: <what to change>` on stderr and its exit status, never a traceback. New kinds of refusal subclass
Refused (exit 2) or Failed (exit 1) and need no other change.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the run failed (its error and cause are printed, never a partial total)
EXIT_USAGE = 2  # the command line, the input or a setting was refused; nothing was started
EXIT_INCOMPLETE = 3  # finished with failures inside toleratedFailurePercentage: the printed result is partial
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): the run, its workers (or its cloud execution) were stopped
EXIT_CLOSED_OUTPUT = 141  # the reader of the output went away (`hpc ... | head -1`): 128 + SIGPIPE, as Unix tools
EXIT_TERMINATED = 143  # SIGTERM (what `timeout` and `kill` send): stopped and cleaned up as for Ctrl-C


class Refused(ValueError):
    """Base of every refusal: the input, a setting or the command line cannot be run as given. Exit 2, nothing
    started. Subclasses name the kind (InvalidSettings, InvalidExecutionInput, ...): the name is printed."""


class UsageError(Refused):
    """The command line cannot be run as given: a bad option, or one that does nothing in the chosen mode."""


class Failed(RuntimeError):
    """Base of errors of a command that started and could not finish (e.g. AWS could not be reached). Exit 1."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so it unwinds (workers stopped, temporary files removed) like Ctrl-C."""

"""The `hpc` command: run a job locally or on the deployed stack, or estimate what a run costs.

This module is the entry point and the one way every command ends (hpc/outcome.py lists the exit statuses): a refusal
of any kind is one line `error: <Name>: <what to change>` and exit 2; a command that started and failed, one line and
exit 1; Ctrl-C exits 130 and SIGTERM 143, both after the run, its workers (or its cloud execution) were stopped and its
temporary files removed; a closed output (`hpc ... | head -1`) ends quietly with 141. Nothing of this prints a
traceback. The subcommands live in hpc/commands/, one module each.

Only `os`, `signal`, `sys` and two small modules of error classes are imported before `main` has its handlers in
place, so Ctrl-C during start-up imports is an interrupt like any other, not a KeyboardInterrupt traceback.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

from handlers.errors import InvalidInput  # what the start function refuses with; `estimate` meets it here
from hpc.outcome import (
    EXIT_CLOSED_OUTPUT,
    EXIT_FAILED,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Failed,
    Refused,
    Terminated,
)

START_UP_GC_THRESHOLD = 50_000  # above the ~21,000 objects a plain run ends with: a small run never collects

__all__ = ["EXIT_FAILED", "EXIT_INCOMPLETE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "EXIT_USAGE", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the `hpc` process itself; not when main() is called with arguments from other code
        import gc

        # A command starts by importing ~200 modules: tens of thousands of objects that live as long as the process.
        # At the default threshold (700 new objects) the collector ran ~20 times over them during start-up, freeing
        # nothing (~2.5 ms of a small `hpc run`); cyclic garbage is still collected, only in larger rounds (the
        # parent's peak at 10^7 sum-squares items: 24.5 MiB, 24.0 at the default).
        gc.set_threshold(START_UP_GC_THRESHOLD, *gc.get_threshold()[1:])
    with _sigterm_unwinds():
        code = _main(argv)
    if argv is None:
        if "threading" not in sys.modules and sys.getprofile() is None and sys.gettrace() is None:
            _end_process(code)  # a profiler or tracer (cProfile, coverage) writes its data at exit: not skipped
        # The process is about to end: spare the interpreter's shutdown a sweep of every object (~10 ms of a 0.1 s
        # local run).
        gc.freeze()
    return code


def _end_process(code: int) -> NoReturn:
    """End the `hpc` process now, with `code`, once its output is flushed: everything the command did is finished by
    the time it returns (files closed, temporary folders removed, workers joined), and with no thread ever started
    (threading was never imported; boto3 and matplotlib import it) nothing else can be pending. What this skips is
    the interpreter's teardown, which frees the objects of ~200 modules one by one: ~2.5 ms of a small `hpc run`."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe was handled in _main; nothing is left to tell
            stream.flush()
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
    try:
        from hpc.commands.parser import parse

        args = parse(argv)
        code = int(args.execute(args))
        sys.stdout.flush()  # a closed pipe is found here, inside the handlers below, not at interpreter exit
        return code
    except Terminated:
        return _fail_with("terminated (SIGTERM); the run was stopped and its temporary files removed", EXIT_TERMINATED)
    except KeyboardInterrupt:
        return _fail_with("interrupted; the run and its workers were stopped", EXIT_INTERRUPTED)
    except (Refused, InvalidInput) as error:
        return _fail(error, EXIT_USAGE)
    except Failed as error:
        return _fail(error, EXIT_FAILED)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_CLOSED_OUTPUT
    except SystemExit as exit_:  # --help and --version print and exit 0
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK


def _fail(error: BaseException, code: int) -> int:
    return _fail_with(f"{type(error).__name__}: {error}", code)


def _fail_with(message: str, code: int) -> int:
    with suppress(BrokenPipeError, ValueError):  # stderr closed too: nothing left to tell
        print(f"error: {message}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    """The reader has gone: point stdout at /dev/null, so the interpreter's final flush does not complain again."""
    with suppress(OSError, ValueError, AttributeError):  # stdout replaced by something without a file descriptor
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM raises Terminated in this process, which unwinds like Ctrl-C.

    Worker processes forked meanwhile inherit the handler; in them it restores the default action and re-sends the
    signal, so a worker the engine terminates dies by SIGTERM exactly as before.
    """
    owner = os.getpid()

    def on_sigterm(signum: int, frame: Any) -> None:
        if os.getpid() != owner:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread, the only one that may set a handler (asked so: no import of threading)
        in_main_thread = False
    else:
        in_main_thread = True
    if not in_main_thread:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())

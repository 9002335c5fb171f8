"""`hpc run` with faults injected into the local run's functions, for the end-to-end fault tests.

`python -m faulty_compute run ARGS...` (this directory on PYTHONPATH, the repository as working directory) is exactly
`hpc run ARGS...` -- the same option parsing, stack settings, definition (asl.build_definition), local engine, output
and exit status -- except that:
- the compute function is `handler` below: the real handlers.compute.handler behind the faults in env HPC_FAULTS;
- the sum function is `sum_handler` below: the real handlers.sum.handler, after the Map's results were damaged if
  HPC_FAULTS asks for it (a result file lost or cut short in the store);
- retry waits are scaled to zero (LocalEngine's retry_delay_scale): the Retry policy still decides which errors are
  retried and how many times, the run just does not sleep through the backoff.

HPC_FAULTS is a JSON object, every key optional ("items" are item values, e.g. 3; a batch fails if it holds one):
  "transient": {"<item>": N}  the first N calls holding the item raise handlers.errors.TransientError
  "throttled": {"<item>": N}  the first N calls holding the item fail with Lambda.TooManyRequestsException
  "permanent": [items]        every call holding one of them raises ValueError
  "kill": [items]             the worker process running a call holding one of them kills itself with SIGKILL
  "damage": "missing" | "truncated"   the first SUCCEEDED result file is deleted / cut in half before the sum reads it
  "log": DIR                  each call appends `{"pid", "items", "fault"}` as a JSON line to DIR/calls.jsonl;
                              required with "transient" or "throttled" (their call counters live in DIR too)
Calls run in forked worker processes, so every piece of state shared between calls is a file.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from handlers import compute as real_compute
from handlers import sum as real_sum
from handlers.errors import TransientError
from handlers.store import LOCAL_STORE_ENV

FAULTS_ENV = "HPC_FAULTS"
MODULE = "faulty_compute"  # the name the engine imports the handlers by (not __main__ when run with -m)


class Throttled(Exception):
    """Lambda refusing the invocation; the local engine reports `step_functions_error` as the Step Functions error."""

    step_functions_error = "Lambda.TooManyRequestsException"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    faults = _faults()
    items = event["Items"] if "Items" in event else [event.get("item")]
    fault = _fault_for(items, faults)
    _log(faults, {"pid": os.getpid(), "items": items, "fault": fault})
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if fault == "permanent":
        failing = [item for item in items if item in faults["permanent"]]
        raise ValueError(f"injected permanent failure on item {failing[0]}")
    if fault == "transient":
        raise TransientError(f"injected transient failure on items {items[0]}..{items[-1]}")
    if fault == "throttled":
        raise Throttled("Rate Exceeded.")
    return real_compute.handler(event, context)


def sum_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    damage = _faults().get("damage")
    if damage and "results" in event:
        _damage_first_result_file(event["results"]["ResultWriterDetails"], damage)
    return real_sum.handler(event, context)


def _faults() -> dict[str, Any]:
    return json.loads(os.environ.get(FAULTS_ENV, "{}"))


def _fault_for(items: list[Any], faults: dict[str, Any]) -> str | None:
    if any(item in faults.get("kill", []) for item in items):
        return "kill"
    if any(item in faults.get("permanent", []) for item in items):
        return "permanent"
    for kind in ("transient", "throttled"):
        for item in items:
            failures = faults.get(kind, {}).get(str(item), 0)
            if failures and _count_call(Path(faults["log"]) / f"{kind}-{item}") <= failures:
                return kind
    return None


def _count_call(counter: Path) -> int:
    """How many calls have counted on this file, this one included (one byte per call, under an exclusive lock)."""
    with open(counter, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = len(handle.read()) + 1
        handle.write(".")
    return count


def _log(faults: dict[str, Any], entry: dict[str, Any]) -> None:
    if "log" in faults:
        # One short O_APPEND write per line, so lines from concurrent workers never interleave.
        with open(Path(faults["log"]) / "calls.jsonl", "a") as log:
            log.write(json.dumps(entry) + "\n")


def _damage_first_result_file(details: dict[str, str], damage: str) -> None:
    root = Path(os.environ[LOCAL_STORE_ENV]) / details["Bucket"]
    manifest = json.loads((root / details["Key"]).read_text())
    target = root / manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    if damage == "missing":
        target.unlink()
    else:
        body = target.read_bytes()
        target.write_bytes(body[: len(body) // 2])


def main(argv: Sequence[str] | None = None) -> int:
    """`hpc` with this module's functions in the local run and no retry waits."""
    import hpc.engine
    import hpc.local
    from hpc.cli import main as hpc_main

    real_specs = hpc.local.function_specs

    def specs(settings: Any, bucket: Any) -> dict[str, Any]:
        found = real_specs(settings, bucket)
        return {
            **found,
            "compute": found["compute"]._replace(handler=f"{MODULE}.handler"),
            "sum": found["sum"]._replace(handler=f"{MODULE}.sum_handler"),
        }

    hpc.local.function_specs = specs  # type: ignore[assignment]
    hpc.engine.LocalEngine = partial(hpc.engine.LocalEngine, retry_delay_scale=0)  # type: ignore[misc]
    return hpc_main(argv)


if __name__ == "__main__":
    sys.exit(main())

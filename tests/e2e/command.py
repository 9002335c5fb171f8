"""The `hpc` command run as a user runs it (a new process from the repository root), with or without injected faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

E2E = Path(__file__).resolve().parent
REPO = E2E.parents[1]

HANG_SECONDS = 60  # a run still going after this long is reported as a hang (below pytest's per-test timeout)


def hpc(*args: str, faults: dict[str, Any] | None = None, timeout: float = HANG_SECONDS) -> subprocess.CompletedProcess:
    """Run `hpc ARGS` in a new Python process from the repository root (where Pulumi.dev.yaml is read).

    With `faults`, the local run's compute and sum functions are the fault-injecting wrappers of faulty_compute.py.
    """
    environment = {key: value for key, value in os.environ.items() if key != "HPC_LOCAL_STORE"}
    if faults is None:
        command = [sys.executable, "-m", "hpc.cli", *args]
    else:
        command = [sys.executable, "-m", "faulty_compute", *args]
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(E2E), environment.get("PYTHONPATH")]))
        environment["HPC_FAULTS"] = json.dumps(faults)
    return subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )


def stored_files(root: Path) -> list[str]:
    """Every object a run left under its --store directory, as paths relative to it."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def assert_clean_refusal(done: subprocess.CompletedProcess, error: str, exit_status: int) -> None:
    """The command refused with `error: <error>: ...` on stderr, the given status, nothing on stdout, no traceback."""
    assert done.returncode == exit_status, done.stderr
    assert done.stderr.startswith(f"error: {error}: "), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@cache
def bare_s3_keys_total(size: int) -> str:
    """The s3-keys total from benchmarks/bare_s3_keys.py, a standalone recurrence sharing no code with the handlers."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bare_s3_keys.py"), str(size)],
        capture_output=True,
        text=True,
        check=True,
        timeout=HANG_SECONDS,
    )
    return done.stdout.strip()

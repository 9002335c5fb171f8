"""Whole-process measurements shared by the benchmarks: wall time, CPU time (the process and everything it waited
for, its worker processes included) and what it printed."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HPC = Path(sys.executable).with_name("hpc")
# Processes run as a user's would: with Python's bytecode cache on, even where the environment turns it off.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float
    stdout: str


def timed(command: list[str], source: str | None = None) -> Timed:
    """Run `command` to completion; SystemExit with its stderr when it fails. `source`: a checkout of another commit
    whose code the command runs instead (first on PYTHONPATH), to measure a before and after side by side."""
    environment = ENVIRONMENT if source is None else {**ENVIRONMENT, "PYTHONPATH": source}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment, cwd=source)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu, done.stdout)


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def interleaved(
    commands: dict[str, list[str]], repeat: int, check: Callable[[dict[str, Timed]], None]
) -> dict[str, list[Timed]]:
    """Each command once per round, in turn, for `repeat` rounds (so drift in the machine's load touches all alike);
    `check` sees every round's results before they count."""
    runs: dict[str, list[Timed]] = {name: [] for name in commands}
    for _ in range(repeat):
        round_ = {name: timed(command) for name, command in commands.items()}
        check(round_)
        for name, done in round_.items():
            runs[name].append(done)
    return runs


def commit_of(checkout: str) -> str:
    """The short hash of the commit checked out in `checkout` (for a --before column's label)."""
    return subprocess.run(
        ["git", "-C", checkout, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()

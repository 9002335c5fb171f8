"""Machine information and the RESULTS.md writer shared by every benchmark."""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# Benchmark results\n\nEach section is rewritten by the command shown in it.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    model = _cpu_model()
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {model or cpu}, "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )


def publish(title: str, module: str, body: str, *, write: bool = True) -> None:
    """Print a benchmark's result and (unless `write` is false) record it with the command line that produced it."""
    print(body)
    if write:
        write_section(title, f"python -m benchmarks.{module} {shlex.join(sys.argv[1:])}".strip(), body)


def write_section(title: str, command: str, body: str) -> None:
    """Replace (or add) the `## title` section of RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"## {title}\n\nCommand: `{command}`  \nMachine: {machine()}  \nMeasured: {stamp}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n")


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None

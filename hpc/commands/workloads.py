"""`hpc workloads`: the workloads and the input fields each accepts."""

from __future__ import annotations

import argparse

from hpc.outcome import EXIT_OK

NAME = "workloads"
HELP = "list the workloads and the input fields each accepts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""


def execute(args: argparse.Namespace) -> int:
    from handlers.workloads import DEFAULT, registry

    for name, workload in sorted(registry().items()):
        print(f"{name}{' (default)' if name == DEFAULT else ''}: {workload.DESCRIPTION}")
        for field, description in {"size": "number of items (required)", **workload.OPTIONS}.items():
            print(f"    {field:<18}{description}")
    return EXIT_OK

"""`hpc workloads`: the workloads, the input fields each accepts and the libraries each needs."""

from __future__ import annotations

import argparse

from hpc.outcome import EXIT_OK

NAME = "workloads"
HELP = "list the workloads, the input fields and the libraries each needs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--requirements", action="store_true", help="print only every workload's pip requirements, one a line"
    )


def execute(args: argparse.Namespace) -> int:
    from handlers.workloads import DEFAULT, all_requirements, registry, requirements_of, sources

    if args.requirements:  # a requirements file: `make setup` installs it into ./venv
        for requirement in all_requirements():
            print(requirement)
        return EXIT_OK
    for name, workload in sorted(registry().items()):
        print(f"{name}{' (default)' if name == DEFAULT else ''}: {workload.DESCRIPTION}")
        print(f"    {'requires':<18}{', '.join(requirements_of(workload)) or 'nothing beyond Python and boto3'}")
        kinds = sources(workload)  # a data workload reads its items from "data" instead of making "size" of them
        generic = {
            "data": "where the data is: s3://bucket/prefix-or-key, or locally a file or folder (required)",
            "format": f"how to read it: {' or '.join(kinds)} (default: from the name)",
        }
        for field, description in {
            **(generic if kinds else {"size": "number of items (required)"}),
            **workload.OPTIONS,
        }.items():
            print(f"    {field:<18}{description}")
    return EXIT_OK

"""Options every job-taking command shares (`--size`, `--workload`, `--input`, `--stack`, `--set`), and what they give:
the job (the execution input) and the settings in force, with where those settings came from."""

from __future__ import annotations

import argparse
from typing import Any

from hpc.jobs import build_input
from hpc.outcome import UsageError
from hpc.stack_config import StackSettings, load_stack_settings

DEFAULT_SIZE = 1024


def add_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size", type=int, metavar="N", help=f'number of items (default input: {{"size": {DEFAULT_SIZE}}})'
    )
    parser.add_argument("--workload", metavar="NAME", help="workload name (default s3-keys; see `hpc workloads`)")
    parser.add_argument("--input", metavar="JSON", help="the whole execution input as a JSON object")
    parser.add_argument(
        "--stack",
        metavar="NAME",
        help="Pulumi stack: settings from Pulumi.NAME.yaml in this folder (default dev, or the defaults when there "
        "is no Pulumi.dev.yaml); with --cloud, the stack whose state machine runs (default: the selected stack)",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting, e.g. maxItemsPerBatch=1000"
    )


def job(args: argparse.Namespace) -> dict[str, Any]:
    """The execution input: `--input`, then `--size` and `--workload` on top (size 1024 when neither gives one)."""
    size = args.size if args.size is not None or args.input is not None else DEFAULT_SIZE
    return build_input(size=size, workload=args.workload, raw_input=args.input)


def settings(args: argparse.Namespace) -> StackSettings:
    """The stack file's settings with `--set` applied; `source` says where each came from."""
    loaded = load_stack_settings(args.stack)
    overrides: dict[str, str] = {}
    for pair in args.set:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise UsageError(f"--set takes KEY=VALUE, e.g. maxItemsPerBatch=1000, got {pair!r}")
        overrides[key] = value
    if not overrides:
        return loaded
    shown = " ".join(f"--set {key}={value}" for key, value in overrides.items())
    return StackSettings(loaded.settings.merged(overrides), f"{loaded.source} with {shown}")

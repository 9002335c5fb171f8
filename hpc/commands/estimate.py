"""`hpc estimate`: the modeled AWS bill of a run, beside the original design's (hpc/estimate.py models it)."""

from __future__ import annotations

import argparse

from hpc.commands import options
from hpc.outcome import EXIT_OK

NAME = "estimate"
HELP = "model the AWS cost of a run, beside the original design's"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_job_options(parser)
    parser.add_argument(
        "--price", action="append", default=[], metavar="NAME=USD", help="override a price (see the printed table)"
    )


def execute(args: argparse.Namespace) -> int:
    from hpc.estimate import estimate_report, parse_price_overrides

    prices = parse_price_overrides(args.price)  # refused before any kernel is timed
    job = options.job(args)
    stack = options.settings(args)
    report = estimate_report(job, stack.settings, prices)  # refuses a bad job (InvalidInput) before printing anything
    print(report)
    print(f"Settings: {stack.source}.")
    return EXIT_OK

"""`hpc report EXECUTION_ARN`: pictures of where a finished cloud execution's time went (hpc/report draws them).

`hpc run --report DIR` writes the same report for the run it makes (hpc/commands/run.py calls `write_cloud_report`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hpc.outcome import EXIT_OK, Failed

NAME = "report"
HELP = "picture where a finished cloud execution's time went"


class ReportError(Failed):
    """The execution could not be reported on (AWS could not be reached, or the execution has nothing to show).
    hpc.report.cloud's ReportError, and botocore's errors, arrive here as this, which ends the command with exit 1."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("execution_arn", metavar="EXECUTION_ARN", help="the execution (as `hpc run --cloud` prints)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="where to write it (default: report-<execution name>)")


def execute(args: argparse.Namespace) -> int:
    from hpc.cloud import check_execution_arn

    name = check_execution_arn(args.execution_arn)
    write_cloud_report(args.execution_arn, args.out or Path(f"report-{name}"))
    return EXIT_OK


def write_cloud_report(execution_arn: str, directory: Path) -> None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from hpc.cloud import region_of
    from hpc.report import cloud, write_report

    region = region_of(execution_arn)
    try:
        run = cloud.cloud_run_data(
            execution_arn,
            sfn=boto3.client("stepfunctions", region_name=region),
            s3=boto3.client("s3", region_name=region),
            lambda_client=boto3.client("lambda", region_name=region),
        )
    except (cloud.ReportError, BotoCoreError, ClientError) as error:
        raise ReportError(str(error)) from error
    print(f"report: {write_report(run, directory)}", file=sys.stderr)

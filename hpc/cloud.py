"""Runs a job on a deployed stack: start an execution, follow its Map Run, return the answer or the error."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hpc.progress import MapProgress

# DescribeMapRun and ListMapRuns refill at one call per second; polling each at most once a second stays inside that.
POLL_SECONDS = 1.0
INTERRUPT_ERROR = "UserInterrupted"


class CloudError(RuntimeError):
    """The deployed stack cannot be reached or named (no ARN, no Pulumi CLI, an AWS error)."""


@dataclass(frozen=True)
class CloudResult:
    execution_arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None


def state_machine_arn_from_stack(stack: str | None) -> str:
    """The `stateMachineArn` output of the Pulumi stack (the current stack when none is named)."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CloudError("the Pulumi CLI is not on PATH; pass --state-machine-arn ARN (see `pulumi stack output`)")
    command = [pulumi, "stack", "output", "stateMachineArn"] + (["--stack", stack] if stack else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise CloudError(f"`{' '.join(command[1:])}` failed: {done.stderr.strip() or 'no output'}")
    return done.stdout.strip()


def run_in_cloud(
    job: dict[str, Any],
    state_machine_arn: str,
    *,
    client: Any = None,
    on_progress: Callable[[MapProgress], None] | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> CloudResult:
    """Start an execution and wait for it. Ctrl-C stops the execution in AWS before re-raising."""
    try:
        sfn = client or _stepfunctions_client(region_of(state_machine_arn))
        execution_arn = sfn.start_execution(
            stateMachineArn=state_machine_arn, name=execution_name(), input=json.dumps(job)
        )["executionArn"]
    except Exception as error:  # botocore raises many shapes; the user needs the message, not the class tree
        raise CloudError(f"could not start an execution of {state_machine_arn}: {error}") from error
    try:
        return _wait(sfn, execution_arn, on_progress, poll_seconds)
    except KeyboardInterrupt:
        sfn.stop_execution(executionArn=execution_arn, error=INTERRUPT_ERROR, cause="stopped by Ctrl-C in `hpc run`")
        raise


def _wait(
    sfn: Any, execution_arn: str, on_progress: Callable[[MapProgress], None] | None, poll_seconds: float
) -> CloudResult:
    map_run_arn: str | None = None
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return _result(execution_arn, described)
        if on_progress is not None:
            map_run_arn = map_run_arn or _first_map_run(sfn, execution_arn)
            if map_run_arn is not None:
                on_progress(_map_run_counts(sfn, map_run_arn))
        time.sleep(poll_seconds)


def _first_map_run(sfn: Any, execution_arn: str) -> str | None:
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    return runs[0]["mapRunArn"] if runs else None


def _map_run_counts(sfn: Any, map_run_arn: str) -> MapProgress:
    counts = sfn.describe_map_run(mapRunArn=map_run_arn)["itemCounts"]
    failed = counts.get("failed", 0) + counts.get("timedOut", 0) + counts.get("aborted", 0)
    return MapProgress(
        total=counts.get("total", 0),
        succeeded=counts.get("succeeded", 0),
        failed=failed,
        running=counts.get("running", 0),
        pending=counts.get("pending", 0),
    )


def _result(execution_arn: str, described: dict[str, Any]) -> CloudResult:
    output = None
    if described.get("output") is not None:
        sys.set_int_max_str_digits(0)
        output = json.loads(described["output"])
    return CloudResult(
        execution_arn=execution_arn,
        status=described["status"],
        output=output,
        error=described.get("error"),
        cause=described.get("cause"),
    )


def execution_name() -> str:
    """`hpc-<UTC time>-<random>`: sorts by start time in the console, and names the run's items/ and results/ keys."""
    return f"hpc-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def region_of(arn: str) -> str | None:
    """The Region an ARN names (`arn:aws:states:<region>:...`), so no separate Region setting is needed."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None


def _stepfunctions_client(region: str | None) -> Any:
    import boto3

    return boto3.client("stepfunctions", region_name=region)

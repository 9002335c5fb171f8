"""Runs a job on a deployed stack: start an execution, follow its Map Run, return the answer or the error.

Waiting is robust to what AWS does to a long poller: a throttled call (ThrottlingException, after botocore's own
retries) backs off and polls again rather than failing the run; any other AWS error while waiting (expired
credentials, a network outage) stops the execution, as Ctrl-C does, so nothing runs on unattended, and says so, or
says how to stop it when even that fails.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hpc.outcome import Failed, Refused
from hpc.progress import MapProgress

# DescribeExecution refills at 15 calls/s: once a second is far inside it. DescribeMapRun and ListMapRuns refill at
# one call a second, shared with every other caller in the account (the console, a second `hpc run`): polled every
# other second, they leave half their rate to others, and back off further when throttled.
POLL_SECONDS = 1.0
PROGRESS_EVERY = 2  # polls of DescribeExecution per progress poll
MAX_BACKOFF_SECONDS = 30.0
THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"})
INTERRUPT_ERROR = "UserInterrupted"
ABANDONED_ERROR = "WaiterLost"
_STATES_ARN = r"arn:(aws[a-z-]*):states:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):"  # partition, Region, account
STATE_MACHINE_ARN = re.compile(_STATES_ARN + r"stateMachine:([^\s:]{1,80})")
EXECUTION_ARN = re.compile(_STATES_ARN + r"execution:([^\s:]{1,80}):([^\s:]{1,80})")


class CloudError(Failed):
    """The deployed stack cannot be reached or named (no ARN, no Pulumi CLI, an AWS error)."""


class InvalidStateMachineArn(Refused):
    """`--state-machine-arn` is not a state machine's ARN."""


class InvalidArn(Refused):
    """An execution ARN given to `hpc report` is not one."""


@dataclass(frozen=True)
class CloudResult:
    execution_arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None


def check_state_machine_arn(arn: str) -> str:
    """The ARN's Region (so no separate Region setting is needed), or InvalidStateMachineArn saying what one is."""
    matched = STATE_MACHINE_ARN.fullmatch(arn)
    if matched is None:
        raise InvalidStateMachineArn(
            f"{arn!r} is not a state machine ARN; expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME "
            "(see `pulumi stack output stateMachineArn`)"
        )
    return matched.group(2)


def check_execution_arn(arn: str) -> str:
    """The execution's name, or InvalidArn saying what an execution ARN is."""
    matched = EXECUTION_ARN.fullmatch(arn)
    if matched is None:
        raise InvalidArn(
            f"{arn!r} is not an execution ARN; expected arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME "
            "(as `hpc run --cloud` prints it)"
        )
    return matched.group(5)


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
    on_started: Callable[[str], None] | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> CloudResult:
    """Start an execution and wait for it. Ctrl-C (or SIGTERM) stops the execution in AWS before re-raising."""
    region = check_state_machine_arn(state_machine_arn)
    try:
        sfn = client or _stepfunctions_client(region)
        execution_arn = sfn.start_execution(
            stateMachineArn=state_machine_arn, name=execution_name(), input=json.dumps(job)
        )["executionArn"]
    except Exception as error:  # botocore raises many shapes; the user needs the message, not the class tree
        raise CloudError(f"could not start an execution of {state_machine_arn}: {error}") from error
    if on_started is not None:
        on_started(execution_arn)
    try:
        return _wait(sfn, execution_arn, on_progress, poll_seconds)
    except KeyboardInterrupt:
        stopped = _stop(sfn, execution_arn, INTERRUPT_ERROR, "stopped by Ctrl-C or SIGTERM in `hpc run`")
        print(f"{execution_arn}: {stopped}", file=sys.stderr)
        raise
    except Exception as error:
        if not _is_aws_error(error):
            raise
        stopped = _stop(sfn, execution_arn, ABANDONED_ERROR, f"`hpc run` could not follow the execution: {error}")
        raise CloudError(f"lost track of execution {execution_arn} while waiting: {error}; {stopped}") from error


def _wait(
    sfn: Any, execution_arn: str, on_progress: Callable[[MapProgress], None] | None, poll_seconds: float
) -> CloudResult:
    map_run_arn: str | None = None
    delay, progress_every, polls, next_progress = poll_seconds, PROGRESS_EVERY, 0, 0
    while True:
        try:
            described = sfn.describe_execution(executionArn=execution_arn)
        except Exception as error:
            if not _is_throttling(error):
                raise
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        else:
            delay = poll_seconds
            if described["status"] != "RUNNING":
                return fetch_stored_output(_result(execution_arn, described))
            if on_progress is not None and polls >= next_progress:
                try:
                    map_run_arn = map_run_arn or _first_map_run(sfn, execution_arn)
                    if map_run_arn is not None:
                        on_progress(_map_run_counts(sfn, map_run_arn))
                except Exception as error:
                    if not _is_throttling(error):
                        raise
                    # Someone else is using the shared 1 call/s: leave them more of it.
                    progress_every = min(progress_every * 2, int(MAX_BACKOFF_SECONDS))
                next_progress = polls + progress_every
            polls += 1
        time.sleep(delay)


def _stop(sfn: Any, execution_arn: str, error: str, cause: str) -> str:
    """Stop the execution; what happened, in words for the user."""
    try:
        sfn.stop_execution(executionArn=execution_arn, error=error, cause=cause[:32768])
    except Exception as failure:
        return (
            f"stopping it failed too ({failure}), so it may still be running: check it with `aws stepfunctions "
            f"describe-execution --execution-arn {execution_arn}` and stop it with `aws stepfunctions stop-execution`"
        )
    return f"the execution was stopped (error {error})"


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _is_throttling(error: BaseException) -> bool:
    return _error_code(error) in THROTTLING_CODES


def _is_aws_error(error: BaseException) -> bool:
    """botocore's ClientError (AWS answered with an error) or BotoCoreError (no answer: credentials, network)."""
    return any(cls.__module__.startswith("botocore") for cls in type(error).__mro__)


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


def fetch_stored_output(result: CloudResult, s3: Any = None) -> CloudResult:
    """The result with a stored output (the sum's `result_object`, for outputs past a payload) fetched from S3."""
    output = result.output
    if not isinstance(output, dict) or not isinstance(output.get("result_object"), dict):
        return result
    where = output["result_object"]
    try:
        s3 = s3 or _s3_client(region_of(result.execution_arn))
        body = s3.get_object(Bucket=where["Bucket"], Key=where["Key"])["Body"].read()
    except Exception as error:  # botocore raises many shapes; the user needs the message and the object's name
        raise CloudError(
            f"the result is stored at s3://{where['Bucket']}/{where['Key']} but could not be read: {error}"
        ) from error
    from hpc.stored_output import decoded

    return CloudResult(result.execution_arn, result.status, decoded(body), result.error, result.cause)


def execution_name() -> str:
    """`hpc-<UTC time>-<random>`: sorts by start time in the console, and names the run's items/ and results/ keys."""
    return f"hpc-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def region_of(arn: str) -> str | None:
    """The Region any ARN names (`arn:aws:states:<region>:...`), or None."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None


def _stepfunctions_client(region: str | None) -> Any:
    import boto3

    return boto3.client("stepfunctions", region_name=region)


def _s3_client(region: str | None) -> Any:
    import boto3

    return boto3.client("s3", region_name=region)

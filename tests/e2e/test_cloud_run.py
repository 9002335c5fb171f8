"""`hpc run --cloud` against the deployed definition on moto, with the real handlers served in-process.

The command runs in this process (hpc.cli.main), so moto's in-process mocks see its calls. Its Step Functions client
is `StepFunctionsAsOnAws` (tests/execution/moto_stack.py), which fills three gaps of moto 5.2 that a run through
`hpc` meets and AWS does not have: moto leaves an execution started without a name nameless (AWS names it with a
UUID, and the start function needs `$$.Execution.Name`); moto's ListMapRuns raises until its interpreter thread has
built its environment (AWS answers with no map runs); moto's StopExecution drops `error` and `cause` (the execution
still ends ABORTED, so the error sent is checked on the client's call log instead). One more gap is avoided rather
than filled: moto's StopExecution raises AttributeError when it comes before that thread has started, so the
interrupt tests press Ctrl-C only once a compute call is running.

moto does implement ListMapRuns and DescribeMapRun with live item counts, so progress is checked on moto itself.
hpc.cloud's sleep between polls is recorded into the client's call log and shortened to 10 ms; what is checked is
the requested interval and the calls made per poll, never a duration.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

EXECUTION_TESTS = Path(__file__).resolve().parents[1] / "execution"
if str(EXECUTION_TESTS) not in sys.path:  # the moto harness lives beside the execution tests
    sys.path.append(str(EXECUTION_TESTS))

import moto_stack  # noqa: E402
from moto_lambda import Handler  # noqa: E402
from moto_stack import BUCKET, MotoStack, StepFunctionsAsOnAws, deploy_to_moto  # noqa: E402

from benchmarks.original_design import original_item  # noqa: E402
from hpc import cloud  # noqa: E402
from hpc.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, main  # noqa: E402
from hpc.progress import MapProgress  # noqa: E402

aws = moto_stack.aws  # the harness's fixtures, used by the tests below
stack = moto_stack.stack

GATE_SECONDS = 30


def connect(stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> StepFunctionsAsOnAws:
    """Make hpc.cloud use an AWS-like client on the moto stack; its sleeps are logged in the client's calls."""
    client = StepFunctionsAsOnAws(stack.sfn)
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        client.calls.append(("sleep", {"seconds": seconds}))
        real_sleep(0.01)

    monkeypatch.setattr(cloud, "_stepfunctions_client", lambda region: client)
    monkeypatch.setattr(cloud, "time", SimpleNamespace(sleep=sleep))
    return client


class Gate:
    """Holds every compute call until opened, so an execution is certainly RUNNING with its Map Run started.
    `reached` is set once a compute call is held."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.reached = threading.Event()

    def open(self) -> None:
        self.opened.set()

    def wrap(self, handler_path: str, handler: Handler) -> Handler:
        if handler_path != "handlers.compute.handler":
            return handler

        def held_compute(event: Any, context: Any) -> Any:
            self.reached.set()
            if not self.opened.wait(GATE_SECONDS):
                raise TimeoutError("the test never opened the gate")
            return handler(event, context)

        return held_compute


@pytest.fixture
def gate(aws: None) -> Iterator[Gate]:
    held = Gate()
    yield held
    held.open()
    # moto's interpreter threads outlive the test: let them end while moto is still there to answer them
    sfn = boto3.client("stepfunctions", region_name=moto_stack.REGION)
    deadline = time.monotonic() + moto_stack.WAIT_SECONDS
    for machine in sfn.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"]
        while sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            assert time.monotonic() < deadline, "an execution kept running after the test"
            time.sleep(0.05)


def printed_fields(stdout: str) -> dict[str, str]:
    """`hpc run`'s text output: one field a line, the name padded to 16 characters."""
    return {line[:16].strip(): line[16:] for line in stdout.splitlines()}


def test_cloud_run_of_40_items_prints_the_original_total(
    stack: MotoStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN the deployed stack and the original design's answer for 40 items, from its literal triple loop
    client = connect(stack, monkeypatch)
    expected = sum(original_item(i, 40) for i in range(40))
    # WHEN `hpc run --cloud` runs the job on it
    code = main(["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--size", "40"])
    # THEN it exits 0 and prints that exact total, the item count and the wall time
    printed = capsys.readouterr()
    assert code == 0, printed.err
    fields = printed_fields(printed.out)
    assert fields["result"] == str(expected)
    assert fields["items"] == "40"
    assert fields["complete"] == "True"
    assert fields["wall time"].endswith(" s")
    # AND it started exactly one execution of that state machine with the job as its input
    (started,) = client.operations("start_execution")
    # AND named that execution as soon as it started, and again with the result
    (described,) = stack.sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]
    assert printed.err.startswith(f"execution {described['executionArn']}\n")
    assert fields["execution"] == described["executionArn"]
    assert started["stateMachineArn"] == stack.state_machine_arn
    assert json.loads(started["input"]) == {"size": 40}
    # AND named it so runs sort by start time and their S3 keys say which run they belong to
    assert re.fullmatch(r"hpc-\d{8}T\d{6}Z-[0-9a-f]{8}", started["name"])
    assert stack.s3.get_object(Bucket=BUCKET, Key=f"items/{started['name']}.json")


def test_cloud_run_with_bad_input_prints_invalid_input_and_its_cause(
    stack: MotoStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a size the command line lets through but the start function refuses
    client = connect(stack, monkeypatch)
    # WHEN it runs on the stack
    code = main(["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--size", "-1"])
    # THEN the execution failed there, and the command exits as for a refused input (usage), printing the
    # execution's error name and the handler's own message, no traceback
    (started,) = client.operations("start_execution")
    assert json.loads(started["input"]) == {"size": -1}
    printed = capsys.readouterr()
    assert code == EXIT_USAGE, printed.err
    assert printed.out == ""
    assert "error: InvalidInput: " in printed.err
    assert "size" in printed.err and "-1" in printed.err
    assert "Traceback" not in printed.err and "errorType" not in printed.err


def test_cloud_progress_reports_map_run_counts_with_one_call_of_each_api_per_poll(
    aws: None, gate: Gate, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN a stack whose compute calls wait until progress has been seen once
    stack = deploy_to_moto(gate.wrap, monkeypatch)
    client = connect(stack, monkeypatch)
    seen: list[MapProgress] = []

    def progress(counts: MapProgress) -> None:
        seen.append(counts)
        if counts.running:
            gate.open()

    # WHEN a 40-item job runs with a progress callback, at the default poll interval
    result = cloud.run_in_cloud({"size": 40}, stack.state_machine_arn, on_progress=progress)
    # THEN it succeeds with the original's total
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["result"] == str(sum(original_item(i, 40) for i in range(40)))
    # AND counts came from the running Map Run while its first items were still held
    assert any(c.running >= 1 and c.succeeded == 0 for c in seen)
    # AND the counts only grow, never past the job's 40 items, with no failures
    assert [c.succeeded for c in seen] == sorted(c.succeeded for c in seen)
    assert all(c.total <= 40 and c.succeeded <= c.total and c.failed == 0 for c in seen)
    # AND between two sleeps of at least a second, each rate-limited API was called at most once
    operations = [operation for operation, _ in client.calls]
    sleeps = [arguments["seconds"] for operation, arguments in client.calls if operation == "sleep"]
    assert sleeps and min(sleeps) >= 1.0
    polls = " ".join(operations).split("sleep")
    for poll in polls:
        names = poll.split()
        assert names.count("list_map_runs") <= 1 and names.count("describe_map_run") <= 1, poll
    # AND ListMapRuns stops once the Map Run is known
    first_describe = operations.index("describe_map_run")
    assert "list_map_runs" not in operations[first_describe:]


def test_cloud_run_interrupted_in_progress_stops_the_execution(aws: None, gate: Gate, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a running execution whose compute calls are held
    stack = deploy_to_moto(gate.wrap, monkeypatch)
    client = connect(stack, monkeypatch)

    def interrupt(counts: MapProgress) -> None:
        raise KeyboardInterrupt

    # WHEN Ctrl-C arrives while progress is being reported
    with pytest.raises(KeyboardInterrupt):
        cloud.run_in_cloud({"size": 8}, stack.state_machine_arn, on_progress=interrupt)
    # THEN the execution was stopped with the UserInterrupted error before the interrupt went on
    (stop,) = client.operations("stop_execution")
    assert stop["error"] == cloud.INTERRUPT_ERROR == "UserInterrupted"
    assert "Ctrl-C" in stop["cause"]
    # AND it ends ABORTED, not SUCCEEDED, once the held compute calls are let go
    gate.open()
    assert stack.wait(stop["executionArn"])["status"] == "ABORTED"


def test_cloud_run_ctrl_c_while_waiting_exits_130_and_aborts_the_execution(
    aws: None, gate: Gate, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a running execution with its compute calls held, and Ctrl-C pressed while `hpc run --cloud` waits
    stack = deploy_to_moto(gate.wrap, monkeypatch)
    client = connect(stack, monkeypatch)

    def interrupted_sleep(seconds: float) -> None:
        # (moto's StopExecution fails before its interpreter thread has started; AWS's does not)
        assert gate.reached.wait(GATE_SECONDS), "no compute call was reached"
        raise KeyboardInterrupt

    monkeypatch.setattr(cloud, "time", SimpleNamespace(sleep=interrupted_sleep))
    # WHEN the command runs
    code = main(["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--size", "8"])
    # THEN it exits 130 saying the run was stopped, without a traceback
    printed = capsys.readouterr()
    assert code == EXIT_INTERRUPTED
    assert "interrupted" in printed.err and "Traceback" not in printed.err
    # AND the execution it started was stopped with UserInterrupted and ends ABORTED
    (started,) = client.operations("start_execution")
    (stop,) = client.operations("stop_execution")
    assert stop["error"] == "UserInterrupted"
    gate.open()
    described = stack.wait(stop["executionArn"])
    assert described["status"] == "ABORTED"
    assert json.loads(described["input"]) == {"size": 8} == json.loads(started["input"])


def test_cloud_run_without_arn_or_pulumi_cli_names_the_state_machine_arn_option(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # GIVEN no --state-machine-arn and no Pulumi CLI on PATH
    monkeypatch.setenv("PATH", str(tmp_path))

    def no_client(region: Any) -> Any:
        raise AssertionError("no AWS call may be made without a state machine")

    monkeypatch.setattr(cloud, "_stepfunctions_client", no_client)
    # WHEN `hpc run --cloud` runs
    code = main(["run", "--cloud", "--size", "3"])
    # THEN it exits non-zero with a CloudError that tells the user which option to pass
    assert code == EXIT_FAILED
    printed = capsys.readouterr()
    assert "CloudError" in printed.err and "--state-machine-arn" in printed.err and "Pulumi" in printed.err
    assert "Traceback" not in printed.err


def test_cloud_run_without_aws_configuration_fails_with_a_cloud_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # GIVEN no AWS region or credentials anywhere: no environment variable, no config file
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # WHEN `hpc run --cloud` runs with a well-formed ARN (the Region comes from it)
    code = main(["run", "--cloud", "--state-machine-arn", "arn:aws:states:us-east-1:123456789012:stateMachine:x"])
    # THEN it exits 1 with a CloudError saying the execution could not be started, not a traceback
    assert code == EXIT_FAILED
    printed = capsys.readouterr().err
    assert "CloudError" in printed and "could not start an execution" in printed
    assert "Traceback" not in printed


class FaultyAws(StepFunctionsAsOnAws):
    """The AWS-like moto client, with errors injected: `faults[operation]()` returns the error to raise, or None."""

    def __init__(self, sfn: Any, faults: dict[str, Callable[[], Exception | None]]) -> None:
        super().__init__(sfn)
        self.faults = faults

    def __getattribute__(self, operation: str) -> Any:
        faults = object.__getattribute__(self, "faults") if operation != "faults" else None
        if faults and operation in faults:
            real = (
                super().__getattribute__(operation) if hasattr(type(self), operation) else self.__getattr__(operation)
            )

            def call(**arguments: Any) -> Any:
                error = faults[operation]()
                if error is not None:
                    self.calls.append((f"{operation}!", arguments))
                    raise error
                return real(**arguments)

            return call
        return super().__getattribute__(operation)


def aws_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"injected {code}"}}, operation)


def first(count: int, code: str, operation: str) -> Callable[[], Exception | None]:
    """The first `count` calls fail with `code`, the rest go through."""
    left = [count]

    def fault() -> Exception | None:
        left[0] -= 1
        return aws_error(code, operation) if left[0] >= 0 else None

    return fault


def connect_faulty(
    stack: MotoStack, monkeypatch: pytest.MonkeyPatch, faults: dict[str, Callable[[], Exception | None]]
) -> FaultyAws:
    client = connect(stack, monkeypatch)
    faulty = FaultyAws(stack.sfn, faults)
    faulty.calls = client.calls  # the sleeps are logged in the same list
    monkeypatch.setattr(cloud, "_stepfunctions_client", lambda region: faulty)
    return faulty


def test_cloud_run_backs_off_when_throttled_and_still_returns_the_exact_answer(
    aws: None, gate: Gate, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN DescribeExecution throttled twice and DescribeMapRun once (another poller draining the shared rate)
    stack = deploy_to_moto(gate.wrap, monkeypatch)
    client = connect_faulty(
        stack,
        monkeypatch,
        {
            "describe_execution": first(2, "ThrottlingException", "DescribeExecution"),
            "describe_map_run": first(1, "ThrottlingException", "DescribeMapRun"),
        },
    )
    seen: list[MapProgress] = []

    def progress(counts: MapProgress) -> None:
        seen.append(counts)
        gate.open()  # let the compute calls go once progress has come through

    # WHEN a job runs with progress
    result = cloud.run_in_cloud({"size": 8}, stack.state_machine_arn, on_progress=progress)
    # THEN it succeeds with the exact total: throttling is waited out, never a failure
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["result"] == str(sum(original_item(i, 8) for i in range(8)))
    assert seen, "progress resumed after the throttled DescribeMapRun"
    # AND each throttled DescribeExecution doubled the wait (1 s -> 2 s -> 4 s), which then went back to 1 s
    sleeps = [arguments["seconds"] for operation, arguments in client.calls if operation == "sleep"]
    assert sleeps[:3] == [2.0, 4.0, 1.0]
    # AND after the throttled DescribeMapRun, progress was polled half as often: 4 DescribeExecution polls apart
    operations = [operation for operation, _ in client.calls]
    throttled = operations.index("describe_map_run!")
    after = operations[throttled:]
    assert after.index("describe_map_run") > 0
    assert after[: after.index("describe_map_run")].count("describe_execution") == cloud.PROGRESS_EVERY * 2


def test_cloud_run_losing_aws_while_waiting_stops_the_execution_and_says_so(
    aws: None, gate: Gate, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN credentials that expire once the execution is running (its compute calls held)
    stack = deploy_to_moto(gate.wrap, monkeypatch)

    def expired_once_running() -> Exception | None:
        return aws_error("ExpiredTokenException", "DescribeExecution") if gate.reached.is_set() else None

    client = connect_faulty(stack, monkeypatch, {"describe_execution": expired_once_running})
    # WHEN `hpc run --cloud` waits
    code = main(["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--size", "8", "--no-progress"])
    # THEN it exits 1 with one CloudError line naming the execution, the AWS error and that it was stopped
    printed = capsys.readouterr()
    (stop,) = client.operations("stop_execution")
    execution = stop["executionArn"]
    assert code == EXIT_FAILED
    assert printed.err.splitlines()[-1] == (
        f"error: CloudError: lost track of execution {execution} while waiting: An error occurred "
        "(ExpiredTokenException) when calling the DescribeExecution operation: injected ExpiredTokenException; "
        "the execution was stopped (error WaiterLost)"
    )
    assert "Traceback" not in printed.err and printed.out == ""
    # AND the execution was really stopped, not left running unattended
    assert stop["error"] == cloud.ABANDONED_ERROR
    gate.open()
    assert stack.wait(execution)["status"] == "ABORTED"


def test_cloud_run_that_cannot_stop_the_execution_says_how_to(
    aws: None, gate: Gate, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN AWS unreachable once the execution runs, StopExecution included
    stack = deploy_to_moto(gate.wrap, monkeypatch)

    def expired(operation: str) -> Callable[[], Exception | None]:
        return lambda: aws_error("ExpiredTokenException", operation) if gate.reached.is_set() else None

    connect_faulty(
        stack,
        monkeypatch,
        {"describe_execution": expired("DescribeExecution"), "stop_execution": expired("StopExecution")},
    )
    # WHEN `hpc run --cloud` waits
    code = main(["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--size", "8", "--no-progress"])
    # THEN it exits 1 saying the execution may still run, with the commands to check and stop it
    message = capsys.readouterr().err.splitlines()[-1]
    assert code == EXIT_FAILED
    assert "may still be running" in message and "aws stepfunctions describe-execution --execution-arn" in message
    assert "aws stepfunctions stop-execution" in message

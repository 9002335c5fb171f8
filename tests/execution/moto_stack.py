"""The deployed stack on moto: the real definition, the real handlers served in-process, AWS-format result files.

Shared by the moto execution tests and the end-to-end tests of `hpc run --cloud`. Import it as `moto_stack` with
this directory on sys.path (it puts itself there, so `tests.execution.moto_stack` works too when the repository
root is importable). Use the `aws` fixture (moto on, credentials faked, S3 handlers store) and then either the
`stack` fixture or `deploy_to_moto(wrap, monkeypatch)` for a stack whose handlers are decorated by `wrap`.
Code that talks to Step Functions itself, as `hpc run --cloud` does, should be given `StepFunctionsAsOnAws(stack.sfn)`.

moto 5.2's gaps are listed in test_moto_execution.py's docstring; the unbatched definition is deployed because moto
ignores ItemBatcher; moto's listing reader is made to hand out AWS's items (moto_item_reader.py); and the definition
goes without its JSON Lines Map (state ComputeLines and the Route rule to it), because moto's
parser refuses InputType JSONL when the machine is created.
"""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the sibling harness modules are imported by their top-level names
    sys.path.insert(0, str(HERE))

from moto_item_reader import list_objects_as_aws  # noqa: E402
from moto_lambda import Handler, serve_handlers_in_process  # noqa: E402
from moto_result_writer import write_result_files  # noqa: E402

from asl.definition import DATA_MAPS, Functions, build_definition  # noqa: E402
from hpc.settings import Settings  # noqa: E402

REPO = HERE.parents[1]
REGION = "us-east-1"
BUCKET = "hpc-results-moto"
DATA_BUCKET = "lake-moto"  # the data jobs' bucket, in the stack's dataBuckets
MACHINE = "hpc-moto"
# Unbatched (moto has no ItemBatcher); a small MaxConcurrency, because moto starts one thread per allowed child.
SETTINGS = Settings(state_machine_name=MACHINE, max_items_per_batch=1, max_rows_per_batch=1, max_concurrency=4)
WAIT_SECONDS = 60


@dataclass
class MotoStack:
    sfn: Any
    s3: Any
    state_machine_arn: str

    def run(self, execution_input: Any) -> dict[str, Any]:
        """Start a named execution and wait for it to end; returns DescribeExecution."""
        name = f"job-{uuid.uuid4().hex[:12]}"
        arn = self.sfn.start_execution(
            stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(execution_input)
        )["executionArn"]
        return self.wait(arn)

    def wait(self, execution_arn: str) -> dict[str, Any]:
        """DescribeExecution once the execution has ended."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            described = self.sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.05)
        raise AssertionError(f"execution {execution_arn} still running after {WAIT_SECONDS} s")

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        return self.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


class StepFunctionsAsOnAws:
    """A moto Step Functions client that answers as AWS does where moto 5.2 differs, and logs every call.

    - StartExecution without a name: AWS names the execution with a UUID; moto leaves the name None, so
      `$$.Execution.Name` is null and the start function refuses the event. A UUID name is supplied here.
    - ListMapRuns before moto's interpreter thread has built its environment: moto raises AttributeError, AWS
      answers with no map runs. That answer is given here.
    - StopExecution: moto drops `error` and `cause` (the execution still ends ABORTED); `calls` keeps what was sent.
    - StopExecution before moto's interpreter thread has started raises AttributeError (not filled here: AWS would
      abort the execution, which moto cannot be made to do then); stop an execution once its first task has run.
    Every call is appended to `calls` as (operation name, keyword arguments); tests may append markers of their own.
    """

    def __init__(self, sfn: Any) -> None:
        self.sfn = sfn
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        method = getattr(self.sfn, operation)

        def call(**arguments: Any) -> Any:
            self.calls.append((operation, arguments))
            return method(**arguments)

        return call

    def start_execution(self, **arguments: Any) -> Any:
        self.calls.append(("start_execution", arguments))
        return self.sfn.start_execution(**{"name": str(uuid.uuid4()), **arguments})

    def list_map_runs(self, **arguments: Any) -> Any:
        self.calls.append(("list_map_runs", arguments))
        try:
            return self.sfn.list_map_runs(**arguments)
        except AttributeError:  # moto's execution environment does not exist yet
            return {"mapRuns": []}

    def operations(self, name: str) -> list[dict[str, Any]]:
        """The arguments of every call of one operation, in order."""
        return [arguments for operation, arguments in self.calls if operation == name]


def deploy_to_moto(wrap: Callable[[str, Handler], Handler] | None, monkeypatch: pytest.MonkeyPatch) -> MotoStack:
    """Create the bucket, the three functions and the state machine on moto (inside an active `aws` fixture).
    `wrap(handler_path, handler)` may decorate a handler, e.g. to make one call fail."""
    serve_handlers_in_process(monkeypatch, wrap)
    write_result_files(monkeypatch)
    list_objects_as_aws(monkeypatch)
    iam, s3, lam, sfn = (
        boto3.client(service, region_name=REGION) for service in ("iam", "s3", "lambda", "stepfunctions")
    )
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket=DATA_BUCKET)
    role = iam.create_role(RoleName="hpc-moto", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    environments = {
        "start": {
            "RESULTS_BUCKET": BUCKET,
            "MAX_ITEMS": str(SETTINGS.max_items),
            "DATA_BUCKETS": json.dumps([DATA_BUCKET]),
        },
        "compute": {},
        "sum": {"RESULTS_BUCKET": BUCKET, "TOLERATED_FAILURE_PERCENTAGE": str(SETTINGS.tolerated_failure_percentage)},
    }
    arns = {
        kind: lam.create_function(
            FunctionName=f"{MACHINE}-{kind}",
            Runtime="python3.13",
            Role=role,
            Handler=f"handlers.{kind}.handler",
            Code={"ZipFile": handlers_zip()},
            Environment={"Variables": {"PYTHONINTMAXSTRDIGITS": "0", **environment}},
        )["FunctionArn"]
        for kind, environment in environments.items()
    }
    definition = without_json_lines(
        build_definition(Functions(arns["start"], arns["compute"], arns["sum"]), BUCKET, SETTINGS)
    )
    machine = sfn.create_state_machine(name=MACHINE, definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
    return MotoStack(sfn=sfn, s3=s3, state_machine_arn=machine)


def without_json_lines(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition less the JSON Lines Map, which moto 5.2 cannot parse (no InputType JSONL)."""
    name = DATA_MAPS["jsonl"].state
    del definition["States"][name]
    route = definition["States"]["Route"]
    route["Choices"] = [rule for rule in route["Choices"] if rule["Next"] != name]
    return definition


def handlers_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((REPO / "handlers").rglob("*.py")):
            archive.write(path, path.relative_to(REPO).as_posix())
    return buffer.getvalue()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with mocked_aws(monkeypatch):
        yield


@contextmanager
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto on, credentials faked, the handlers' store on S3 (the `aws` fixture; benchmarks use it directly)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("HPC_LOCAL_STORE", raising=False)  # the handlers must use S3 (moto), not a local directory
    from handlers import store

    store._s3_store.cache_clear()  # a client from an earlier test would carry no state of this one's moto
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield
    store._s3_store.cache_clear()


@pytest.fixture
def stack(aws: None, monkeypatch: pytest.MonkeyPatch) -> MotoStack:
    return deploy_to_moto(None, monkeypatch)

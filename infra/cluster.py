"""HpcCluster: the results bucket, the three functions and the state machine, as one Pulumi component."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from asl.definition import Functions, definition_json
from hpc.functions import FUNCTION_KEYS, FunctionSpec, function_specs
from hpc.settings import Settings
from infra import iam
from infra.alarm import failure_alarm
from infra.bucket import results_bucket
from infra.dashboard import console_url, dashboard
from infra.layer import Target, layers_for, workload_layer

COMPONENT_TYPE = "hpc:index:HpcCluster"
RUNTIME = "python3.13"
ARCHITECTURE = "arm64"  # a fifth cheaper per GB-second than x86, and the handlers are pure Python
HANDLERS_PACKAGE = "handlers"
EXAMPLE_INPUT = '{"size": 1024}'
LAMBDA_LOG_PREFIX = "/aws/lambda/"
STATES_LOG_PREFIX = "/aws/vendedlogs/states/"  # the prefix AWS's own log-delivery policy is sized for

# Which role policy each function gets: (account, its log group name, bucket name, data buckets) -> policy document.
POLICIES: dict[str, Callable[[iam.Account, str, str, tuple[str, ...]], dict[str, Any]]] = {
    "start": lambda account, log_group, bucket, _data: iam.start_function_policy(account, log_group, bucket),
    "compute": lambda account, log_group, _bucket, data: iam.compute_function_policy(account, log_group, data),
    "sum": lambda account, log_group, bucket, _data: iam.sum_function_policy(account, log_group, bucket),
}


class HpcCluster(pulumi.ComponentResource):
    """Start -> Distributed Map over compute -> Sum, with every resource a child of this component."""

    state_machine_arn: pulumi.Output[str]
    state_machine_name: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    function_names: pulumi.Output[dict[str, str]]
    start_command: pulumi.Output[str]
    """A ready-to-paste `aws stepfunctions start-execution` for a 1024-item job."""
    dashboard_name: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]
    """The CloudWatch console page of the dashboard."""
    alarm_topic_arn: pulumi.Output[str]
    """The SNS topic the failed-execution alarm notifies; subscribe to it (or set hpc:alarmEmail)."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        handlers_dir: str = HANDLERS_PACKAGE,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._name = name
        self._settings = settings
        self._account = self._lookup_account()
        self._code = handler_archive(Path(handlers_dir))
        self._layer = workload_layer(
            name,
            f"{settings.state_machine_name}-libraries",
            Target(RUNTIME, ARCHITECTURE),
            code_bytes=sum(path.stat().st_size for path in shipped_files(Path(handlers_dir))),
            parent=self,
        )

        bucket = results_bucket(name, settings, self._account, parent=self)
        specs = function_specs(settings, bucket.bucket)
        start, compute, sum_ = (self._function(specs[key], bucket.bucket) for key in FUNCTION_KEYS)
        machine = self._state_machine(start, compute, sum_, bucket)
        region = self._account.apply(lambda account: account.region)
        board = dashboard(name, settings.state_machine_name, region, machine.arn, compute.name, sum_.name, parent=self)
        topic, _ = failure_alarm(name, settings.state_machine_name, machine.arn, settings.alarm_email, parent=self)

        self.state_machine_arn = machine.arn
        self.state_machine_name = machine.name
        self.bucket_name = bucket.bucket
        self.function_names = pulumi.Output.all(start.name, compute.name, sum_.name).apply(
            lambda names: dict(zip(("start", "compute", "sum"), names, strict=True))
        )
        self.start_command = pulumi.Output.all(machine.arn, self._account).apply(
            lambda args: start_command(args[0], args[1].region)
        )
        self.dashboard_name = board.dashboard_name
        self.dashboard_url = pulumi.Output.all(region, board.dashboard_name).apply(lambda args: console_url(*args))
        self.alarm_topic_arn = topic.arn
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "stateMachineName": self.state_machine_name,
                "bucketName": self.bucket_name,
                "functionNames": self.function_names,
                "startCommand": self.start_command,
                "dashboardName": self.dashboard_name,
                "dashboardUrl": self.dashboard_url,
                "alarmTopicArn": self.alarm_topic_arn,
            }
        )

    def _child(self, **options: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **options)

    def _lookup_account(self) -> pulumi.Output[iam.Account]:
        invoke = pulumi.InvokeOutputOptions(parent=self)
        return pulumi.Output.all(
            aws.get_partition_output(opts=invoke).partition,
            aws.get_region_output(opts=invoke).region,
            aws.get_caller_identity_output(opts=invoke).account_id,
        ).apply(lambda parts: iam.Account(*parts))

    def _role(self, suffix: str, service: str, source_account: bool = False) -> aws.iam.Role:
        trust = (
            self._account.apply(lambda account: json.dumps(iam.service_trust_policy(service, account.id)))
            if source_account
            else json.dumps(iam.service_trust_policy(service))
        )
        return aws.iam.Role(f"{self._name}-{suffix}-role", assume_role_policy=trust, opts=self._child())

    def _function(self, spec: FunctionSpec, bucket_name: pulumi.Output[str]) -> aws.lambda_.Function:
        """A function with its own log group and its own role, allowed only what its spec's policy grants."""
        function_name = f"{self._settings.state_machine_name}-{spec.key}"
        log_group_name = LAMBDA_LOG_PREFIX + function_name
        # Created before the function, so Lambda never makes an unmanaged, never-expiring group of that name.
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-{spec.key}-logs",
            name=log_group_name,
            retention_in_days=self._settings.log_retention_days,
            opts=self._child(),
        )
        role = self._role(spec.key, "lambda.amazonaws.com")
        role_policy = aws.iam.RolePolicy(
            f"{self._name}-{spec.key}-policy",
            role=role.id,
            policy=pulumi.Output.all(self._account, bucket_name).apply(
                lambda args: json.dumps(
                    iam.with_tracing(
                        POLICIES[spec.key](args[0], log_group_name, args[1], self._settings.data_buckets),
                        self._settings.tracing,
                    )
                )
            ),
            opts=self._child(),
        )
        return aws.lambda_.Function(
            f"{self._name}-{spec.key}",
            name=function_name,
            role=role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=spec.handler,
            code=self._code,
            layers=layers_for(spec.key, self._layer),
            memory_size=spec.memory_mb,
            timeout=spec.timeout_seconds,
            environment={"variables": spec.environment},
            logging_config={"log_format": "Text", "log_group": log_group.name},
            reserved_concurrent_executions=spec.reserved_concurrency,
            tracing_config={"mode": "Active"} if self._settings.tracing else None,
            opts=self._child(depends_on=[role_policy]),
        )

    def _state_machine(
        self,
        start: aws.lambda_.Function,
        compute: aws.lambda_.Function,
        sum_: aws.lambda_.Function,
        bucket: aws.s3.Bucket,
    ) -> aws.sfn.StateMachine:
        settings = self._settings
        name = settings.state_machine_name
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-state-machine-logs",
            name=STATES_LOG_PREFIX + name,
            retention_in_days=settings.log_retention_days,
            opts=self._child(),
        )
        role = self._role("state-machine", "states.amazonaws.com", source_account=True)
        # The policy names the machine's own ARN, built from its explicit name: no cycle through the machine.
        role_policy = aws.iam.RolePolicy(
            f"{self._name}-state-machine-policy",
            role=role.id,
            policy=pulumi.Output.all(self._account, start.arn, compute.arn, sum_.arn, bucket.bucket).apply(
                lambda args: json.dumps(
                    iam.state_machine_policy(
                        args[0],
                        name,
                        list(args[1:4]),
                        args[4],
                        tracing=settings.tracing,
                        data_buckets=settings.data_buckets,
                    )
                )
            ),
            opts=self._child(),
        )
        definition = pulumi.Output.all(start.arn, compute.arn, sum_.arn, bucket.bucket).apply(
            lambda args: definition_json(Functions(*args[:3]), args[3], settings)
        )
        return aws.sfn.StateMachine(
            f"{self._name}-state-machine",
            name=name,
            type="STANDARD",
            role_arn=role.arn,
            definition=definition,
            logging_configuration={
                "log_destination": log_group.arn.apply(lambda arn: f"{arn}:*"),
                "include_execution_data": False,  # inputs and outputs stay out of the logs
                "level": settings.log_level,
            },
            tracing_configuration={"enabled": settings.tracing},
            # CreateStateMachine checks the role may deliver logs, so the policy must be in place first.
            opts=self._child(depends_on=[role_policy]),
        )


def handler_archive(directory: Path) -> pulumi.AssetArchive:
    """Every file under `directory` at `handlers/...` in one zip, so `handlers.start.handler` imports; no caches."""
    files: dict[str, pulumi.Asset | pulumi.Archive] = {
        f"{HANDLERS_PACKAGE}/{path.relative_to(directory).as_posix()}": pulumi.FileAsset(str(path))
        for path in shipped_files(directory)
    }
    return pulumi.AssetArchive(files)


def shipped_files(directory: Path) -> list[Path]:
    return [path for path in sorted(directory.rglob("*")) if path.is_file() and is_shipped(path.relative_to(directory))]


def is_shipped(relative: Path) -> bool:
    return "__pycache__" not in relative.parts and relative.suffix != ".pyc" and not relative.name.startswith(".")


def start_command(state_machine_arn: str, region: str) -> str:
    return (
        f"aws stepfunctions start-execution --region {region} "
        f"--state-machine-arn {state_machine_arn} --input '{EXAMPLE_INPUT}'"
    )

"""Runs the real Pulumi program (`__main__.py`) against Pulumi's mocks and records every resource it registers.

The mocks play the provider's part only where the program reads a computed value: ARNs, names and ids built the way
AWS builds them, so assertions can name the exact ARN a policy must contain.
"""

from __future__ import annotations

import contextvars
import os
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

REPO = Path(__file__).resolve().parents[2]
PROJECT = "hpc-step-functions"
PARTITION = "aws"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET_SUFFIX = "-4f2a1b9"  # what Pulumi's auto-naming would append


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    parent_type: str = ""


@dataclass
class Deployment:
    resources: list[Registered]
    outputs: dict[str, Any]
    component_type: str = ""
    calls: list[str] = field(default_factory=list)

    def of_type(self, type_: str) -> list[Registered]:
        return [resource for resource in self.resources if resource.type == type_]

    def one(self, type_: str, name: str) -> Registered:
        found = [resource for resource in self.of_type(type_) if resource.name == name]
        assert len(found) == 1, f"expected one {type_} named {name}, found {[r.name for r in self.of_type(type_)]}"
        return found[0]


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[Registered] = []
        self.calls: list[str] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, computed = computed_outputs(args.typ, args.name, args.inputs)
        outputs = {**args.inputs, **computed}
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs), outputs))
        return resource_id, outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        self.calls.append(args.token)
        return {
            "aws:index/getPartition:getPartition": {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": "aws"},
            "aws:index/getRegion:getRegion": {"region": REGION, "name": REGION, "id": REGION},
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT,
                "arn": f"arn:{PARTITION}:iam::{ACCOUNT}:user/deployer",
                "userId": "AIDAEXAMPLE",
                "id": ACCOUNT,
            },
        }.get(args.token, {})


def computed_outputs(type_: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The id and the provider-computed outputs AWS would give this resource."""
    arn_base = f"arn:{PARTITION}"
    if type_ == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") or name + BUCKET_SUFFIX
        return bucket, {"bucket": bucket, "arn": f"{arn_base}:s3:::{bucket}"}
    if type_ == "aws:lambda/function:Function":
        function = inputs["name"]
        return function, {"arn": f"{arn_base}:lambda:{REGION}:{ACCOUNT}:function:{function}"}
    if type_ == "aws:iam/role:Role":
        role = inputs.get("name") or name + "-a1b2c3d"
        return role, {"name": role, "arn": f"{arn_base}:iam::{ACCOUNT}:role/{role}"}
    if type_ == "aws:cloudwatch/logGroup:LogGroup":
        group = inputs["name"]
        return group, {"arn": f"{arn_base}:logs:{REGION}:{ACCOUNT}:log-group:{group}"}
    if type_ == "aws:lambda/layerVersion:LayerVersion":
        layer_arn = f"{arn_base}:lambda:{REGION}:{ACCOUNT}:layer:{inputs['layerName']}"
        return f"{layer_arn}:1", {"arn": f"{layer_arn}:1", "layerArn": layer_arn, "version": "1"}
    if type_ == "aws:sfn/stateMachine:StateMachine":
        machine_arn = f"{arn_base}:states:{REGION}:{ACCOUNT}:stateMachine:{inputs['name']}"
        return machine_arn, {"arn": machine_arn}
    if type_ == "aws:sns/topic:Topic":
        topic = inputs.get("name") or name + "-a1b2c3d"
        return f"{arn_base}:sns:{REGION}:{ACCOUNT}:{topic}", {
            "name": topic,
            "arn": f"{arn_base}:sns:{REGION}:{ACCOUNT}:{topic}",
        }
    if type_ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        alarm = inputs["name"]
        return alarm, {"arn": f"{arn_base}:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm}"}
    return f"{name}-id", {}


def deploy(config: dict[str, str] | None = None, stack: str = "dev") -> Deployment:
    """Runs `__main__.py` once, from the repository root as `pulumi up` would, with `config` as the stack's config.

    Each run gets a fresh context, so config, the root stack resource and the mock monitor never leak between runs.
    """
    return contextvars.Context().run(_deploy, dict(config or {}), stack)


def refused(config: dict[str, str], stack: str = "dev") -> tuple[BaseException, list[Registered]]:
    """Runs the program with a config it must refuse: the error it stopped with, and what it had registered by then."""
    mocks = RecordingMocks()
    try:
        contextvars.Context().run(_deploy, dict(config), stack, mocks)
    except Exception as error:
        return error, mocks.resources
    raise AssertionError(f"the program accepted {config}")


def _deploy(config: dict[str, str], stack: str, mocks: RecordingMocks | None = None) -> Deployment:
    pulumi.runtime.set_all_config(config)
    mocks = mocks or RecordingMocks()
    monitor = MockMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def run_program() -> pulumi.Output:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")
        outputs = pulumi.runtime.get_root_resource().outputs  # type: ignore[union-attr]
        return pulumi.Output.all(**outputs).apply(exported.update)

    previous = Path.cwd()
    os.chdir(REPO)
    try:
        run_program()
    finally:
        os.chdir(previous)
    _attach_parents(mocks.resources, monitor.get_registered_resources())
    return Deployment(resources=mocks.resources, outputs=exported, calls=mocks.calls)


def _attach_parents(resources: list[Registered], by_urn: dict[str, Any]) -> None:
    # A URN's type part is "<parent type>$<type>"; that names each resource's parent.
    parent_of: dict[tuple[str, str], str] = {}
    for urn in by_urn:
        qualified_type, name = urn.split("::")[2:4]
        *parents, type_ = qualified_type.split("$")
        parent_of[(type_, name)] = parents[-1] if parents else ""
    for resource in resources:
        resource.parent_type = parent_of.get((resource.type, resource.name), "")

"""Stack config: `Pulumi.dev.yaml` spells out every default, and every `hpc:*` key reaches the resources it tunes."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest
import yaml
from mock_cloud import REPO, Deployment, deploy

from hpc.settings import InvalidSettings, Settings

LAMBDA = "aws:lambda/function:Function"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"

# One non-default value for every key (Pulumi hands config values to the program as strings).
OVERRIDES = {
    "hpc:stateMachineName": "jobs",
    "hpc:maxItemsPerBatch": "1",
    "hpc:maxConcurrency": "50",
    "hpc:toleratedFailurePercentage": "5",
    "hpc:executionType": "EXPRESS",
    "hpc:maxItems": "5000",
    "hpc:retryMaxAttempts": "2",
    "hpc:retryIntervalSeconds": "3",
    "hpc:retryBackoffRate": "1.5",
    "hpc:retryMaxDelaySeconds": "10",
    "hpc:startMemoryMb": "512",
    "hpc:startTimeoutSeconds": "30",
    "hpc:computeMemoryMb": "3538",
    "hpc:computeTimeoutSeconds": "600",
    "hpc:sumMemoryMb": "2048",
    "hpc:sumTimeoutSeconds": "300",
    "hpc:logRetentionDays": "30",
    "hpc:logLevel": "ALL",
    "hpc:tracing": "true",
    "hpc:resultsExpireDays": "2",
    "hpc:alarmEmail": "ops@example.com",
}


@pytest.fixture(scope="module")
def overridden() -> Deployment:
    return deploy(OVERRIDES)


def stack_file_config() -> dict[str, Any]:
    return yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]


def inputs_without_code(deployment: Deployment) -> list[tuple[str, str, Any]]:
    """Every resource's inputs, with the code archive replaced by its file list (assets do not compare by value)."""
    described = []
    for resource in deployment.resources:
        inputs = dict(resource.inputs)
        if "code" in inputs:
            inputs["code"] = sorted(inputs["code"].assets)
        described.append((resource.type, resource.name, inputs))
    return sorted(described, key=lambda entry: (entry[0], entry[1]))


def test_test_overrides_cover_every_setting():
    assert {key.removeprefix("hpc:") for key in OVERRIDES} == {
        "".join(part if i == 0 else part.title() for i, part in enumerate(f.name.split("_"))) for f in fields(Settings)
    }


def test_stack_file_spells_out_every_setting_with_its_default():
    config = stack_file_config()
    assert config["aws:region"]
    assert config.pop("hpc:stateMachineName") == "hpc-dev"  # the name an unset key gives stack "dev"
    rest = {key.removeprefix("hpc:"): value for key, value in config.items() if key.startswith("hpc:")}
    defaults = Settings().as_config()
    del defaults["stateMachineName"]
    assert rest == defaults


def test_stack_file_values_deploy_exactly_like_no_config(deployment: Deployment):
    # GIVEN the stack file's values as the Pulumi CLI passes them: strings
    as_cli_strings = {
        key: json.dumps(value) if isinstance(value, bool) else str(value) for key, value in stack_file_config().items()
    }
    # WHEN the program runs with them THEN it builds the same resources as with no config at all
    assert inputs_without_code(deploy(as_cli_strings)) == inputs_without_code(deployment)


def test_unset_name_follows_the_stack_and_is_made_a_valid_state_machine_name():
    deployment = deploy(stack="prod.eu-1")
    assert deployment.outputs["stateMachineName"] == "hpc-prod-eu-1"
    assert deployment.outputs["startFunctionName"] == "hpc-prod-eu-1-start"


def test_overrides_reach_the_functions(overridden: Deployment):
    sizing = {
        kind: (function.inputs["memorySize"], function.inputs["timeout"], function.inputs["name"])
        for kind in ("start", "compute", "sum")
        for function in [overridden.one(LAMBDA, f"hpc-{kind}")]
    }
    assert sizing == {
        "start": (512, 30, "jobs-start"),
        "compute": (3538, 600, "jobs-compute"),
        "sum": (2048, 300, "jobs-sum"),
    }
    assert overridden.one(LAMBDA, "hpc-start").inputs["environment"]["variables"]["MAX_ITEMS"] == "5000"
    assert overridden.one(LAMBDA, "hpc-sum").inputs["environment"]["variables"]["TOLERATED_FAILURE_PERCENTAGE"] == "5.0"


def test_overrides_reach_logs_tracing_and_expiry(overridden: Deployment):
    retention = {
        group.inputs["name"]: group.inputs["retentionInDays"]
        for group in overridden.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert retention == {
        "/aws/lambda/jobs-start": 30,
        "/aws/lambda/jobs-compute": 30,
        "/aws/lambda/jobs-sum": 30,
        "/aws/vendedlogs/states/jobs": 30,
    }
    machine = overridden.one(STATE_MACHINE, "hpc-state-machine").inputs
    assert machine["name"] == "jobs"
    assert machine["loggingConfiguration"]["level"] == "ALL"
    assert machine["tracingConfiguration"] == {"enabled": True}
    rules = overridden.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "hpc-results-expiry")
    assert [rule["expiration"]["days"] for rule in rules.inputs["rules"]] == [2, 2]


def test_overrides_reach_the_definition(overridden: Deployment):
    states = json.loads(overridden.one(STATE_MACHINE, "hpc-state-machine").inputs["definition"])["States"]
    compute = states["Compute"]
    assert "ItemBatcher" not in compute
    assert compute["MaxConcurrency"] == 50
    assert compute["ToleratedFailurePercentage"] == 5
    assert compute["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "EXPRESS"
    (retry,) = states["Start"]["Retry"]
    assert (retry["MaxAttempts"], retry["IntervalSeconds"], retry["BackoffRate"], retry["MaxDelaySeconds"]) == (
        2,
        3,
        1.5,
        10,
    )


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"hpc:maxConcurrency": "-1"}, "maxConcurrency"),
        ({"hpc:tracing": "yes"}, "tracing"),
        ({"hpc:executionType": "express"}, "executionType"),
        ({"hpc:stateMachineName": "x" * 57}, "stateMachineName"),
    ],
)
def test_bad_config_stops_the_deployment_naming_the_key(config: dict[str, str], named: str):
    with pytest.raises(InvalidSettings, match=named):
        deploy(config)

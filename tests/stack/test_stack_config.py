"""Stack config: `Pulumi.dev.yaml` spells out every default, and every `hpc:*` key reaches the resources it tunes."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
import yaml
from mock_cloud import REPO, Deployment, deploy, refused

from hpc.settings import InvalidSettings, Settings
from infra.settings import InvalidStackConfig

LAMBDA = "aws:lambda/function:Function"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"

# One non-default value for every key (Pulumi hands config values to the program as strings).
OVERRIDES = {
    "hpc:stateMachineName": "jobs",
    "hpc:maxItemsPerBatch": "1",
    "hpc:maxRowsPerBatch": "300",
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
    "hpc:computeTimeoutSeconds": "300",
    "hpc:computeReservedConcurrency": "60",
    "hpc:sumMemoryMb": "2048",
    "hpc:sumTimeoutSeconds": "300",
    "hpc:logRetentionDays": "30",
    "hpc:logLevel": "ALL",
    "hpc:tracing": "true",
    "hpc:resultsExpireDays": "20",
    "hpc:alarmEmail": "ops@example.com",
    "hpc:dataBuckets": '["my-data", "lake/raw"]',
}


@pytest.fixture(scope="module")
def overridden() -> Deployment:
    return deploy(OVERRIDES)


def stack_file_config() -> dict[str, Any]:
    return yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]


def inputs_without_code(deployment: Deployment) -> list[tuple[str, str, Any]]:
    """Every resource's inputs, code archives replaced by their file list or path (they do not compare by value)."""
    described = []
    for resource in deployment.resources:
        inputs = dict(resource.inputs)
        if "code" in inputs:
            code = inputs["code"]
            inputs["code"] = code.path if isinstance(code, pulumi.FileArchive) else sorted(code.assets)
        described.append((resource.type, resource.name, inputs))
    return sorted(described, key=lambda entry: (entry[0], entry[1]))


def test_test_overrides_cover_every_setting():
    assert {key.removeprefix("hpc:") for key in OVERRIDES} == {
        "".join(part if i == 0 else part.title() for i, part in enumerate(name.split("_"))) for name in Settings._fields
    }


def test_stack_file_spells_out_every_setting_with_its_default():
    config = stack_file_config()
    assert config["aws:region"]
    rest = {key.removeprefix("hpc:"): value for key, value in config.items() if key.startswith("hpc:")}
    defaults = Settings().as_config()
    # Left unset on purpose, each with a comment in the file: the name follows the stack (hpc-dev here), so a copy of
    # the file for another stack does not collide; reserved concurrency is off unless asked for.
    unset = {"stateMachineName", "computeReservedConcurrency"}
    text = (REPO / "Pulumi.dev.yaml").read_text()
    assert all(f"# hpc:{key}" in text for key in unset)
    assert rest == {key: value for key, value in defaults.items() if key not in unset}


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
        "compute": (3538, 300, "jobs-compute"),
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
    assert [rule["expiration"]["days"] for rule in rules.inputs["rules"]] == [20, 20, 20]
    functions = {function.name: function.inputs for function in overridden.of_type(LAMBDA)}
    assert {name: inputs["tracingConfig"] for name, inputs in functions.items()} == {
        name: {"mode": "Active"} for name in ("hpc-start", "hpc-compute", "hpc-sum")
    }


def test_reserved_concurrency_goes_to_the_compute_function_only(overridden: Deployment, deployment: Deployment):
    reserved = {f.name: f.inputs.get("reservedConcurrentExecutions") for f in overridden.of_type(LAMBDA)}
    assert reserved == {"hpc-start": None, "hpc-compute": 60, "hpc-sum": None}
    # AND by default nothing is reserved and nothing is traced
    assert all("reservedConcurrentExecutions" not in f.inputs for f in deployment.of_type(LAMBDA))
    assert all("tracingConfig" not in f.inputs for f in deployment.of_type(LAMBDA))


def test_overrides_reach_the_definition(overridden: Deployment):
    states = json.loads(overridden.one(STATE_MACHINE, "hpc-state-machine").inputs["definition"])["States"]
    compute = states["Compute"]
    assert "ItemBatcher" not in compute
    assert states["ComputeRows"]["ItemBatcher"]["MaxItemsPerBatch"] == 300
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


# Each bad config, and what the refusal must name: the key, the value given and what is allowed.
BAD_CONFIG = {
    "negative-concurrency": ({"hpc:maxConcurrency": "-1"}, ["'maxConcurrency'", "between 0 and 10,000", "-1"]),
    "concurrency-above-map-limit": ({"hpc:maxConcurrency": "10001"}, ["'maxConcurrency'", "10,000", "10001"]),
    "not-a-boolean": ({"hpc:tracing": "yes"}, ["'tracing'", "true or false", "'yes'"]),
    "lower-case-type": ({"hpc:executionType": "express"}, ["'executionType'", "STANDARD or EXPRESS", "'express'"]),
    "name-too-long": ({"hpc:stateMachineName": "x" * 57}, ["'stateMachineName'", "1 to 56", "x" * 57]),
    "typo-key": ({"hpc:maxItemPerBatch": "5"}, ["'hpc:maxItemPerBatch'", "did you mean 'maxItemsPerBatch'"]),
    "project-namespace": (
        {"hpc-step-functions:maxItemsPerBatch": "5"},
        ["'hpc-step-functions:maxItemsPerBatch'", "pulumi config set hpc:maxItemsPerBatch"],
    ),
    "infinite-backoff": ({"hpc:retryBackoffRate": "inf"}, ["'retryBackoffRate'", "finite number", "'inf'"]),
    "nan-backoff": ({"hpc:retryBackoffRate": "nan"}, ["'retryBackoffRate'", "finite number", "'nan'"]),
    "retention-cloudwatch-refuses": ({"hpc:logRetentionDays": "2"}, ["'logRetentionDays'", "1 or 3 or 5", "2"]),
    "express-with-15-minute-compute": (
        {"hpc:executionType": "EXPRESS"},
        ["'computeTimeoutSeconds'", "at most 300 with executionType EXPRESS", "900"],
    ),
    "fractional-tolerance": (
        {"hpc:toleratedFailurePercentage": "2.5"},
        ["'toleratedFailurePercentage'", "a whole number between 0 and 100", "2.5"],
    ),
    "items-above-item-reader-limit": ({"hpc:maxItems": "100000001"}, ["'maxItems'", "100,000,000", "100000001"]),
    "expiry-inside-redrive-window": ({"hpc:resultsExpireDays": "7"}, ["'resultsExpireDays'", "redrive", "7"]),
    "concurrency-above-reservation": (
        {"hpc:computeReservedConcurrency": "100", "hpc:maxConcurrency": "200"},
        ["'maxConcurrency'", "computeReservedConcurrency (100)", "200"],
    ),
    "unbounded-concurrency-with-reservation": (
        {"hpc:computeReservedConcurrency": "100", "hpc:maxConcurrency": "0"},
        ["'maxConcurrency'", "computeReservedConcurrency (100)", "got 0"],
    ),
    "zero-reservation": ({"hpc:computeReservedConcurrency": "0"}, ["'computeReservedConcurrency'", "at least 1"]),
}


@pytest.mark.parametrize(("config", "named"), BAD_CONFIG.values(), ids=BAD_CONFIG.keys())
def test_bad_config_stops_the_deployment_before_any_resource_naming_key_value_and_what_is_allowed(
    config: dict[str, str], named: list[str]
):
    # WHEN the program runs with the bad config
    error, registered = refused(config)
    # THEN it stopped with a refusal Pulumi prints without a stack trace (a RunError), naming what to change
    assert isinstance(error, InvalidStackConfig) and isinstance(error, InvalidSettings), repr(error)
    message = str(error)
    assert all(part in message for part in named), message
    # AND nothing was registered: not one resource was created or changed
    assert registered == []


def test_stack_name_alone_names_every_resource_so_two_stacks_coexist():
    names = {stack: deploy(stack=stack).outputs for stack in ("dev", "prod")}
    assert names["dev"]["stateMachineName"] == "hpc-dev" and names["prod"]["stateMachineName"] == "hpc-prod"
    dev, prod = (set(map(str, outputs.values())) for outputs in names.values())
    assert {"hpc-dev-start", "hpc-dev-compute", "hpc-dev-sum"} <= dev
    assert {"hpc-prod-start", "hpc-prod-compute", "hpc-prod-sum"} <= prod

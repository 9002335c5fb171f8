"""The cluster's resources and their wiring, from a mocked `pulumi up` of `__main__.py` with default settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mock_cloud import ACCOUNT, BUCKET_SUFFIX, REGION, Deployment

from infra.cluster import handler_archive

COMPONENT = "hpc:index:HpcCluster"
BUCKET = "hpc-results" + BUCKET_SUFFIX
MACHINE = "hpc-dev"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
LAMBDA = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"


def test_every_resource_is_a_child_of_the_one_component(deployment: Deployment):
    components = deployment.of_type(COMPONENT)
    assert [component.parent_type for component in components] == ["pulumi:pulumi:Stack"]
    children = [resource for resource in deployment.resources if resource.type != COMPONENT]
    assert children, "the component made no resources"
    assert {resource.parent_type for resource in children} == {COMPONENT}


def test_the_stack_holds_exactly_the_expected_resources(deployment: Deployment):
    counts: dict[str, int] = {}
    for resource in deployment.resources:
        counts[resource.type] = counts.get(resource.type, 0) + 1
    assert counts == {
        COMPONENT: 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        LOG_GROUP: 4,
        "aws:iam/role:Role": 4,
        "aws:iam/rolePolicy:RolePolicy": 4,
        LAMBDA: 3,
        "aws:lambda/layerVersion:LayerVersion": 1,
        STATE_MACHINE: 1,
        "aws:cloudwatch/dashboard:Dashboard": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
        "aws:sns/topic:Topic": 1,
    }


# ---- bucket -----------------------------------------------------------------------------------------------------


def test_bucket_can_be_destroyed_with_results_in_it(deployment: Deployment):
    assert deployment.one("aws:s3/bucket:Bucket", "hpc-results").inputs["forceDestroy"] is True


def test_bucket_blocks_all_public_access(deployment: Deployment):
    block = deployment.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "hpc-results-public-access")
    assert block.inputs == {
        "bucket": BUCKET,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }


def test_bucket_disables_acls_and_encrypts_by_default(deployment: Deployment):
    ownership = deployment.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "hpc-results-ownership")
    assert ownership.inputs == {"bucket": BUCKET, "rule": {"objectOwnership": "BucketOwnerEnforced"}}
    encryption = deployment.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "hpc-results-encryption",
    )
    assert encryption.inputs["bucket"] == BUCKET
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_bucket_refuses_requests_without_tls(deployment: Deployment):
    bucket_policy = deployment.one("aws:s3/bucketPolicy:BucketPolicy", "hpc-results-tls-only")
    assert bucket_policy.inputs["bucket"] == BUCKET
    assert json.loads(bucket_policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_bucket_expires_items_results_and_outputs_and_aborts_abandoned_uploads(deployment: Deployment):
    lifecycle = deployment.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "hpc-results-expiry")
    assert lifecycle.inputs["bucket"] == BUCKET
    rules = {rule["filter"]["prefix"]: rule for rule in lifecycle.inputs["rules"]}
    assert set(rules) == {"items/", "results/", "outputs/"}
    for rule in rules.values():
        assert rule["status"] == "Enabled"
        # resultsExpireDays default: past the 14 days AWS allows a redrive, which rereads the item list and results
        assert rule["expiration"] == {"days": 15}
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}


# ---- functions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "memory", "timeout"),
    [("start", 256, 60), ("compute", 1769, 900), ("sum", 1024, 900)],
)
def test_function_runs_its_handler_on_python313_arm64(deployment: Deployment, kind: str, memory: int, timeout: int):
    function = deployment.one(LAMBDA, f"hpc-{kind}")
    assert function.inputs["name"] == f"{MACHINE}-{kind}"
    assert function.inputs["handler"] == f"handlers.{kind}.handler"
    assert function.inputs["runtime"] == "python3.13"
    assert function.inputs["architectures"] == ["arm64"]
    assert function.inputs["memorySize"] == memory
    assert function.inputs["timeout"] == timeout
    assert function.inputs["role"] == deployment.one("aws:iam/role:Role", f"hpc-{kind}-role").outputs["arn"]


def test_functions_get_only_the_environment_their_handlers_read(deployment: Deployment):
    environments = {
        kind: deployment.one(LAMBDA, f"hpc-{kind}").inputs["environment"]["variables"]
        for kind in ("start", "compute", "sum")
    }
    assert environments == {
        "start": {"RESULTS_BUCKET": BUCKET, "MAX_ITEMS": "1000000", "DATA_BUCKETS": "[]", "PYTHONINTMAXSTRDIGITS": "0"},
        "compute": {"PYTHONINTMAXSTRDIGITS": "0"},
        "sum": {"RESULTS_BUCKET": BUCKET, "TOLERATED_FAILURE_PERCENTAGE": "0.0", "PYTHONINTMAXSTRDIGITS": "0"},
    }


@pytest.mark.parametrize("kind", ["start", "compute", "sum"])
def test_function_logs_to_its_own_log_group_with_retention(deployment: Deployment, kind: str):
    log_group = deployment.one(LOG_GROUP, f"hpc-{kind}-logs")
    assert log_group.inputs == {"name": f"/aws/lambda/{MACHINE}-{kind}", "retentionInDays": 14}
    function = deployment.one(LAMBDA, f"hpc-{kind}")
    assert function.inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{MACHINE}-{kind}"


def test_all_functions_ship_one_archive_holding_the_handler_modules(deployment: Deployment):
    archives = [deployment.one(LAMBDA, f"hpc-{kind}").inputs["code"] for kind in ("start", "compute", "sum")]
    paths = [sorted(archive.assets) for archive in archives]
    assert paths[0] == paths[1] == paths[2]
    for module in ("handlers/__init__.py", "handlers/start.py", "handlers/compute.py", "handlers/sum.py"):
        assert module in paths[0]
    assert not [path for path in paths[0] if "__pycache__" in path or path.endswith(".pyc")]


def test_archive_leaves_out_caches_and_hidden_files(tmp_path: Path):
    # GIVEN a handlers directory with a module, a nested package, a bytecode cache and an editor's hidden file
    (tmp_path / "workloads" / "__pycache__").mkdir(parents=True)
    (tmp_path / "start.py").write_text("def handler(event, context): ...\n")
    (tmp_path / "workloads" / "__init__.py").write_text("")
    (tmp_path / "workloads" / "__pycache__" / "__init__.cpython-313.pyc").write_bytes(b"\0")
    (tmp_path / ".start.py.swp").write_bytes(b"\0")
    # WHEN it is archived
    archive = handler_archive(tmp_path)
    # THEN only the sources are in it, under handlers/, each pointing at its file
    assert sorted(archive.assets) == ["handlers/start.py", "handlers/workloads/__init__.py"]
    assert archive.assets["handlers/start.py"].path == str(tmp_path / "start.py")


# ---- state machine ----------------------------------------------------------------------------------------------


def machine(deployment: Deployment):
    return deployment.one(STATE_MACHINE, "hpc-state-machine")


def test_state_machine_is_named_after_the_stack_and_uses_its_own_role(deployment: Deployment):
    inputs = machine(deployment).inputs
    assert inputs["name"] == MACHINE
    assert inputs["type"] == "STANDARD"
    assert inputs["roleArn"] == deployment.one("aws:iam/role:Role", "hpc-state-machine-role").outputs["arn"]


def test_state_machine_logs_errors_without_execution_data_to_its_vended_log_group(deployment: Deployment):
    log_group = deployment.one(LOG_GROUP, "hpc-state-machine-logs")
    assert log_group.inputs == {"name": f"/aws/vendedlogs/states/{MACHINE}", "retentionInDays": 14}
    assert machine(deployment).inputs["loggingConfiguration"] == {
        "logDestination": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/states/{MACHINE}:*",
        "includeExecutionData": False,
        "level": "ERROR",
    }
    assert machine(deployment).inputs["tracingConfiguration"] == {"enabled": False}


def test_definition_invokes_the_three_deployed_functions_and_writes_to_the_bucket(deployment: Deployment):
    states = json.loads(machine(deployment).inputs["definition"])["States"]
    compute = states["Compute"]
    assert states["Start"]["Parameters"]["FunctionName"] == FUNCTION_ARN + f"{MACHINE}-start"
    inner = compute["ItemProcessor"]["States"]["ComputeItems"]
    assert inner["Parameters"]["FunctionName"] == FUNCTION_ARN + f"{MACHINE}-compute"
    assert states["Sum"]["Parameters"]["FunctionName"] == FUNCTION_ARN + f"{MACHINE}-sum"
    assert states["ReportFailures"]["Parameters"]["FunctionName"] == FUNCTION_ARN + f"{MACHINE}-sum"
    assert compute["ResultWriter"]["Parameters"]["Bucket"] == BUCKET


def test_definition_follows_the_default_settings(deployment: Deployment):
    compute = json.loads(machine(deployment).inputs["definition"])["States"]["Compute"]
    assert compute["ItemBatcher"]["MaxItemsPerBatch"] == 128
    assert compute["MaxConcurrency"] == 1000
    assert compute["ToleratedFailurePercentage"] == 0
    assert compute["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}


# ---- outputs ----------------------------------------------------------------------------------------------------


def test_stack_exports_what_a_user_needs_to_run_a_job(deployment: Deployment):
    machine_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{MACHINE}"
    assert deployment.outputs == {
        "stateMachineArn": machine_arn,
        "stateMachineName": MACHINE,
        "bucketName": BUCKET,
        "startFunctionName": f"{MACHINE}-start",
        "computeFunctionName": f"{MACHINE}-compute",
        "sumFunctionName": f"{MACHINE}-sum",
        "startCommand": (
            f"aws stepfunctions start-execution --region {REGION} --state-machine-arn {machine_arn} "
            """--input '{"size": 1024}'"""
        ),
        "dashboardName": MACHINE,
        "dashboardUrl": (
            f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}#dashboards/dashboard/{MACHINE}"
        ),
        "alarmTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{MACHINE}-alarms",
    }

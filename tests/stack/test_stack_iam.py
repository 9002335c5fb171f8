"""Least privilege: every role's trust and every statement of every policy, against the exact ARNs.

Expected ARNs are written out here from the mock account (Region, account id, names), not computed by infra/iam.py.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from mock_cloud import ACCOUNT, BUCKET_SUFFIX, REGION, Deployment, deploy

from infra import iam

BUCKET = "hpc-results" + BUCKET_SUFFIX
MACHINE = "hpc-dev"
STATES = f"arn:aws:states:{REGION}:{ACCOUNT}"
LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group"
FUNCTIONS = [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{MACHINE}-{kind}" for kind in ("start", "compute", "sum")]

# The only actions AWS cannot scope to a resource, and so the only ones allowed on "*".
UNSCOPABLE_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}


def role_policy(deployment: Deployment, owner: str) -> dict[str, Any]:
    """The inline policy of role `hpc-<owner>-role`, checked to be attached to that role."""
    role = deployment.one("aws:iam/role:Role", f"hpc-{owner}-role")
    attached = deployment.one("aws:iam/rolePolicy:RolePolicy", f"hpc-{owner}-policy")
    assert attached.inputs["role"] == role.outputs["name"]
    return json.loads(attached.inputs["policy"])


def statements_by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert document["Version"] == "2012-10-17"
    return {statement.pop("Sid"): statement for statement in document["Statement"]}


def allow(actions: list[str], resources: list[str], **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    return {**statement, "Condition": condition} if condition else statement


def own_logs(function: str) -> dict[str, Any]:
    group = f"{LOGS}:/aws/lambda/{function}"
    return allow(["logs:CreateLogStream", "logs:PutLogEvents"], [group, f"{group}:*"])


@pytest.mark.parametrize("kind", ["start", "compute", "sum"])
def test_function_roles_trust_only_lambda(deployment: Deployment, kind: str):
    trust = json.loads(deployment.one("aws:iam/role:Role", f"hpc-{kind}-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


def test_state_machine_role_trusts_step_functions_for_this_account_only(deployment: Deployment):
    trust = json.loads(deployment.one("aws:iam/role:Role", "hpc-state-machine-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]


def test_state_machine_may_do_exactly_what_a_distributed_map_run_needs(deployment: Deployment):
    statements = statements_by_sid(role_policy(deployment, "state-machine"))
    unscoped = {sid: statements.pop(sid) for sid in ("DeliverLogs",)}
    assert statements == {
        "InvokeFunctions": allow(["lambda:InvokeFunction"], FUNCTIONS + [f"{arn}:*" for arn in FUNCTIONS]),
        "StartMapRunChildren": allow(["states:StartExecution"], [f"{STATES}:stateMachine:{MACHINE}"]),
        "ManageMapRunChildren": allow(
            ["states:DescribeExecution", "states:StopExecution"],
            [f"{STATES}:execution:{MACHINE}:*", f"{STATES}:execution:{MACHINE}/*"],
        ),
        "RedriveMapRun": allow(
            ["states:RedriveExecution"],
            [
                f"{STATES}:execution:{MACHINE}/{label}:*"
                for label in ("compute", "compute-objects", "compute-rows", "compute-lines", "compute-array")
            ],
        ),
        "ReadItems": allow(["s3:GetObject"], [f"arn:aws:s3:::{BUCKET}/items/*"]),
        "WriteResults": allow(
            ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
            [f"arn:aws:s3:::{BUCKET}/results/*"],
        ),
    }
    # Log delivery takes no resource ARN: one of the two places "*" is allowed. Tracing is off by default, so no X-Ray.
    assert {sid: (set(statement["Action"]), statement["Resource"]) for sid, statement in unscoped.items()} == {
        "DeliverLogs": ({action for action in UNSCOPABLE_ACTIONS if action.startswith("logs:")}, ["*"]),
    }


def test_state_machine_may_send_traces_only_when_tracing_is_on():
    # GIVEN a stack with tracing turned on, and one with it off
    traced = statements_by_sid(role_policy(deploy({"hpc:tracing": "true"}), "state-machine"))
    untraced = statements_by_sid(role_policy(deploy({"hpc:tracing": "false"}), "state-machine"))
    # THEN X-Ray's actions, which take no resource ARN, are allowed on "*"
    trace = traced.pop("Trace")
    assert {**trace, "Action": set(trace["Action"])} == allow(
        {action for action in UNSCOPABLE_ACTIONS if action.startswith("xray:")}, ["*"]
    )
    # AND nothing else is added or changed
    assert "Trace" not in untraced
    assert traced == untraced


def test_functions_may_send_traces_only_when_tracing_is_on(deployment: Deployment):
    traced = deploy({"hpc:tracing": "true"})
    for kind in ("start", "compute", "sum"):
        # GIVEN tracing on THEN each function's role may send traces (Lambda's Active tracing needs it), on "*" only
        statements = statements_by_sid(role_policy(traced, kind))
        trace = statements.pop("Trace")
        assert (set(trace["Action"]), trace["Resource"], trace["Effect"]) == (
            {action for action in UNSCOPABLE_ACTIONS if action.startswith("xray:")},
            ["*"],
            "Allow",
        )
        # AND otherwise it is exactly the policy it has with tracing off
        assert statements == statements_by_sid(role_policy(deployment, kind))


def test_start_function_may_only_log_and_write_item_lists(deployment: Deployment):
    assert statements_by_sid(role_policy(deployment, "start")) == {
        "WriteOwnLogs": own_logs(f"{MACHINE}-start"),
        "WriteItems": allow(["s3:PutObject"], [f"arn:aws:s3:::{BUCKET}/items/*"]),
    }


def test_compute_function_may_only_log(deployment: Deployment):
    assert statements_by_sid(role_policy(deployment, "compute")) == {"WriteOwnLogs": own_logs(f"{MACHINE}-compute")}


def test_sum_function_may_only_log_read_results_and_write_outputs(deployment: Deployment):
    assert statements_by_sid(role_policy(deployment, "sum")) == {
        "WriteOwnLogs": own_logs(f"{MACHINE}-sum"),
        "WriteOutputs": allow(["s3:PutObject"], [f"arn:aws:s3:::{BUCKET}/outputs/*"]),
        "ReadResults": allow(["s3:GetObject"], [f"arn:aws:s3:::{BUCKET}/results/*"]),
        "ListResults": allow(["s3:ListBucket"], [f"arn:aws:s3:::{BUCKET}"], StringLike={"s3:prefix": ["results/*"]}),
    }


DATA_CONFIG = {"hpc:dataBuckets": '["lake/raw", "lake/curated/", "archive", "archive/2024"]'}


@pytest.fixture(scope="module")
def with_data() -> Deployment:
    return deploy(DATA_CONFIG)


def test_state_machine_may_list_and_read_exactly_the_configured_data(with_data: Deployment):
    statements = statements_by_sid(role_policy(with_data, "state-machine"))
    # a prefix grant lists only under its prefix; a whole-bucket grant covers its prefixes, so they add nothing
    assert statements["ListData0"] == allow(
        ["s3:ListBucket"], ["arn:aws:s3:::lake"], StringLike={"s3:prefix": ["raw/*", "curated/*"]}
    )
    assert statements["ListData1"] == allow(["s3:ListBucket"], ["arn:aws:s3:::archive"])
    assert statements["ReadData"] == allow(
        ["s3:GetObject"], ["arn:aws:s3:::lake/raw/*", "arn:aws:s3:::lake/curated/*", "arn:aws:s3:::archive/*"]
    )


def test_compute_function_may_read_exactly_the_configured_data(with_data: Deployment):
    assert statements_by_sid(role_policy(with_data, "compute")) == {
        "WriteOwnLogs": own_logs(f"{MACHINE}-compute"),
        "ReadData": allow(
            ["s3:GetObject"], ["arn:aws:s3:::lake/raw/*", "arn:aws:s3:::lake/curated/*", "arn:aws:s3:::archive/*"]
        ),
    }


def test_no_data_is_readable_when_none_is_configured(deployment: Deployment):
    for owner in ("state-machine", "compute", "start", "sum"):
        sids = statements_by_sid(role_policy(deployment, owner))
        assert not [sid for sid in sids if "Data" in sid], owner


def test_a_bad_data_bucket_entry_stops_the_deployment_naming_the_key():
    with pytest.raises(Exception, match="dataBuckets"):
        deploy({"hpc:dataBuckets": '["Not_A_Bucket"]'})


def test_no_statement_allows_a_wildcard_except_the_unscopable_actions(deployment: Deployment):
    policies = deployment.of_type("aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 4
    for attached in policies:
        for statement in json.loads(attached.inputs["policy"])["Statement"]:
            actions, resources = statement["Action"], statement["Resource"]
            assert statement["Effect"] == "Allow"
            assert not [action for action in actions if "*" in action], f"{attached.name}: wildcard action"
            if "*" in resources:
                assert resources == ["*"], f"{attached.name}: '*' mixed with scoped resources"
                assert set(actions) <= UNSCOPABLE_ACTIONS, f"{attached.name}: {actions} granted on '*'"


def test_the_account_every_arn_is_built_from_is_fixed_once_made():
    account = iam.Account(partition="aws", region=REGION, id=ACCOUNT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        account.id = "999999999999"  # type: ignore[misc]
    assert iam.state_machine_arn(account, MACHINE) == f"{STATES}:stateMachine:{MACHINE}"

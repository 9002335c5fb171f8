"""The dashboard and the failed-execution alarm: this stack's resources only, by name, in its Region."""

from __future__ import annotations

import json

import pytest
from mock_cloud import ACCOUNT, REGION, Deployment, deploy

from hpc.settings import InvalidSettings

MACHINE = "hpc-dev"
MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{MACHINE}"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{MACHINE}-alarms"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def body(deployment: Deployment, machine: str = MACHINE) -> dict:
    (board,) = deployment.of_type(DASHBOARD)
    assert board.inputs["dashboardName"] == machine
    return json.loads(board.inputs["dashboardBody"])


def graphed(deployment: Deployment, machine: str = MACHINE) -> set[tuple[str, str, str, str, str]]:
    """(namespace, metric, dimension, resource, statistic) of every line on the dashboard."""
    lines = set()
    for widget in body(deployment, machine)["widgets"]:
        for namespace, metric, dimension, resource, options in widget["properties"]["metrics"]:
            lines.add((namespace, metric, dimension, resource, options["stat"]))
    return lines


def test_dashboard_graphs_executions_and_both_functions_of_this_stack(deployment: Deployment):
    compute, sum_ = f"{MACHINE}-compute", f"{MACHINE}-sum"
    assert graphed(deployment) == {
        ("AWS/States", "ExecutionsStarted", "StateMachineArn", MACHINE_ARN, "Sum"),
        ("AWS/States", "ExecutionsSucceeded", "StateMachineArn", MACHINE_ARN, "Sum"),
        ("AWS/States", "ExecutionsFailed", "StateMachineArn", MACHINE_ARN, "Sum"),
        ("AWS/States", "ExecutionsTimedOut", "StateMachineArn", MACHINE_ARN, "Sum"),
        ("AWS/States", "ExecutionTime", "StateMachineArn", MACHINE_ARN, "Average"),
        ("AWS/States", "ExecutionTime", "StateMachineArn", MACHINE_ARN, "Maximum"),
        ("AWS/Lambda", "Invocations", "FunctionName", compute, "Sum"),
        ("AWS/Lambda", "Errors", "FunctionName", compute, "Sum"),
        ("AWS/Lambda", "Throttles", "FunctionName", compute, "Sum"),
        ("AWS/Lambda", "Duration", "FunctionName", compute, "p50"),
        ("AWS/Lambda", "Duration", "FunctionName", compute, "p99"),
        ("AWS/Lambda", "ConcurrentExecutions", "FunctionName", compute, "Maximum"),
        ("AWS/Lambda", "Errors", "FunctionName", sum_, "Sum"),
        ("AWS/Lambda", "Duration", "FunctionName", sum_, "Maximum"),
    }


def test_dashboard_names_only_this_stacks_resources_and_region(deployment: Deployment):
    # GIVEN the names of what this stack deployed
    machines = {r.outputs["arn"] for r in deployment.of_type("aws:sfn/stateMachine:StateMachine")}
    functions = {r.inputs["name"] for r in deployment.of_type("aws:lambda/function:Function")}
    widgets = body(deployment)["widgets"]
    # THEN every widget is in the stack's Region and every metric names one of them
    assert {widget["properties"]["region"] for widget in widgets} == {REGION}
    resources = {line[3] for line in graphed(deployment)}
    assert resources <= machines | functions
    assert f"{MACHINE}-start" not in resources  # the start function is not graphed; the other two are
    # AND widgets do not overlap on the dashboard's grid
    cells = [(w["x"], w["y"]) for w in widgets]
    assert len(cells) == len(set(cells)) == 6


def test_another_stack_gets_its_own_dashboard_names():
    other = deploy(stack="prod")
    assert {line[3] for line in graphed(other, "hpc-prod")} == {
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:hpc-prod",
        "hpc-prod-compute",
        "hpc-prod-sum",
    }


def test_alarm_fires_on_any_failed_or_timed_out_execution_and_notifies_the_topic(deployment: Deployment):
    (alarm,) = deployment.of_type(ALARM)
    inputs = alarm.inputs
    queries = {query["id"]: query for query in inputs["metricQueries"]}
    for query_id, metric in (("failed", "ExecutionsFailed"), ("timedOut", "ExecutionsTimedOut")):
        assert queries[query_id]["metric"] == {
            "namespace": "AWS/States",
            "metricName": metric,
            "dimensions": {"StateMachineArn": MACHINE_ARN},
            "period": 60,
            "stat": "Sum",
        }
        assert queries[query_id]["returnData"] is False
    (returned,) = [query for query in queries.values() if query["returnData"]]
    assert returned["expression"] == "FILL(failed, 0) + FILL(timedOut, 0)"
    assert (inputs["comparisonOperator"], inputs["threshold"], inputs["evaluationPeriods"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
        1,
    )
    assert inputs["treatMissingData"] == "notBreaching"  # an idle stack is not an alarm
    assert inputs["alarmActions"] == [TOPIC_ARN]


def test_no_email_is_subscribed_unless_configured(deployment: Deployment):
    assert deployment.of_type(SUBSCRIPTION) == []
    configured = deploy({"hpc:alarmEmail": "ops@example.com"})
    (subscription,) = configured.of_type(SUBSCRIPTION)
    assert subscription.inputs == {"topic": TOPIC_ARN, "protocol": "email", "endpoint": "ops@example.com"}


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@at@example.com", "with space@example.com"])
def test_an_alarm_email_that_is_not_an_address_stops_the_deployment(email: str):
    with pytest.raises(Exception) as raised:
        deploy({"hpc:alarmEmail": email})
    assert isinstance(raised.value, InvalidSettings) or "alarmEmail" in str(raised.value)
    assert "alarmEmail" in str(raised.value)


def test_functions_get_no_permission_for_the_alarm_or_topic(deployment: Deployment):
    policies = [r.inputs["policy"] for r in deployment.of_type("aws:iam/rolePolicy:RolePolicy")]
    assert all("sns:" not in policy and "cloudwatch:" not in policy for policy in policies)

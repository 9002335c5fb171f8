"""A CloudWatch dashboard of one stack: its state machine's executions and its compute and sum functions.

The body is plain data built by `dashboard_body` (tested without Pulumi): every metric names this stack's resources
by their own names (the state machine's ARN, the functions' names), and every widget names the stack's Region, so
the dashboard never mixes in another stack's numbers. Step Functions metrics are per state machine (AWS/States,
dimension StateMachineArn); Lambda metrics per function (AWS/Lambda, dimension FunctionName).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60
EXECUTION_METRICS = ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut")
WIDTH, HEIGHT = 12, 6  # two widgets per row of the dashboard's 24-unit grid


def dashboard_body(region: str, state_machine_arn: str, compute_function: str, sum_function: str) -> dict[str, Any]:
    """The dashboard's widgets: executions and their time; compute calls, errors, throttles, duration, concurrency;
    the sum function's errors and duration."""

    def states(metric: str, stat: str = "Sum") -> list[Any]:
        return ["AWS/States", metric, "StateMachineArn", state_machine_arn, {"stat": stat}]

    def function(name: str, metric: str, stat: str = "Sum", label: str | None = None) -> list[Any]:
        return ["AWS/Lambda", metric, "FunctionName", name, {"stat": stat, "label": label or f"{metric} ({stat})"}]

    widgets = [
        (
            "Executions",
            [states(m) for m in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut")],
        ),  # fmt: skip
        ("Execution time (ms)", [states("ExecutionTime", "Average"), states("ExecutionTime", "Maximum")]),
        (
            "Compute: invocations, errors, throttles",
            [function(compute_function, metric) for metric in ("Invocations", "Errors", "Throttles")],
        ),
        (
            "Compute: duration (ms)",
            [function(compute_function, "Duration", "p50"), function(compute_function, "Duration", "p99")],
        ),
        ("Compute: concurrent executions", [function(compute_function, "ConcurrentExecutions", "Maximum")]),
        (
            "Sum: errors and duration (ms)",
            [function(sum_function, "Errors"), function(sum_function, "Duration", "Maximum")],
        ),
    ]
    return {
        "widgets": [
            {
                "type": "metric",
                "x": (index % 2) * WIDTH,
                "y": (index // 2) * HEIGHT,
                "width": WIDTH,
                "height": HEIGHT,
                "properties": {
                    "title": title,
                    "region": region,
                    "view": "timeSeries",
                    "stacked": False,
                    "period": PERIOD_SECONDS,
                    "metrics": metrics,
                },
            }
            for index, (title, metrics) in enumerate(widgets)
        ]
    }


def dashboard(
    name: str,
    dashboard_name: str,
    region: pulumi.Input[str],
    state_machine_arn: pulumi.Input[str],
    compute_function: pulumi.Input[str],
    sum_function: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.Dashboard:
    body = pulumi.Output.all(region, state_machine_arn, compute_function, sum_function).apply(
        lambda args: json.dumps(dashboard_body(*args))
    )
    return aws.cloudwatch.Dashboard(
        f"{name}-dashboard",
        dashboard_name=dashboard_name,
        dashboard_body=body,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def console_url(region: str, dashboard_name: str) -> str:
    """Where the dashboard opens in the CloudWatch console."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{dashboard_name}"
    )

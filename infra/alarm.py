"""An alarm on failed or timed-out executions of the state machine, notifying an SNS topic (and an email, if set).

One alarm, on metric math over AWS/States ExecutionsFailed + ExecutionsTimedOut of this state machine: it fires in
any minute with at least one such execution, and a minute without executions is not breaching (no data is normal
for an idle stack). CloudWatch publishes to a topic of its own account under the topic's default access policy, so
no policy is added, and the functions get no permission at all: the alarm, not they, talks to SNS. An email
subscription (`hpc:alarmEmail`) stays pending until its owner clicks the link AWS mails.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60
THRESHOLD = 1  # executions failed or timed out in one period
FAILED_OR_TIMED_OUT = "FILL(failed, 0) + FILL(timedOut, 0)"


def failure_alarm(
    name: str,
    resource_prefix: str,
    state_machine_arn: pulumi.Input[str],
    alarm_email: str,
    parent: pulumi.Resource,
) -> tuple[aws.sns.Topic, aws.cloudwatch.MetricAlarm]:
    opts = pulumi.ResourceOptions(parent=parent)
    topic = aws.sns.Topic(f"{name}-alarms", name=f"{resource_prefix}-alarms", opts=opts)
    if alarm_email:
        aws.sns.TopicSubscription(
            f"{name}-alarm-email", topic=topic.arn, protocol="email", endpoint=alarm_email, opts=opts
        )

    def executions(metric: str, query_id: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/States",
                metric_name=metric,
                dimensions={"StateMachineArn": state_machine_arn},
                period=PERIOD_SECONDS,
                stat="Sum",
            ),
        )

    alarm = aws.cloudwatch.MetricAlarm(
        f"{name}-executions-failed",
        name=f"{resource_prefix}-executions-failed",
        alarm_description="An execution of the state machine failed or timed out (see the dashboard and its history)",
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=THRESHOLD,
        evaluation_periods=1,
        treat_missing_data="notBreaching",
        metric_queries=[
            executions("ExecutionsFailed", "failed"),
            executions("ExecutionsTimedOut", "timedOut"),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="failedOrTimedOut", expression=FAILED_OR_TIMED_OUT, label="failed or timed out", return_data=True
            ),
        ],
        alarm_actions=[topic.arn],
        opts=opts,
    )
    return topic, alarm

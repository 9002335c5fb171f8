"""The Pulumi program: read the `hpc:*` stack config, build the cluster, export what a user needs to run a job."""

import pulumi

from infra import HpcCluster, settings_for_stack

settings = settings_for_stack()  # refuses a bad config before any resource is registered
cluster = HpcCluster("hpc", settings)

pulumi.export("stateMachineArn", cluster.state_machine_arn)
pulumi.export("stateMachineName", cluster.state_machine_name)
pulumi.export("bucketName", cluster.bucket_name)
pulumi.export("startFunctionName", cluster.function_names["start"])
pulumi.export("computeFunctionName", cluster.function_names["compute"])
pulumi.export("sumFunctionName", cluster.function_names["sum"])
pulumi.export("startCommand", cluster.start_command)
pulumi.export("dashboardName", cluster.dashboard_name)
pulumi.export("dashboardUrl", cluster.dashboard_url)
pulumi.export("alarmTopicArn", cluster.alarm_topic_arn)

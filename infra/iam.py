"""IAM policy documents as plain dicts, built by pure functions from names and ARNs (the stack `json.dumps` them).

Every Allow names exact resources. The only `"*"` resources are the CloudWatch log-delivery and X-Ray actions, which
AWS does not let a policy scope to a resource.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from asl.definition import ITEMS_PREFIX, MAP_LABELS, OUTPUTS_PREFIX, RESULTS_PREFIX
from handlers.datasets import parse_grant

VERSION = "2012-10-17"
ANY_RESOURCE = "*"

# Step Functions' CloudWatch Logs integration; these actions take no resource ARN.
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]
XRAY_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]
# Actions the Distributed Map's ResultWriter performs on the result prefix.
RESULT_WRITER_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


@dataclass(frozen=True)
class Account:
    """Where the stack lives; every ARN below is built from it."""

    partition: str
    region: str
    id: str


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": list(statements)}


def allow(
    sid: str, actions: list[str], resources: list[str], condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def service_trust_policy(service: str, source_account: str | None = None) -> dict[str, Any]:
    """Lets one AWS service assume the role; with `source_account`, only on behalf of this account."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        # Confused-deputy guard: the service may assume the role only for resources of this account.
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return policy(statement)


# ---- ARNs -------------------------------------------------------------------------------------------------------


def state_machine_arn(account: Account, name: str) -> str:
    return f"arn:{account.partition}:states:{account.region}:{account.id}:stateMachine:{name}"


def execution_arns(account: Account, name: str) -> list[str]:
    """The machine's executions, `execution:NAME:id`, and its Map Run children, `execution:NAME/LABEL:id`."""
    base = f"arn:{account.partition}:states:{account.region}:{account.id}:execution:{name}"
    return [f"{base}:*", f"{base}/*"]


def map_run_executions_arns(account: Account, name: str, labels: Iterable[str] = MAP_LABELS) -> list[str]:
    """The children of each Map state's runs, `execution:NAME/LABEL:*` (one Map per kind of item source)."""
    return [
        f"arn:{account.partition}:states:{account.region}:{account.id}:execution:{name}/{label}:*" for label in labels
    ]


def log_group_arn(account: Account, log_group: str) -> str:
    return f"arn:{account.partition}:logs:{account.region}:{account.id}:log-group:{log_group}"


def bucket_arn(account: Account, bucket: str) -> str:
    return f"arn:{account.partition}:s3:::{bucket}"


def objects_arn(account: Account, bucket: str, prefix: str) -> str:
    return f"{bucket_arn(account, bucket)}/{prefix}/*"


# ---- Data the stack does not own (config dataBuckets) -----------------------------------------------------------


def data_grants(entries: Iterable[str]) -> dict[str, list[str]]:
    """Bucket -> granted prefixes ("" for the whole bucket, which then covers every prefix of it)."""
    by_bucket: dict[str, list[str]] = {}
    for grant in (parse_grant(entry) for entry in entries):
        prefixes = by_bucket.setdefault(grant.bucket, [])
        if grant.prefix not in prefixes:
            prefixes.append(grant.prefix)
    return {bucket: [""] if "" in prefixes else prefixes for bucket, prefixes in by_bucket.items()}


def read_data_statement(account: Account, entries: Iterable[str]) -> list[dict[str, Any]]:
    """GetObject on exactly the configured buckets and prefixes; nothing when none is configured."""
    resources = [
        f"{bucket_arn(account, bucket)}/{prefix}*"
        for bucket, prefixes in data_grants(entries).items()
        for prefix in prefixes
    ]
    return [allow("ReadData", ["s3:GetObject"], resources)] if resources else []


def list_data_statements(account: Account, entries: Iterable[str]) -> list[dict[str, Any]]:
    """ListBucket on each configured bucket, limited by an s3:prefix condition when only prefixes are granted."""
    statements = []
    for number, (bucket, prefixes) in enumerate(data_grants(entries).items()):
        condition = None if prefixes == [""] else {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}}
        statements.append(allow(f"ListData{number}", ["s3:ListBucket"], [bucket_arn(account, bucket)], condition))
    return statements


# ---- Role policies ----------------------------------------------------------------------------------------------


def state_machine_policy(
    account: Account,
    name: str,
    function_arns: list[str],
    bucket: str,
    *,
    tracing: bool,
    data_buckets: Iterable[str] = (),
) -> dict[str, Any]:
    """What the state machine does: invoke the three functions, run its own Map Run children, read the item list,
    list and read the configured data (its ItemReaders do), write the Map's results, deliver logs, and (only with
    tracing on) send traces."""
    statements = [
        allow("InvokeFunctions", ["lambda:InvokeFunction"], [*function_arns, *(f"{arn}:*" for arn in function_arns)]),
        # A Distributed Map's children are executions of this same state machine.
        allow("StartMapRunChildren", ["states:StartExecution"], [state_machine_arn(account, name)]),
        allow(
            "ManageMapRunChildren", ["states:DescribeExecution", "states:StopExecution"], execution_arns(account, name)
        ),
        allow("RedriveMapRun", ["states:RedriveExecution"], map_run_executions_arns(account, name)),
        allow("ReadItems", ["s3:GetObject"], [objects_arn(account, bucket, ITEMS_PREFIX)]),
        *list_data_statements(account, data_buckets),
        *read_data_statement(account, data_buckets),
        allow("WriteResults", list(RESULT_WRITER_ACTIONS), [objects_arn(account, bucket, RESULTS_PREFIX)]),
        allow("DeliverLogs", list(LOG_DELIVERY_ACTIONS), [ANY_RESOURCE]),
    ]
    if tracing:
        statements.append(send_traces())
    return policy(*statements)


def send_traces() -> dict[str, Any]:
    """X-Ray: for the state machine and, with tracing on, each function (Lambda's Active mode needs it too)."""
    return allow("Trace", list(XRAY_ACTIONS), [ANY_RESOURCE])


def with_tracing(document: dict[str, Any], tracing: bool) -> dict[str, Any]:
    """A function's policy, plus the X-Ray statement when tracing is on."""
    return policy(*document["Statement"], send_traces()) if tracing else document


def write_own_logs(account: Account, log_group: str) -> dict[str, Any]:
    arn = log_group_arn(account, log_group)
    return allow("WriteOwnLogs", list(LOG_WRITE_ACTIONS), [arn, f"{arn}:*"])


def start_function_policy(account: Account, log_group: str, bucket: str) -> dict[str, Any]:
    """The start function writes the job's item list, which the Map's ItemReader then reads."""
    return policy(
        write_own_logs(account, log_group),
        allow("WriteItems", ["s3:PutObject"], [objects_arn(account, bucket, ITEMS_PREFIX)]),
    )


def compute_function_policy(account: Account, log_group: str, data_buckets: Iterable[str] = ()) -> dict[str, Any]:
    """The compute function computes on what the state machine hands it, and reads the objects of the configured
    data a data workload is handed (object-digest opens each object it is given). No ListBucket: S3 then answers 403
    for a deleted object, which handlers.store reports as AccessDenied that may mean "no longer exists"."""
    return policy(write_own_logs(account, log_group), *read_data_statement(account, data_buckets))


def sum_function_policy(account: Account, log_group: str, bucket: str) -> dict[str, Any]:
    """The sum function reads the Map's result files, lists the result prefix to find a failed run's manifest, and
    writes a result too large for a payload to outputs/."""
    return policy(
        write_own_logs(account, log_group),
        allow("WriteOutputs", ["s3:PutObject"], [objects_arn(account, bucket, OUTPUTS_PREFIX)]),
        allow("ReadResults", ["s3:GetObject"], [objects_arn(account, bucket, RESULTS_PREFIX)]),
        allow(
            "ListResults",
            ["s3:ListBucket"],
            [bucket_arn(account, bucket)],
            {"StringLike": {"s3:prefix": [f"{RESULTS_PREFIX}/*"]}},
        ),
    )


def tls_only_bucket_policy(account: Account, bucket: str) -> dict[str, Any]:
    """Refuses any request to the bucket or its objects that does not arrive over TLS."""
    arn = bucket_arn(account, bucket)
    return policy(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )

"""A finished cloud execution as RunData: its ResultWriter records, DescribeExecution and DescribeMapRun.

Step Functions keeps no per-child timing a client can list cheaply, but the Map's ResultWriter writes one record per
child execution with its StartDate, StopDate and Status (AWS-FACTS.md, ResultWriter); those records are the spans.
They are found as the sum function finds them: the bucket is the ResultWriter's in the execution's definition, and
each Map Run writes `manifest.json` under `results/<execution name>/` (handlers/start.py sets that prefix). The
files are read through the same streaming reader as the sum function (handlers.results).

Child executions have no worker lanes in AWS, so the timeline puts each on its own row, in start order; their
records hold no retry counts, so `attempts` is None. The settings in force are read from AWS (the definition, the
Map Run, each function's configuration), not from a local stack file that may have changed since.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from asl.definition import RESULTS_PREFIX
from handlers.results import read_manifest, record_items, records
from handlers.store import S3Store
from hpc.engine.spans import ChildSpan
from hpc.report.model import Memory, RunData

FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class ReportError(RuntimeError):
    """The execution cannot be reported on (still running, no Map Run, no result files); says which."""


def cloud_run_data(execution_arn: str, *, sfn: Any, s3: Any, lambda_client: Any) -> RunData:
    described = sfn.describe_execution(executionArn=execution_arn)
    if described["status"] not in FINISHED:
        raise ReportError(f"execution {execution_arn} is {described['status']}; report on it once it has finished")
    map_runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    if not map_runs:
        raise ReportError(f"execution {execution_arn} ran no Map Run (it ended before its Map state)")
    map_run = sfn.describe_map_run(mapRunArn=map_runs[0]["mapRunArn"])
    definition = json.loads(sfn.describe_state_machine_for_execution(executionArn=execution_arn)["definition"])
    map_state = _distributed_map(definition)
    bucket = map_state["ResultWriter"]["Parameters"]["Bucket"]
    spans, pending_items = _spans(S3Store(s3), bucket, f"{RESULTS_PREFIX}/{described['name']}/")
    counts = map_run.get("itemCounts", {})
    processor = map_state["ItemProcessor"]
    compute_function = _function_of(next(iter(processor["States"].values())))
    output = json.loads(described["output"]) if described.get("output") else {}
    settings = {
        "MaxConcurrency": map_run.get("maxConcurrency"),
        "ToleratedFailurePercentage": map_run.get("toleratedFailurePercentage"),
        "ToleratedFailureCount": map_run.get("toleratedFailureCount"),
        "MaxItemsPerBatch": map_state.get("ItemBatcher", {}).get("MaxItemsPerBatch", 1),
        "ExecutionType": processor["ProcessorConfig"].get("ExecutionType", "STANDARD"),
    }
    memory = {}
    for role, function in (
        ("start", _function_of(definition["States"][definition["StartAt"]])),
        ("compute", compute_function),
        ("sum", _function_of(definition["States"].get("Sum", {}))),
    ):
        configuration = lambda_client.get_function_configuration(FunctionName=function) if function else {}
        memory[role] = int(configuration.get("MemorySize", 128))
        settings[f"{role} function"] = f"{function} ({memory[role]} MB, {configuration.get('Timeout', '?')} s)"
    return RunData(
        source="cloud",
        name=described["name"],
        job=json.loads(described.get("input") or "{}"),
        settings={key: value for key, value in settings.items() if value is not None},
        status=described["status"],
        started=described["startDate"].timestamp(),
        stopped=described["stopDate"].timestamp(),
        spans=spans,
        total_items=int(counts.get("total", sum(span.items for span in spans) + pending_items)),
        pending_items=pending_items,
        lane_label="child, by start order",
        execution_type=settings["ExecutionType"],
        memory=Memory(memory["start"], memory["compute"], memory["sum"]),
        error=described.get("error"),
        cause=described.get("cause"),
        result=output if isinstance(output, dict) else {"output": output},
    )


def _spans(store: S3Store, bucket: str, prefix: str) -> tuple[list[ChildSpan], int]:
    """Spans of every child that ran (ranked by start), and the items of the children never started."""
    manifests = [key for key, _ in store.list(bucket, prefix) if key.endswith("/manifest.json")]
    if not manifests:
        raise ReportError(f"no ResultWriter manifest under s3://{bucket}/{prefix}: the Map wrote no results")
    ran: list[tuple[float, float, str, int]] = []
    pending_items = 0
    for manifest in manifests:
        for status, keys in read_manifest(store, bucket, manifest).items():
            for key in keys:
                for record in records(store, bucket, key):
                    items = len(record_items(record))
                    if status == "PENDING":
                        pending_items += items
                    else:
                        ran.append((_epoch(record["StartDate"]), _epoch(record["StopDate"]), record["Status"], items))
    ran.sort()
    spans = [
        ChildSpan(rank, rank, start, stop, status, items, None) for rank, (start, stop, status, items) in enumerate(ran)
    ]
    return spans, pending_items


def _epoch(date: str) -> float:
    """A result record's date (`2025-01-15T10:00:01.123Z`) as epoch seconds."""
    return datetime.fromisoformat(date.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _distributed_map(definition: dict[str, Any]) -> dict[str, Any]:
    for state in definition["States"].values():
        if state.get("Type") == "Map" and "ResultWriter" in state:
            return state
    raise ReportError("the execution's definition has no Distributed Map with a ResultWriter")


def _function_of(state: dict[str, Any]) -> str | None:
    function = state.get("Parameters", {}).get("FunctionName")
    return function if isinstance(function, str) else None

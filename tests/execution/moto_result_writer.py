"""Completes moto's Distributed Map ResultWriter so the sum function has real result files to read.

What moto 5.2 does (stepfunctions/parser/.../result_writer): it evaluates the ResultWriter's `Parameters` against
the list of child outputs instead of the Map state's input, so `"Prefix.$": "$.results_prefix"` fails there with
States.Runtime; and it writes only `manifest.json`, with every `ResultFiles` list empty (a TODO in moto's source).

What this adds, and nothing else: the Parameters are evaluated against the Map state's input, as Step Functions does;
then, beside moto's manifest, one `SUCCEEDED_0.json` (and `FAILED_0.json` when children failed) is written in the
record format AWS documents (AWS-FACTS.md, ResultWriter): a JSON array of child records whose `Input` and `Output`
are JSON strings, failed records carrying `Error` and `Cause`; and the manifest lists those files with their sizes.
Each record's Input is the child's input after the ItemSelector, captured as moto's worker computes it.
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    distributed_item_processor_worker as worker_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.result_writer_decl import ResultWriter
from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded, ProgramError

Worker = worker_module.DistributedItemProcessorWorker


@dataclass
class ChildRecord:
    index: int
    input: Any
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None


class ChildLedger:
    """Every Map child's input and outcome, per Map Run, as moto's workers (threads) finish them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, dict[int, ChildRecord]] = {}
        self._current_input = threading.local()

    def note_input(self, value: Any) -> None:
        self._current_input.value = copy.deepcopy(value)

    def finish(self, map_run_arn: str, index: int, program_state: Any, output: Any) -> None:
        if isinstance(program_state, ProgramEnded):
            record = ChildRecord(index, self._current_input.value, "SUCCEEDED", output=output)
        else:
            details = program_state.error if isinstance(program_state, ProgramError) else None
            details = details or {}
            record = ChildRecord(
                index, self._current_input.value, "FAILED", error=details.get("error"), cause=details.get("cause")
            )
        with self._lock:
            self._runs.setdefault(map_run_arn, {})[index] = record

    def records(self, map_run_arn: str) -> list[ChildRecord]:
        with self._lock:
            return [record for _, record in sorted(self._runs.get(map_run_arn, {}).items())]


def write_result_files(monkeypatch: pytest.MonkeyPatch) -> ChildLedger:
    """Install the completion for the rest of the test; returns the ledger of child records it writes from."""
    ledger = ChildLedger()
    original_eval_input = Worker._eval_input
    original_eval_job = Worker._eval_job

    def eval_input(worker: Worker, env_frame: Any) -> None:
        original_eval_input(worker, env_frame)
        ledger.note_input(env_frame.states.get_input())

    def eval_job(worker: Worker, env: Any, job: Any) -> None:
        original_eval_job(worker, env, job)
        ledger.finish(worker._map_run_record.map_run_arn, job.job_index, env.program_state(), job.job_output)

    def result_writer_eval_body(writer: ResultWriter, env: Any) -> None:
        child_outputs = env.stack.pop()
        env.stack.append(env.states.get_input())  # the Map state's input, which Step Functions evaluates against
        writer.parargs.eval(env=env)
        parameters = env.stack.pop()
        env.stack.pop()
        env.stack.extend([child_outputs, parameters])
        writer.resource_eval.eval_resource(env=env)  # moto writes its empty manifest and pushes the Map's output
        details = env.stack[-1]["ResultWriterDetails"]
        write_files(
            details["Bucket"], details["Key"], env.stack[-1]["MapRunArn"], ledger.records(env.stack[-1]["MapRunArn"])
        )

    monkeypatch.setattr(Worker, "_eval_input", eval_input)
    monkeypatch.setattr(Worker, "_eval_job", eval_job)
    monkeypatch.setattr(ResultWriter, "_eval_body", result_writer_eval_body)
    return ledger


def write_files(bucket: str, manifest_key: str, map_run_arn: str, records: list[ChildRecord]) -> None:
    s3 = boto3.client("s3")
    folder = manifest_key.rsplit("/", 1)[0]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    for status in ("SUCCEEDED", "FAILED"):
        chosen = [aws_record(record, map_run_arn) for record in records if record.status == status]
        if not chosen:
            continue
        key = f"{folder}/{status}_0.json"
        body = json.dumps(chosen).encode()
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        manifest["ResultFiles"][status].append({"Key": key, "Size": len(body)})
    s3.put_object(Bucket=bucket, Key=manifest_key, Body=json.dumps(manifest).encode())


def aws_record(record: ChildRecord, map_run_arn: str) -> dict[str, Any]:
    """One child execution as Step Functions writes it to a result file."""
    # mapRun:<machine>/<label>:<run id>  ->  child executions of stateMachine:<machine>/<label>
    resource, _, run_path = map_run_arn.partition(":mapRun:")
    machine_and_label = run_path.rsplit(":", 1)[0]
    name = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    entry: dict[str, Any] = {
        "ExecutionArn": f"{resource}:execution:{machine_and_label}:{name}",
        "Input": json.dumps(record.input),
        "InputDetails": {"Included": True},
        "Name": name,
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE" if record.status == "SUCCEEDED" else "REDRIVABLE",
        "StartDate": now,
        "StateMachineArn": f"{resource}:stateMachine:{machine_and_label}",
        "Status": record.status,
        "StopDate": now,
    }
    if record.status == "SUCCEEDED":
        entry |= {"Output": json.dumps(record.output), "OutputDetails": {"Included": True}}
    else:
        entry |= {"Error": record.error, "Cause": record.cause}
    return entry

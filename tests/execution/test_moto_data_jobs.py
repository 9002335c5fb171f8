"""Data jobs through the deployed definition on moto: the S3 listing and CSV Maps with moto's own ItemReader, the sum
counting items from the result records, and a result too large for a payload stored and fetched by `hpc run --cloud`.

moto 5.2 cannot parse the JSON Lines Map (see moto_stack.py); its reader is covered by the local engine's tests.
"""

from __future__ import annotations

import hashlib
import json
import statistics

import moto_stack
from moto_stack import BUCKET, DATA_BUCKET, MotoStack

from handlers import sum as sum_handler
from hpc.cloud import fetch_stored_output, run_in_cloud

aws = moto_stack.aws
stack = moto_stack.stack


def put_objects(stack: MotoStack, files: dict[str, bytes]) -> None:
    for key, body in files.items():
        stack.s3.put_object(Bucket=DATA_BUCKET, Key=key, Body=body)


def test_object_digest_of_an_s3_prefix_on_moto(stack: MotoStack):
    files = {f"raw/{name}": name.encode() * 3 for name in ("b.txt", "a.txt", "c-d.txt", "c/e.txt")}
    put_objects(stack, {**files, "other/x": b"not listed"})
    described = stack.run({"workload": "object-digest", "data": f"s3://{DATA_BUCKET}/raw/"})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    listing = "".join(f"{hashlib.sha256(files[key]).hexdigest()}  {key}\n" for key in sorted(files, key=str.encode))
    assert output["result"] == hashlib.sha256(listing.encode()).hexdigest()
    assert (output["items"], output["objects"], output["complete"]) == (4, 4, True)


def test_csv_stats_of_an_s3_object_on_moto(stack: MotoStack):
    values = [1.5, 2.0, 7.25, -3.0, 10.0]
    put_objects(stack, {"t.csv": ("v,w\n" + "".join(f"{value},x\n" for value in values)).encode()})
    described = stack.run({"workload": "csv-stats", "data": f"s3://{DATA_BUCKET}/t.csv"})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    column = json.loads(described["output"])["result"]["v"]
    assert column["count"] == 5 and column["mean"] == statistics.fmean(values)
    assert abs(column["variance"] - statistics.variance(values)) < 1e-12


def test_a_bucket_outside_data_buckets_is_refused_before_the_map(stack: MotoStack):
    described = stack.run({"workload": "csv-stats", "data": "s3://not-granted/t.csv"})
    assert (described["status"], described["error"]) == ("FAILED", "InvalidInput")
    assert "dataBuckets" in described["cause"]
    assert "Contents" not in stack.s3.list_objects_v2(Bucket=BUCKET)


def test_a_large_result_is_stored_in_the_bucket_and_fetched_by_the_cloud_run(stack: MotoStack, monkeypatch):
    # GIVEN a sum function (run in this process by the harness) that stores outputs past 2 KiB instead of 64 KiB, and
    # 20 objects whose per-object list passes that (few children: moto runs one per item, see moto_stack.py)
    monkeypatch.setattr(sum_handler, "INLINE_OUTPUT_BYTES", 2048)
    put_objects(stack, {f"many/object-{number:03d}.txt": b"%d\n" % number for number in range(20)})
    # WHEN run as `hpc run --cloud` runs it
    result = run_in_cloud(
        {"workload": "object-digest", "data": f"s3://{DATA_BUCKET}/many/"},
        stack.state_machine_arn,
        client=moto_stack.StepFunctionsAsOnAws(stack.sfn),
        poll_seconds=0.05,
    )
    # THEN the execution's own output is a summary naming the stored object, and what `hpc run` shows is all of it
    assert result.status == "SUCCEEDED", result.cause
    assert len(result.output["files"]) == 20 and result.output["objects"] == 20
    stored = stack.s3.list_objects_v2(Bucket=BUCKET, Prefix="outputs/")["Contents"]
    assert [entry["Key"].rsplit("/", 1)[1] for entry in stored] == ["result.json"]
    summary = json.loads(stack.sfn.describe_execution(executionArn=result.execution_arn)["output"])
    assert "files" not in summary and summary["result_object"]["Key"] == stored[0]["Key"]
    assert fetch_stored_output(result, stack.s3) == result  # an already whole output is left as it is

"""Scale: answers past 4,300 digits stay exact, a million items go through the ItemReader, the sum streams.

Expected answers come from outside the pipeline: benchmarks/bare_s3_keys.py (a standalone recurrence sharing no code
with the handlers) and the closed form of the sum of squares. How long these take is measured by the benchmarks
(benchmarks/end_to_end.py, benchmarks/million.py), never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from command import REPO, bare_s3_keys_total, hpc

from asl.definition import build_definition
from handlers import results
from handlers import sum as sum_handler
from hpc.local import LOCAL_BUCKET, LOCAL_FUNCTIONS
from hpc.stack_config import load_settings

ASL_VALIDATOR = REPO / "node_modules" / ".bin" / "asl-validator"
MILLION = 1_000_000
MILLION_BATCH = 1000


def sum_of_squares(n: int) -> int:
    return (n - 1) * n * (2 * n - 1) // 6


def test_size_5000_is_exact_end_to_end_past_4300_digits(tmp_path: Path):
    # GIVEN the standalone baseline's total for 5000 items
    baseline = bare_s3_keys_total(5000)
    assert len(baseline) > 4300  # past CPython's default int<->str limit, so the limit is really crossed
    # WHEN `hpc run --size 5000 --json` runs the default workload
    done = hpc("run", "--size", "5000", "--json", "--store", str(tmp_path))
    # THEN its result is that total, digit for digit
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert (output["complete"], output["items"]) == (True, 5000)
    assert output["result"] == baseline


def test_a_million_items_go_through_the_item_reader_in_batches(tmp_path: Path):
    # WHEN a million-item job runs, 1000 items per child
    done = hpc(
        "run", "--workload", "sum-squares", "--size", str(MILLION), "--set", f"maxItemsPerBatch={MILLION_BATCH}",
        "--json", "--store", str(tmp_path),
    )  # fmt: skip
    # THEN the total is the closed form's
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert (output["complete"], output["items"], int(output["result"])) == (True, MILLION, sum_of_squares(MILLION))
    # AND the item list travelled as one stored object (not in the state payload, capped at 256 KiB)...
    (items_file,) = (tmp_path / LOCAL_BUCKET / "items").glob("*.json")
    assert items_file.stat().st_size > 256 * 1024
    assert json.loads(items_file.read_bytes()) == list(range(MILLION))
    # ...which the Map read and cut into 1000 children of 1000 items, together holding each item exactly once
    execution = items_file.stem
    (manifest,) = (tmp_path / LOCAL_BUCKET / "results" / execution).glob("*/manifest.json")
    files = json.loads(manifest.read_text())["ResultFiles"]
    assert files["FAILED"] == [] and files["PENDING"] == []
    batches = [
        json.loads(record["Input"])["Items"]
        for entry in files["SUCCEEDED"]
        for record in json.loads((tmp_path / LOCAL_BUCKET / entry["Key"]).read_bytes())
    ]
    assert len(batches) == MILLION // MILLION_BATCH
    assert {len(batch) for batch in batches} == {MILLION_BATCH}
    assert sorted(item for batch in batches for item in batch) == list(range(MILLION))


@pytest.mark.skipif(
    not ASL_VALIDATOR.exists(),
    reason="SKIPPED: node_modules/.bin/asl-validator is missing -- run `npm ci` (or `make setup`) to validate the ASL",
)
def test_the_million_item_runs_definition_passes_the_asl_validator(tmp_path: Path):
    # GIVEN the definition `hpc run --set maxItemsPerBatch=1000` builds from the dev stack's settings
    settings = load_settings("dev", REPO).merged({"maxItemsPerBatch": str(MILLION_BATCH)})
    assert settings.max_items >= MILLION  # the million-item job is within what the deployment accepts
    definition = build_definition(LOCAL_FUNCTIONS, LOCAL_BUCKET, settings)
    assert definition["States"]["Compute"]["ItemBatcher"]["MaxItemsPerBatch"] == MILLION_BATCH
    # WHEN asl-validator checks it THEN it is valid Amazon States Language
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    checked = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_sum_streams_a_result_file_in_far_less_memory_than_the_file(tmp_path: Path, monkeypatch):
    # GIVEN one SUCCEEDED result file of 50,000 single-item records (about 20 MB) in the local store
    size = 50_000
    job = {"workload": "sum-squares", "params": {"size": size}, "items": size}
    run = tmp_path / "bucket" / "results" / "exec" / "run"
    run.mkdir(parents=True)
    result_file = run / "SUCCEEDED_0.json"
    with result_file.open("w") as out:
        out.write("[")
        for item in range(size):
            record = {
                "ExecutionArn": f"arn:aws:states:us-east-1:123456789012:execution:hpc/compute:child-{item:08d}",
                "Input": json.dumps({"item": item, "job": job}),
                "InputDetails": {"Included": True},
                "Name": f"child-{item:08d}",
                "Output": json.dumps({"items": 1, "partial": str(item * item)}),
                "OutputDetails": {"Included": True},
                "Status": "SUCCEEDED",
            }
            out.write(("," if item else "") + json.dumps(record))
        out.write("]")
    manifest = {"ResultFiles": {"SUCCEEDED": [{"Key": "results/exec/run/SUCCEEDED_0.json"}], "FAILED": []}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    file_bytes = result_file.stat().st_size
    assert file_bytes > 16 * results.CHUNK_BYTES
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("RESULTS_BUCKET", "bucket")
    monkeypatch.delenv("TOLERATED_FAILURE_PERCENTAGE", raising=False)
    map_output = {"ResultWriterDetails": {"Bucket": "bucket", "Key": "results/exec/run/manifest.json"}}
    event = {"job": job, "results": map_output}
    # WHEN the sum function reads it, with every Python allocation traced
    tracemalloc.start()
    try:
        output = sum_handler.handler(event, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # THEN the total is exact, and the peak stayed under half the file: holding the file alone would take all of it
    assert output["result"] == str(sum_of_squares(size))
    assert peak < file_bytes // 2, (peak, file_bytes)

"""Start -> compute (as the Distributed Map would call it) -> sum, through the local store, no engine involved."""

import json
import sys

import pytest

from handlers import compute, start
from handlers import sum as sum_handler
from handlers.store import LocalStore

sys.set_int_max_str_digits(0)
BUCKET = "hpc-results"


@pytest.fixture
def local_store(tmp_path, monkeypatch):
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.delenv("TOLERATED_FAILURE_PERCENTAGE", raising=False)
    monkeypatch.delenv("MAX_ITEMS", raising=False)
    return LocalStore(tmp_path)


def run_map(local_store, started, batch_size):
    """Stand-in for the Map: read the item file, call compute per batch (or item), write ResultWriter output."""
    item_file = started["items"]
    values = json.loads(local_store.open(item_file["Bucket"], item_file["Key"]).read())
    if batch_size > 1:
        inputs = [
            {"Items": values[at : at + batch_size], "BatchInput": {"job": started["job"]}}
            for at in range(0, len(values), batch_size)
        ]
    else:
        inputs = [{"item": value, "job": started["job"]} for value in values]
    records = [
        {
            "Name": f"child-{number}",
            "Input": json.dumps(child_input),
            "Output": json.dumps(compute.handler(json.loads(json.dumps(child_input)), None)),
            "Status": "SUCCEEDED",
        }
        for number, child_input in enumerate(inputs)
    ]
    run = f"{started['results_prefix']}/run-1"
    half = len(records) // 2  # two SUCCEEDED files, as a big run would have
    files = {f"{run}/SUCCEEDED_0.json": records[:half], f"{run}/SUCCEEDED_1.json": records[half:]}
    for key, file_records in files.items():
        local_store.put(BUCKET, key, json.dumps(file_records).encode())
    manifest = {"ResultFiles": {"SUCCEEDED": [{"Key": key, "Size": 0} for key in files], "FAILED": [], "PENDING": []}}
    local_store.put(BUCKET, f"{run}/manifest.json", json.dumps(manifest).encode())
    return {"MapRunArn": "arn:run-1", "ResultWriterDetails": {"Bucket": BUCKET, "Key": f"{run}/manifest.json"}}


def run_job(local_store, execution_input, batch_size):
    started = start.handler({"input": execution_input, "execution": "exec-1"}, None)
    results = run_map(local_store, json.loads(json.dumps(started)), batch_size)
    return sum_handler.handler({"job": started["job"], "results": results}, None)


def bare_key_total(lengths):
    # f(i) = 128 f(i-1) + 1863 f(i-2) + 42451 f(i-3) + 78341 f(i-4), f(0) = 1, summed over the lengths wanted
    wanted, total, window = set(lengths), 0, [0, 0, 0, 1]
    for length in range(max(lengths) + 1):
        total += window[-1] if length in wanted else 0
        window = [*window[1:], 128 * window[3] + 1863 * window[2] + 42451 * window[1] + 78341 * window[0]]
    return total


def test_size_5000_runs_end_to_end_in_batches(local_store):
    output = run_job(local_store, {"size": 5000}, batch_size=128)
    expected = str(bare_key_total(range(5000)))
    assert output == {
        "workload": "s3-keys",
        "items": 5000,
        "complete": True,
        "result": expected,
        "digits": len(expected),
        "lengths": "0..4999 bytes",
    }
    assert len(expected) > 4300


def test_s3_lengths_end_to_end_with_single_items(local_store):
    output = run_job(local_store, {"size": 40, "lengths": "s3"}, batch_size=1)
    assert output["result"] == str(bare_key_total(range(1, 41)))


def test_sum_squares_end_to_end(local_store):
    n = 10_000
    output = run_job(local_store, {"workload": "sum-squares", "size": n}, batch_size=1000)
    assert output["result"] == str((n - 1) * n * (2 * n - 1) // 6)


def test_monte_carlo_end_to_end_is_the_same_in_batches_or_single_items(local_store):
    execution_input = {"workload": "monte-carlo-pi", "size": 6, "samples_per_item": 300, "seed": 7}
    batched = run_job(local_store, execution_input, batch_size=4)
    single = run_job(local_store, execution_input, batch_size=1)
    assert batched["samples"] == single["samples"] == 1800
    assert batched["result"] == pytest.approx(single["result"], rel=1e-12)

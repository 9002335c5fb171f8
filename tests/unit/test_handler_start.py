"""The start function: every bad input is refused before anything is written; a good one writes the item list."""

import json
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from handlers import start, store, workloads
from handlers.errors import InvalidInput

BUCKET = "hpc-results"


@pytest.fixture
def local_store(tmp_path, monkeypatch):
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.delenv("MAX_ITEMS", raising=False)
    return tmp_path


def written(root):
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_default_job_is_the_original_workload_with_its_items_written(local_store):
    output = start.handler({"input": {"size": 4}, "execution": "exec-1"}, None)
    assert output == {
        "job": {"workload": "s3-keys", "params": {"size": 4, "lengths": "original"}, "items": 4},
        "reader": "generated",
        "items": {"Bucket": BUCKET, "Key": "items/exec-1.json"},
        "results_prefix": "results/exec-1",
    }
    assert json.loads((local_store / BUCKET / "items/exec-1.json").read_text()) == [0, 1, 2, 3]


def test_workload_options_are_normalized_into_params(local_store):
    execution_input = {"workload": "monte-carlo-pi", "size": 3, "samples_per_item": 100000, "seed": 7}
    output = start.handler({"input": execution_input, "execution": "e"}, None)
    assert output["job"] == {
        "workload": "monte-carlo-pi",
        "params": {"size": 3, "samples_per_item": 100000, "seed": 7},
        "items": 3,
    }


def test_whole_float_size_from_step_functions_is_accepted(local_store):
    output = start.handler({"input": {"size": 1024.0, "workload": "sum-squares"}, "execution": "e"}, None)
    assert output["job"]["params"]["size"] == 1024
    assert isinstance(output["job"]["params"]["size"], int)


@pytest.mark.parametrize(
    ("execution_input", "message"),
    [
        ([1, 2], "must be a JSON object .*an array"),
        ("size=3", "must be a JSON object .*a string"),
        (None, "must be a JSON object .*null"),
        ({}, "size is required"),
        ({"size": -1}, "size must be at least 1, got -1"),
        ({"size": 0}, "size must be at least 1, got 0"),
        ({"size": 2.5}, "size must be a whole number, got 2.5"),
        ({"size": "10"}, 'size must be a whole number, got a string "10"'),
        ({"size": True}, "size must be a whole number, got a boolean true"),
        ({"size": None}, "size must be a whole number, got null"),
        ({"size": 11}, r"at most 10 items, the deployment's limit \(config key maxItems\), got 11"),
        ({"workload": "mandelbrot", "size": 3}, "unknown workload 'mandelbrot'; known workloads: .*s3-keys"),
        ({"size": 3, "colour": "red"}, "unknown field.*'colour'.*accepted fields: workload, size, lengths"),
        ({"workload": "sum-squares", "size": 3, "seed": 1}, "unknown field.*'seed'"),
        ({"size": 3, "lengths": "utf16"}, "lengths must be one of"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(local_store, monkeypatch, execution_input, message):
    monkeypatch.setenv("MAX_ITEMS", "10")
    with pytest.raises(InvalidInput, match=message):
        start.handler({"input": execution_input, "execution": "e"}, None)
    assert written(local_store) == []


def test_workload_cap_below_max_items_is_enforced(local_store):
    with pytest.raises(InvalidInput, match="at most 140000 for workload 's3-keys'"):
        start.handler({"input": {"size": 140_001}, "execution": "e"}, None)
    assert written(local_store) == []


@pytest.mark.parametrize(
    "event", [{"execution": "e"}, {"input": {"size": 1}}, {"input": {"size": 1}, "execution": "a/b"}, [1]]
)
def test_malformed_start_event_is_refused(local_store, event):
    with pytest.raises(InvalidInput, match="start event"):
        start.handler(event, None)


def test_missing_results_bucket_is_a_deployment_fault(local_store, monkeypatch):
    monkeypatch.delenv("RESULTS_BUCKET")
    with pytest.raises(RuntimeError, match="RESULTS_BUCKET"):
        start.handler({"input": {"size": 1}, "execution": "e"}, None)


@mock_aws
def test_items_land_in_s3_when_no_local_store_is_set(monkeypatch):
    # GIVEN the default S3 store against moto's S3
    monkeypatch.delenv("HPC_LOCAL_STORE", raising=False)
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store._s3_store.cache_clear()
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    # WHEN the job starts
    output = start.handler({"input": {"workload": "sum-squares", "size": 5}, "execution": "exec-9"}, None)
    # THEN the item list is the object the Map's ItemReader will read
    body = s3.get_object(Bucket=BUCKET, Key=output["items"]["Key"])["Body"].read()
    assert json.loads(body) == [0, 1, 2, 3, 4]
    store._s3_store.cache_clear()


def two_more_items_than_size() -> SimpleNamespace:
    """A workload whose items() yields more values than its size, which only the start function's own count bounds."""
    return SimpleNamespace(
        NAME="padded",
        DESCRIPTION="size items and two more",
        OPTIONS={},
        parse=lambda size, options: {"size": size},
        items=lambda params: range(params["size"] + 2),
    )


def test_items_past_max_items_are_refused_even_when_the_size_is_within_it(local_store, monkeypatch):
    # GIVEN a workload making size + 2 items and a deployment limit of 5
    padded = two_more_items_than_size()
    monkeypatch.setattr(workloads, "registry", lambda: {"padded": padded})
    # THEN 5 items (size 3) are accepted
    assert start.plan({"workload": "padded", "size": 3}, max_items=5)[0]["items"] == 5
    # AND 6 items (size 4) are refused, naming the count and the setting, with nothing written
    monkeypatch.setenv("MAX_ITEMS", "5")
    with pytest.raises(InvalidInput) as raised:
        start.handler({"input": {"workload": "padded", "size": 4}, "execution": "e"}, None)
    assert str(raised.value) == (
        "workload 'padded' makes 6 items from this input, above the deployment's limit of 5 (config key maxItems)"
    )
    assert written(local_store) == []


def test_items_are_written_as_compact_json(local_store):
    start.handler({"input": {"workload": "sum-squares", "size": 3}, "execution": "x"}, None)
    assert (local_store / BUCKET / "items/x.json").read_bytes() == b"[0,1,2]"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([1], 'the start event must be {"input": <job>, "execution": <name>}, got an array [1]'),
        ({"execution": "e"}, 'the start event must be {"input": <job>, "execution": <name>}, got an object'),
        ({"input": {}, "execution": ""}, 'the start event\'s execution must be an execution name, got a string ""'),
        ({"input": {}, "execution": 5}, "the start event's execution must be an execution name, got 5"),
        ({"input": {}}, "the start event's execution must be an execution name, got null"),
    ],
)
def test_a_malformed_start_event_says_what_it_must_be(local_store, event, message):
    with pytest.raises(InvalidInput) as raised:
        start.handler(event, None)
    assert str(raised.value).startswith(message)


@mock_aws
def test_a_large_item_list_is_uploaded_in_parts_to_s3(monkeypatch):
    # GIVEN the S3 store and an item list of about 20 MB, past boto3's multipart threshold of 8 MB
    monkeypatch.delenv("HPC_LOCAL_STORE", raising=False)
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.setenv("MAX_ITEMS", "3000000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store._s3_store.cache_clear()
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    # WHEN the job starts
    output = start.handler({"input": {"workload": "sum-squares", "size": 2_500_000}, "execution": "big"}, None)
    # THEN the object is the whole array, written from chunks
    body = s3.get_object(Bucket=BUCKET, Key=output["items"]["Key"])["Body"].read()
    assert len(body) > 8 * 1024 * 1024
    assert json.loads(body) == list(range(2_500_000))
    store._s3_store.cache_clear()


def test_the_local_store_leaves_no_object_when_the_chunks_fail(tmp_path):
    def failing_chunks():
        yield b"[1,"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.LocalStore(tmp_path).put("b", "items/x.json", failing_chunks())
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_items_from_a_generator_are_counted_and_written(local_store, monkeypatch):
    generated = two_more_items_than_size()
    generated.items = lambda params: (value * 10 for value in range(params["size"]))
    monkeypatch.setattr(workloads, "registry", lambda: {"padded": generated})
    output = start.handler({"input": {"workload": "padded", "size": 3}, "execution": "g"}, None)
    assert output["job"]["items"] == 3
    assert json.loads((local_store / BUCKET / "items/g.json").read_text()) == [0, 10, 20]

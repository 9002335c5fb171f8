"""The Distributed Map: inputs of children (unbatched, batched, by bytes), concurrency, ItemReader, ResultWriter files
in AWS's documented format, failure tolerance with FAILED/PENDING records, Catch, and progress reports."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from toy_machine import machine, read_object, task

from hpc.engine import result_writer

RECORD_KEYS_SUCCEEDED = [
    "ExecutionArn",
    "Input",
    "InputDetails",
    "Name",
    "Output",
    "OutputDetails",
    "RedriveCount",
    "RedriveStatus",
    "RedriveStatusReason",
    "StartDate",
    "StateMachineArn",
    "Status",
    "StopDate",
]
ISO_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def map_state(function: str = "echo", **fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": task(function, OutputPath="$.Payload")},
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "results", "Prefix": "runs/r1"},
        },
        "End": True,
    }
    state.update(fields)
    return {key: value for key, value in state.items() if value is not None}


def result_files(store, output) -> dict[str, list[dict[str, Any]]]:
    """Records of each kind, read through the manifest the Map's output points to."""
    details = output["ResultWriterDetails"]
    manifest = read_object(store, details["Bucket"], details["Key"])
    return {
        kind: [record for entry in entries for record in read_object(store, details["Bucket"], entry["Key"])]
        for kind, entries in manifest["ResultFiles"].items()
    }


def inputs_of(records):
    return sorted((json.loads(record["Input"]) for record in records), key=json.dumps)


def test_unbatched_children_get_the_selected_item_with_its_index(make_engine, tmp_path):
    selector = {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "job.$": "$.job"}
    engine = make_engine(machine(("Map", map_state(ItemSelector=selector))))
    result = engine.run({"items": ["a", "b", "c"], "job": {"n": 1}})
    assert result.status == "SUCCEEDED"
    files = result_files(tmp_path / "store", result.output)
    expected = [{"value": v, "index": i, "job": {"n": 1}} for i, v in enumerate(["a", "b", "c"])]
    assert sorted((json.loads(r["Input"]) for r in files["SUCCEEDED"]), key=lambda i: i["index"]) == expected
    assert all(json.loads(r["Output"]) == json.loads(r["Input"]) for r in files["SUCCEEDED"])


def test_without_item_selector_each_child_gets_the_raw_item(make_engine, tmp_path):
    result = make_engine(machine(("Map", map_state()))).run({"items": [{"k": 1}, 2, [3]]})
    assert inputs_of(result_files(tmp_path / "store", result.output)["SUCCEEDED"]) == inputs_of(
        [{"Input": json.dumps(v)} for v in [{"k": 1}, 2, [3]]]
    )


def test_batched_children_get_items_and_batch_input(make_engine, tmp_path):
    # GIVEN 10 items in batches of at most 4, with a BatchInput taken from the Map's input
    batcher = {"MaxItemsPerBatch": 4, "BatchInput": {"job.$": "$.job"}}
    result = make_engine(machine(("Map", map_state(ItemBatcher=batcher)))).run({"items": list(range(10)), "job": "J"})
    # THEN three children: 4 + 4 + 2 items, each with the BatchInput, in AWS's {"BatchInput", "Items"} shape
    records = result_files(tmp_path / "store", result.output)["SUCCEEDED"]
    assert sorted((json.loads(r["Input"]) for r in records), key=lambda i: i["Items"][0]) == [
        {"BatchInput": {"job": "J"}, "Items": [0, 1, 2, 3]},
        {"BatchInput": {"job": "J"}, "Items": [4, 5, 6, 7]},
        {"BatchInput": {"job": "J"}, "Items": [8, 9]},
    ]
    assert all(list(json.loads(r["Input"])) == ["BatchInput", "Items"] for r in records)


def test_batch_without_batch_input_has_only_items_and_items_are_selected_first(make_engine, tmp_path):
    state = map_state(ItemBatcher={"MaxItemsPerBatch": 2}, ItemSelector={"v.$": "$$.Map.Item.Value"})
    result = make_engine(machine(("Map", state))).run({"items": [1, 2, 3]})
    inputs = inputs_of(result_files(tmp_path / "store", result.output)["SUCCEEDED"])
    assert inputs == [{"Items": [{"v": 1}, {"v": 2}]}, {"Items": [{"v": 3}]}]


def test_max_input_bytes_per_batch_bounds_each_child_input(make_engine, tmp_path):
    # {"Items":[]} is 11 bytes; each item "xxxx" is 6 bytes, plus 1 for the comma after the first:
    # 11+6=17, +7=24, +7=31 > 30, so two items fit in 30 bytes and the five items make batches of 2, 2, 1.
    state = map_state(ItemBatcher={"MaxInputBytesPerBatch": 30})
    result = make_engine(machine(("Map", state))).run({"items": ["xxxx"] * 5})
    records = result_files(tmp_path / "store", result.output)["SUCCEEDED"]
    assert sorted(len(json.loads(r["Input"])["Items"]) for r in records) == [1, 2, 2]
    assert all(len(r["Input"].encode()) <= 30 for r in records)


def test_max_concurrency_is_respected(make_engine, fake_dir):
    # GIVEN more workers than MaxConcurrency and children that overlap if they can
    engine = make_engine(machine(("Map", map_state("concurrent", MaxConcurrency=2))), workers=4)
    # WHEN 8 children run
    result = engine.run({"items": list(range(8))})
    # THEN never more than 2 ran at once
    running, highest = json.loads((fake_dir / "running").read_text())
    assert (result.status, running) == ("SUCCEEDED", 0)
    assert highest <= 2


@pytest.mark.parametrize(("input_type", "body"), [("JSON", b"[1, 2, 3]"), ("JSONL", b"1\n2\n\n3\n")])
def test_item_reader_reads_items_from_the_local_store(make_engine, tmp_path, input_type, body):
    (tmp_path / "store" / "in-bucket" / "jobs").mkdir(parents=True)
    (tmp_path / "store" / "in-bucket" / "jobs" / "items.data").write_bytes(body)
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": input_type},
        "Parameters": {"Bucket.$": "$.bucket", "Key": "jobs/items.data"},
    }
    state = map_state("square", ItemsPath=None, ItemReader=reader, ItemSelector={"item.$": "$$.Map.Item.Value"})
    result = make_engine(machine(("Map", state))).run({"bucket": "in-bucket"})
    outputs = [json.loads(r["Output"]) for r in result_files(tmp_path / "store", result.output)["SUCCEEDED"]]
    assert sorted(o["sum"] for o in outputs) == [1, 4, 9]


def test_item_reader_max_items_caps_the_items(make_engine, tmp_path):
    (tmp_path / "store" / "b").mkdir(parents=True)
    (tmp_path / "store" / "b" / "k.json").write_text(json.dumps(list(range(10))))
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON", "MaxItems": 4},
        "Parameters": {"Bucket": "b", "Key": "k.json"},
    }
    result = make_engine(machine(("Map", map_state(ItemsPath=None, ItemReader=reader)))).run({})
    assert inputs_of(result_files(tmp_path / "store", result.output)["SUCCEEDED"]) == [0, 1, 2, 3]


def test_item_reader_without_the_object_fails_the_map(make_engine):
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "missing.json"},
    }
    result = make_engine(machine(("Map", map_state(ItemsPath=None, ItemReader=reader)))).run({})
    assert (result.status, result.error) == ("FAILED", "States.ItemReaderFailed")


def test_result_writer_files_follow_the_aws_format(make_engine, tmp_path):
    result = make_engine(machine(("Map", map_state(Label="squares")))).run({"items": [1, 2]}, name="exec-1")
    output = result.output
    # Map output: the Map Run ARN and where the manifest is
    assert list(output) == ["MapRunArn", "ResultWriterDetails"]
    assert re.fullmatch(rf"arn:aws:states:local:000000000000:mapRun:local/squares:({UUID})", output["MapRunArn"])
    map_run_id = output["MapRunArn"].rsplit(":", 1)[1]
    assert output["ResultWriterDetails"] == {"Bucket": "results", "Key": f"runs/r1/{map_run_id}/manifest.json"}
    # manifest.json
    store = tmp_path / "store"
    manifest = read_object(store, "results", output["ResultWriterDetails"]["Key"])
    succeeded_key = f"runs/r1/{map_run_id}/SUCCEEDED_0.json"
    assert manifest == {
        "DestinationBucket": "results",
        "MapRunArn": output["MapRunArn"],
        "ResultFiles": {
            "FAILED": [],
            "PENDING": [],
            "SUCCEEDED": [{"Key": succeeded_key, "Size": (store / "results" / succeeded_key).stat().st_size}],
        },
    }
    # SUCCEEDED_0.json: one record per child, Input and Output as JSON strings
    records = read_object(store, "results", succeeded_key)
    for record in records:
        assert list(record) == RECORD_KEYS_SUCCEEDED
        assert record["ExecutionArn"] == f"arn:aws:states:local:000000000000:execution:local/squares:{record['Name']}"
        assert record["StateMachineArn"] == "arn:aws:states:local:000000000000:stateMachine:local/squares"
        assert re.fullmatch(UUID, record["Name"])
        assert record["Output"] == record["Input"]
        assert (record["InputDetails"], record["OutputDetails"]) == ({"Included": True}, {"Included": True})
        assert (record["RedriveCount"], record["RedriveStatus"], record["Status"]) == (0, "NOT_REDRIVABLE", "SUCCEEDED")
        assert record["RedriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
        assert ISO_MILLIS.fullmatch(record["StartDate"]) and ISO_MILLIS.fullmatch(record["StopDate"])
        assert record["StartDate"] <= record["StopDate"]
    assert sorted(json.loads(r["Input"]) for r in records) == [1, 2]


def test_tolerance_exceeded_fails_the_map_and_records_failed_and_pending_children(make_engine, tmp_path):
    # GIVEN 10 items, one worker (so the order is fixed), item 3 failing and no failure tolerated
    state = map_state("square", ItemSelector={"item.$": "$$.Map.Item.Value", "fail.$": "$.fail"})
    engine = make_engine(machine(("Map", state)), workers=1)
    # WHEN the Map runs
    result = engine.run({"items": list(range(10)), "fail": [3]})
    # THEN it fails with AWS's error, after writing SUCCEEDED, FAILED and PENDING files
    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert result.cause.startswith("The specified tolerated failure threshold was exceeded")
    store = tmp_path / "store"
    [manifest_key] = [p.relative_to(store / "results").as_posix() for p in (store / "results").rglob("manifest.json")]
    manifest = read_object(store, "results", manifest_key)
    files = {
        kind: [r for e in entries for r in read_object(store, "results", e["Key"])]
        for kind, entries in manifest["ResultFiles"].items()
    }
    assert [json.loads(r["Input"])["item"] for r in files["SUCCEEDED"]] == [0, 1, 2]
    [failed] = files["FAILED"]
    assert json.loads(failed["Input"])["item"] == 3
    assert (failed["Status"], failed["Error"], failed["RedriveStatus"]) == ("FAILED", "Boom", "REDRIVABLE")
    assert json.loads(failed["Cause"])["errorMessage"] == "item 3 is cursed"
    assert "Output" not in failed
    assert [json.loads(r["Input"])["item"] for r in files["PENDING"]] == [4, 5, 6, 7, 8, 9]
    assert all(list(r) == ["Input", "InputDetails", "Status"] and r["Status"] == "PENDING" for r in files["PENDING"])


@pytest.mark.parametrize(
    ("tolerance", "failing", "succeeds"),
    [
        ({"ToleratedFailurePercentage": 10}, [3], True),  # 10% failed is not more than 10%
        ({"ToleratedFailurePercentage": 10}, [3, 4], False),
        ({"ToleratedFailureCount": 1}, [3], True),
        ({"ToleratedFailureCount": 1}, [3, 4], False),
        ({"ToleratedFailurePercentage": 100}, list(range(10)), True),
    ],
)
def test_failures_within_tolerance_let_the_map_succeed(make_engine, tmp_path, tolerance, failing, succeeds):
    state = map_state("square", ItemSelector={"item.$": "$$.Map.Item.Value", "fail.$": "$.fail"}, **tolerance)
    result = make_engine(machine(("Map", state))).run({"items": list(range(10)), "fail": failing})
    assert (result.status == "SUCCEEDED") is succeeds
    if succeeds:
        files = result_files(tmp_path / "store", result.output)
        assert sorted(json.loads(r["Input"])["item"] for r in files["FAILED"]) == failing
        assert len(files["SUCCEEDED"]) == 10 - len(failing)


@pytest.mark.parametrize(("percentage", "succeeds"), [(50, True), (40, False)])
def test_a_failed_batch_counts_all_its_items_as_failed(make_engine, percentage, succeeds):
    # One failing item in a batch of 5 of 10 items: 5 items (50%) failed.
    batcher = {"MaxItemsPerBatch": 5, "BatchInput": {"fail.$": "$.fail"}}
    state = map_state("square", ItemBatcher=batcher, ToleratedFailurePercentage=percentage)
    result = make_engine(machine(("Map", state))).run({"items": list(range(10)), "fail": [7]})
    assert (result.status == "SUCCEEDED") is succeeds


def test_map_catch_receives_the_threshold_error_after_results_are_written(make_engine, tmp_path):
    state = map_state(
        "square",
        ItemSelector={"item.$": "$$.Map.Item.Value", "fail.$": "$.fail"},
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "results", "Prefix.$": "$.prefix"},
        },
        Catch=[
            {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.failure", "Next": "Report"}
        ],
        End=None,
        Next="Done",
    )
    definition = machine(("Map", state), ("Done", {"Type": "Succeed"}), ("Report", {"Type": "Pass", "End": True}))
    result = make_engine(definition).run({"items": [1, 2], "fail": [2], "prefix": "dynamic/prefix"})
    assert result.status == "SUCCEEDED"
    assert result.output["failure"]["Error"] == "States.ExceedToleratedFailureThreshold"
    assert len(list((tmp_path / "store" / "results" / "dynamic" / "prefix").glob("*/FAILED_0.json"))) == 1


def test_without_result_writer_the_output_is_the_child_outputs_in_order(make_engine):
    state = map_state("square", ItemSelector={"item.$": "$$.Map.Item.Value"}, ResultWriter=None)
    result = make_engine(machine(("Map", state))).run({"items": [3, 1, 2]})
    assert result.output == [{"items": 1, "sum": 9}, {"items": 1, "sum": 1}, {"items": 1, "sum": 4}]


def test_result_files_are_split_past_the_size_limit(make_engine, tmp_path, monkeypatch):
    # GIVEN a file limit a few records large (AWS's is 5 GB)
    monkeypatch.setattr(result_writer, "MAX_FILE_BYTES", 2000)
    result = make_engine(machine(("Map", map_state()))).run({"items": list(range(20))})
    details = result.output["ResultWriterDetails"]
    manifest = read_object(tmp_path / "store", "results", details["Key"])
    entries = manifest["ResultFiles"]["SUCCEEDED"]
    # THEN several numbered files, each within the limit, holding every record once
    assert [e["Key"].rsplit("/", 1)[1] for e in entries] == [f"SUCCEEDED_{n}.json" for n in range(len(entries))]
    assert len(entries) > 1 and all(e["Size"] <= 2000 for e in entries)
    assert inputs_of(result_files(tmp_path / "store", result.output)["SUCCEEDED"]) == inputs_of(
        [{"Input": json.dumps(i)} for i in range(20)]
    )


def test_empty_item_list_writes_a_manifest_without_files(make_engine, tmp_path):
    result = make_engine(machine(("Map", map_state()))).run({"items": []})
    manifest = read_object(tmp_path / "store", "results", result.output["ResultWriterDetails"]["Key"])
    assert manifest["ResultFiles"] == {"FAILED": [], "PENDING": [], "SUCCEEDED": []}


def test_child_input_over_256_kib_fails_that_child(make_engine, tmp_path):
    # GIVEN an item list in the store (so it is not bounded by the execution input) with one item over 256 KiB
    (tmp_path / "store" / "b").mkdir(parents=True)
    (tmp_path / "store" / "b" / "k.json").write_text(json.dumps([{"v": "x" * 10}, {"v": "y" * 262_144}]))
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k.json"},
    }
    state = map_state(ItemsPath=None, ItemReader=reader, ToleratedFailurePercentage=50)
    result = make_engine(machine(("Map", state))).run({})
    files = result_files(tmp_path / "store", result.output)
    assert [r["Error"] for r in files["FAILED"]] == ["States.DataLimitExceeded"]


def test_children_are_executions_with_their_own_context(make_engine, tmp_path):
    child = task(
        "echo", Parameters={"FunctionName": "echo", "Payload": {"name.$": "$$.Execution.Name"}}, OutputPath="$.Payload"
    )
    state = map_state()
    state["ItemProcessor"]["States"]["Work"] = child
    result = make_engine(machine(("Map", state))).run({"items": [1, 2]})
    for record in result_files(tmp_path / "store", result.output)["SUCCEEDED"]:
        assert json.loads(record["Output"]) == {"name": record["Name"]}


def test_progress_reports_item_counts_until_all_are_done(make_engine):
    seen = []
    batcher = {"MaxItemsPerBatch": 3}
    engine = make_engine(machine(("Map", map_state("square", ItemBatcher=batcher, ItemsPath="$.items"))))
    result = engine.run({"items": list(range(10))}, on_progress=seen.append)
    assert result.status == "SUCCEEDED"
    assert all(p.total == p.succeeded + p.failed + p.running + p.pending == 10 for p in seen)
    assert (seen[-1].succeeded, seen[-1].failed, seen[-1].running, seen[-1].pending) == (10, 0, 0, 0)

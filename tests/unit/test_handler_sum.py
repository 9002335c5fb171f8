"""The sum function over ResultWriter output in AWS's documented format, on moto's S3 and on the local store."""

import json
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from handlers import compute, store
from handlers import results as resultwriter
from handlers import sum as sum_handler
from handlers.errors import IncompleteResults, InvalidInput, ItemsFailed
from handlers.workloads import sum_squares as squares

BUCKET = "hpc-results"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "resultwriter"
FIXTURE_RUN = "results/exec-1/6c1a2f14-90c1-3c2e-9f2b-0d7d4e5a1b23"
RUN = "results/exec-2/0f9e8d7c-6b5a-4321-8765-43210fedcba9"


def squares_job(size):
    return {"workload": "sum-squares", "params": {"size": size}, "items": size}


def closed_form(n):
    return (n - 1) * n * (2 * n - 1) // 6


class Bucket:
    """Puts objects where the handler's default store will look for them."""

    def __init__(self, put):
        self.put = put

    def put_json(self, key, value):
        self.put(key, json.dumps(value, indent=1).encode())


@pytest.fixture(params=["s3", "local"])
def bucket(request, tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.delenv("TOLERATED_FAILURE_PERCENTAGE", raising=False)
    if request.param == "local":
        monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
        yield Bucket(lambda key, body: store.LocalStore(tmp_path).put(BUCKET, key, body))
        return
    monkeypatch.delenv("HPC_LOCAL_STORE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        store._s3_store.cache_clear()  # the cached client must be created inside the mock
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield Bucket(lambda key, body: client.put_object(Bucket=BUCKET, Key=key, Body=body))
    store._s3_store.cache_clear()


def child_record(number, child_input, *, output=None, error=None, cause=None, status=None):
    """One child execution as the ResultWriter records it: Input and Output are JSON strings."""
    name = f"{number:08d}-1111-2222-3333-444444444444"
    status = status or ("SUCCEEDED" if error is None else "FAILED")
    record = {
        "ExecutionArn": f"arn:aws:states:us-east-1:123456789012:execution:hpc/compute:{name}",
        "Input": json.dumps(child_input),
        "InputDetails": {"Included": True},
        "Name": name,
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE" if status == "SUCCEEDED" else "REDRIVABLE",
        "StartDate": "2025-01-15T10:00:00.000Z",
        "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:hpc/compute",
        "Status": status,
        "StopDate": "2025-01-15T10:00:01.000Z",
    }
    if status == "SUCCEEDED":
        record |= {"Output": json.dumps(output), "OutputDetails": {"Included": True}}
    elif status == "FAILED":
        record |= {"Error": error, "Cause": cause}
    return record


def squares_batch(number, items, job):
    output = {"items": len(items), "partial": str(sum(i * i for i in items))}
    return child_record(number, {"Items": items, "BatchInput": {"job": job}}, output=output)


def lambda_failure(number, child_input, error_type="ValueError", message="boom"):
    cause = json.dumps({"errorMessage": message, "errorType": error_type, "requestId": "r-1", "stackTrace": ["..."]})
    return child_record(number, child_input, error=error_type, cause=cause)


def write_run(bucket, *, succeeded=(), failed=(), pending=(), prefix=RUN):
    """Result files (lists of records) and a manifest listing them; returns the Map's output."""
    listed = {}
    for status, files in (("SUCCEEDED", succeeded), ("FAILED", failed), ("PENDING", pending)):
        listed[status] = []
        for index, records in enumerate(files):
            key = f"{prefix}/{status}_{index}.json"
            bucket.put_json(key, list(records))
            listed[status].append({"Key": key, "Size": 1})
    manifest = {
        "DestinationBucket": BUCKET,
        "MapRunArn": "arn:aws:states:::mapRun:hpc/compute:run",
        "ResultFiles": listed,
    }
    bucket.put_json(f"{prefix}/manifest.json", manifest)
    return map_output(f"{prefix}/manifest.json")


def map_output(manifest_key):
    return {
        "MapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:hpc/compute:run",
        "ResultWriterDetails": {"Bucket": BUCKET, "Key": manifest_key},
    }


def batched_squares_run(bucket, size, batch, **files):
    job = squares_job(size)
    records = [squares_batch(n, list(range(s, min(s + batch, size))), job) for n, s in enumerate(range(0, size, batch))]
    return job, write_run(bucket, succeeded=[records], **files)


def test_documented_fixture_sums_to_the_closed_form(bucket):
    # GIVEN the ResultWriter output of sum-squares size 6 in two SUCCEEDED files
    for path in FIXTURES.glob("*.json"):
        bucket.put(f"{FIXTURE_RUN}/{path.name}", path.read_bytes())
    # WHEN the sum function reads it
    output = sum_handler.handler({"job": squares_job(6), "results": map_output(f"{FIXTURE_RUN}/manifest.json")}, None)
    # THEN the total is complete and exact
    assert output == {"workload": "sum-squares", "items": 6, "complete": True, "result": str(closed_form(6))}


def test_many_records_across_files_combine_in_rounds(bucket, monkeypatch):
    # GIVEN 50 single-item records over three SUCCEEDED files, combined every 4 partials
    monkeypatch.setattr(sum_handler, "COMBINE_EVERY", 4)
    job = squares_job(50)
    records = [child_record(i, {"item": i, "job": job}, output={"items": 1, "partial": str(i * i)}) for i in range(50)]
    results = write_run(bucket, succeeded=[records[:7], records[7:30], records[30:]])
    combined = []
    real_combine = squares.combine
    monkeypatch.setattr(squares, "combine", lambda partials: combined.append(len(partials)) or real_combine(partials))
    # WHEN summed THEN every record counts once
    output = sum_handler.handler({"job": job, "results": results}, None)
    assert output == {"workload": "sum-squares", "items": 50, "complete": True, "result": str(closed_form(50))}
    # AND the partials were combined as they came, four at a time, never held all at once
    assert combined == [4] + [5] * 11 + [3]


def test_result_files_are_read_in_many_chunks(bucket, monkeypatch):
    # GIVEN a 300-item run read 1000 bytes at a time (records are ~600 bytes, so they straddle reads)
    monkeypatch.setattr(resultwriter, "CHUNK_BYTES", 1000)
    job = squares_job(300)
    records = [child_record(i, {"item": i, "job": job}, output={"items": 1, "partial": str(i * i)}) for i in range(300)]
    output = sum_handler.handler({"job": job, "results": write_run(bucket, succeeded=[records])}, None)
    assert output["result"] == str(closed_form(300))


def test_pending_files_are_refused(bucket):
    job, results = batched_squares_run(bucket, 8, 4, pending=[[child_record(9, {"Items": [8]}, status="PENDING")]])
    with pytest.raises(IncompleteResults, match=f"1 PENDING result file.*{RUN}/PENDING_0.json.*never ran"):
        sum_handler.handler({"job": job, "results": results}, None)


def test_failed_files_are_refused_when_no_failure_is_tolerated(bucket):
    job, results = batched_squares_run(bucket, 8, 4, failed=[[lambda_failure(9, {"item": 3})]])
    with pytest.raises(IncompleteResults, match=r"FAILED_0.json\) and no failure is tolerated"):
        sum_handler.handler({"job": job, "results": results}, None)


def test_a_listed_file_that_is_missing_is_named(bucket):
    job, results = batched_squares_run(bucket, 8, 4)
    manifest = {"ResultFiles": {"SUCCEEDED": [{"Key": f"{RUN}/SUCCEEDED_0.json"}, {"Key": f"{RUN}/SUCCEEDED_1.json"}]}}
    bucket.put_json(f"{RUN}/manifest.json", manifest)
    with pytest.raises(IncompleteResults, match=f"{RUN}/SUCCEEDED_1.json, listed in the manifest, does not exist"):
        sum_handler.handler({"job": job, "results": results}, None)


def test_a_truncated_file_is_named(bucket):
    job, results = batched_squares_run(bucket, 8, 4)
    whole = json.dumps([squares_batch(0, [0, 1, 2, 3], job), squares_batch(1, [4, 5, 6, 7], job)])
    bucket.put(f"{RUN}/SUCCEEDED_0.json", whole[: len(whole) // 2].encode())
    with pytest.raises(IncompleteResults, match=f"{RUN}/SUCCEEDED_0.json is truncated or corrupt"):
        sum_handler.handler({"job": job, "results": results}, None)


def test_a_missing_manifest_is_refused(bucket):
    with pytest.raises(IncompleteResults, match="manifest .* does not exist"):
        sum_handler.handler({"job": squares_job(3), "results": map_output(f"{RUN}/manifest.json")}, None)


def test_a_corrupt_manifest_is_refused(bucket):
    bucket.put(f"{RUN}/manifest.json", b'{"DestinationBucket": "b"}')
    with pytest.raises(IncompleteResults, match="manifest is unreadable"):
        sum_handler.handler({"job": squares_job(3), "results": map_output(f"{RUN}/manifest.json")}, None)


def test_items_not_covered_are_refused(bucket):
    # GIVEN results for items 0..3 of a job of 6
    job = squares_job(6)
    results = write_run(bucket, succeeded=[[squares_batch(0, [0, 1, 2, 3], job)]])
    with pytest.raises(IncompleteResults, match="cover 4 item.*job has 6"):
        sum_handler.handler({"job": job, "results": results}, None)


def test_duplicate_results_are_refused(bucket):
    job = squares_job(4)
    batch = squares_batch(0, [0, 1, 2, 3], job)
    results = write_run(bucket, succeeded=[[batch], [batch]])
    with pytest.raises(IncompleteResults, match="cover 8 item.*job has 4"):
        sum_handler.handler({"job": job, "results": results}, None)


def test_records_that_are_not_compute_outputs_are_refused(bucket):
    job = squares_job(2)
    records = [child_record(0, {"Items": [0, 1]}, output={"result": "1"})]
    with pytest.raises(IncompleteResults, match="holds no compute output"):
        sum_handler.handler({"job": job, "results": write_run(bucket, succeeded=[records])}, None)


def test_partials_the_workload_cannot_combine_are_refused(bucket):
    job = squares_job(2)
    records = [child_record(0, {"Items": [0, 1]}, output={"items": 2, "partial": "one"})]
    with pytest.raises(IncompleteResults, match="cannot combine"):
        sum_handler.handler({"job": job, "results": write_run(bucket, succeeded=[records])}, None)


def test_tolerated_failures_give_a_partial_result_without_a_result_key(bucket, monkeypatch):
    # GIVEN 20 single-item children, item 7 failed, 10% tolerated
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "10")
    job = squares_job(20)
    done = [child_record(i, {"item": i, "job": job}, output={"items": 1, "partial": str(i * i)}) for i in range(20)]
    del done[7]
    results = write_run(bucket, succeeded=[done], failed=[[lambda_failure(7, {"item": 7, "job": job})]])
    # WHEN summed
    output = sum_handler.handler({"job": job, "results": results}, None)
    # THEN the output says it is incomplete, with the partial sum and the failure, and holds no "result"
    assert output == {
        "workload": "sum-squares",
        "complete": False,
        "partial_result": str(closed_form(20) - 49),
        "items_covered": 19,
        "items_failed": 1,
        "items_expected": 20,
        "failed": [
            {"label": "item 7", "items": [7], "item_count": 1, "Error": "ValueError", "Cause": "ValueError: boom"}
        ],
    }


def test_a_failed_batch_counts_every_item_of_its_input(bucket, monkeypatch):
    # GIVEN 40 items in batches of 4, the batch 8..11 failed: 10% of the items
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "5")
    job = squares_job(40)
    done = [squares_batch(n, list(range(s, s + 4)), job) for n, s in enumerate(range(0, 40, 4)) if s != 8]
    failed = [lambda_failure(99, {"Items": [8, 9, 10, 11], "BatchInput": {"job": job}})]
    results = write_run(bucket, succeeded=[done], failed=[failed])
    # WHEN summed with 5% tolerated THEN it is refused, naming the batch
    with pytest.raises(IncompleteResults, match=r"4 of 40 items failed, more than the tolerated 5.0% .*items 8..11"):
        sum_handler.handler({"job": job, "results": results}, None)
    # and with 10% tolerated it is a partial result
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "10")
    output = sum_handler.handler({"job": job, "results": results}, None)
    assert output["items_failed"] == 4
    assert output["failed"][0]["label"] == "items 8..11"


def test_at_most_twenty_failures_are_listed(bucket, monkeypatch):
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "30")
    job = squares_job(100)
    done = [child_record(i, {"item": i}, output={"items": 1, "partial": str(i * i)}) for i in range(25, 100)]
    failed = [lambda_failure(i, {"item": i}) for i in range(25)]
    output = sum_handler.handler({"job": job, "results": write_run(bucket, succeeded=[done], failed=[failed])}, None)
    assert output["items_failed"] == 25
    assert [entry["items"] for entry in output["failed"]] == [[i] for i in range(20)]


def test_every_item_failed_within_full_tolerance_gives_no_partial(bucket, monkeypatch):
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "100")
    job = squares_job(2)
    results = write_run(bucket, failed=[[lambda_failure(0, {"Items": [0, 1]})]])
    output = sum_handler.handler({"job": job, "results": results}, None)
    assert output["partial_result"] is None
    assert output["items_covered"] == 0


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({}, "no job object"),
        ({"job": {"workload": "sum-squares", "items": 3}}, "no job object"),
        ({"job": {"workload": "sum-squares", "params": {"size": 3}}}, "item count"),
        ({"job": squares_job(3)}, "needs the Map's output"),
        ({"job": squares_job(3), "results": {"MapRunArn": "x"}}, "needs the Map's output"),
        ({"job": {"workload": "nope", "params": {"size": 3}, "items": 3}, "results": {}}, "unknown workload"),
    ],
)
def test_malformed_sum_event_is_invalid_input(bucket, event, message):
    with pytest.raises(InvalidInput, match=message):
        sum_handler.handler(event, None)


def failure_event(job, prefix="results/exec-2"):
    map_failure = {
        "Error": "States.ExceedToleratedFailureThreshold",
        "Cause": "The tolerated failure threshold was exceeded",
    }
    return {"job": job, "results_prefix": prefix, "failure": map_failure}


def test_failure_report_names_the_failed_items(bucket):
    # GIVEN a run of 40 single items where items 7, 12 and 30 failed
    job = squares_job(40)
    failed = [lambda_failure(i, {"item": i, "job": job}) for i in (7, 12, 30)]
    done = [
        child_record(i, {"item": i}, output={"items": 1, "partial": "0"}) for i in range(40) if i not in (7, 12, 30)
    ]
    write_run(bucket, succeeded=[done], failed=[failed])
    # WHEN the failure report runs THEN it raises ItemsFailed naming them
    with pytest.raises(ItemsFailed) as raised:
        sum_handler.handler(failure_event(job), None)
    assert str(raised.value).startswith("3 of 40 items failed (first: item 7: ValueError: boom; item 12: ValueError")


def test_failure_report_names_failed_batches_and_items_never_started(bucket):
    job = squares_job(12)
    failed = [lambda_failure(1, {"Items": [4, 5, 6, 7], "BatchInput": {"job": job}}, "MemoryError", "")]
    pending = [child_record(2, {"Items": [8, 9, 10, 11], "BatchInput": {"job": job}}, status="PENDING")]
    write_run(bucket, succeeded=[[squares_batch(0, [0, 1, 2, 3], job)]], failed=[failed], pending=[pending])
    with pytest.raises(ItemsFailed, match=r"4 of 12 items failed; 4 never started \(first: items 4..7: MemoryError"):
        sum_handler.handler(failure_event(job), None)


def test_failure_report_without_results_carries_the_maps_error(bucket):
    with pytest.raises(ItemsFailed) as raised:
        sum_handler.handler(failure_event(squares_job(5), prefix="results/never-ran"), None)
    assert str(raised.value) == (
        "the Map failed (States.ExceedToleratedFailureThreshold: The tolerated failure threshold was exceeded) "
        f"and wrote no results under {BUCKET}/results/never-ran"
    )


def test_failure_report_ignores_other_executions_results(bucket):
    # GIVEN results of execution "exec-20", whose prefix starts like this one's, "exec-2"
    write_run(bucket, failed=[[lambda_failure(0, {"item": 0})]], prefix="results/exec-20/run")
    with pytest.raises(ItemsFailed, match="wrote no results under"):
        sum_handler.handler(failure_event(squares_job(5), prefix="results/exec-2/"), None)


@pytest.mark.parametrize(
    ("failure", "told"),
    [
        ({"Error": "States.Runtime"}, "the Map failed (States.Runtime) and"),
        ({}, "the Map failed (unknown error) and"),
        ("not an object", "the Map failed (unknown error) and"),
    ],
)
def test_failure_report_names_the_maps_error_however_little_it_carries(bucket, failure, told):
    event = {"job": squares_job(5), "results_prefix": "results/none", "failure": failure}
    with pytest.raises(ItemsFailed) as raised:
        sum_handler.handler(event, None)
    assert str(raised.value).startswith(told)


@pytest.mark.parametrize("prefix", [None, "", 7])
def test_failure_report_without_a_results_prefix_says_so(bucket, prefix):
    event = {"job": squares_job(5), "results_prefix": prefix, "failure": {"Error": "E", "Cause": "c"}}
    with pytest.raises(ItemsFailed) as raised:
        sum_handler.handler(event, None)
    assert str(raised.value) == "the Map failed (E: c); the event names no results_prefix to read its results from"


def test_failure_report_when_the_results_record_no_failed_item(bucket):
    job = squares_job(8)
    pending = [child_record(2, {"Items": [4, 5, 6, 7], "BatchInput": {"job": job}}, status="PENDING")]
    write_run(bucket, succeeded=[[squares_batch(0, [0, 1, 2, 3], job)]], pending=[pending])
    with pytest.raises(ItemsFailed) as raised:
        sum_handler.handler(failure_event(job), None)
    assert str(raised.value) == (
        "the Map failed (States.ExceedToleratedFailureThreshold: The tolerated failure threshold was exceeded) but "
        "its results record no failed items; 4 never started"
    )


def test_failure_report_with_unreadable_results_still_raises_items_failed(bucket):
    bucket.put_json(f"{RUN}/manifest.json", {"ResultFiles": {"FAILED": [{"Key": f"{RUN}/FAILED_0.json"}]}})
    with pytest.raises(ItemsFailed, match="could not be read: .*FAILED_0.json, listed in the manifest, does not exist"):
        sum_handler.handler(failure_event(squares_job(5)), None)


def test_failure_report_names_five_failures_and_marks_the_rest(bucket):
    job = squares_job(10)
    write_run(bucket, failed=[[lambda_failure(i, {"item": i}) for i in range(8)]])
    with pytest.raises(ItemsFailed) as raised:
        sum_handler.handler(failure_event(job), None)
    message = str(raised.value)
    assert message.startswith("8 of 10 items failed (first: item 0: ValueError: boom;")
    assert "item 4: ValueError: boom; ...)" in message
    assert "item 5" not in message


def test_a_one_item_job_sums_to_a_complete_result(bucket):
    job = {"workload": "s3-keys", "params": {"size": 1, "lengths": "s3"}, "items": 1}
    records = [child_record(0, {"item": 1, "job": job}, output={"items": 1, "partial": "80"})]  # 128, hexadecimal
    output = sum_handler.handler({"job": job, "results": write_run(bucket, succeeded=[records])}, None)
    assert output == {
        "workload": "s3-keys",
        "items": 1,
        "complete": True,
        "result": "128",
        "digits": 3,
        "lengths": "1..1 bytes",
    }


@pytest.mark.parametrize(
    "manifest",
    [b"not json", b'{"ResultFiles": []}', b'{"ResultFiles": {"SUCCEEDED": "abc"}}', b'{"ResultFiles": 3}'],
)
def test_a_manifest_whose_result_files_are_not_an_object_is_incomplete_results(bucket, manifest):
    bucket.put(f"{RUN}/manifest.json", manifest)
    with pytest.raises(IncompleteResults, match="^the Map's manifest is unreadable: .* is not a ResultWriter manifest"):
        sum_handler.handler({"job": squares_job(3), "results": map_output(f"{RUN}/manifest.json")}, None)


@pytest.mark.parametrize("child_input", ["not json", "[1]", "{}"])
def test_a_failed_record_whose_input_is_not_readable_is_incomplete_results(bucket, monkeypatch, child_input):
    # GIVEN a tolerated failure whose record's Input does not say which items it held
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "50")
    job = squares_job(2)
    failed = lambda_failure(1, {"item": 1}) | {"Input": child_input}
    done = [child_record(0, {"item": 0}, output={"items": 1, "partial": "0"})]
    results = write_run(bucket, succeeded=[done], failed=[[failed]])
    # THEN no partial result is given: the file is named as corrupt
    with pytest.raises(IncompleteResults, match=f"^result file {BUCKET}/{RUN}/FAILED_0.json is truncated or corrupt: "):
        sum_handler.handler({"job": job, "results": results}, None)


def test_tolerance_is_checked_against_the_job_not_the_covered_items(bucket, monkeypatch):
    # GIVEN 2 of 10 items failed: 20% of the job
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "20")
    job = squares_job(10)
    done = [child_record(i, {"item": i}, output={"items": 1, "partial": str(i * i)}) for i in range(2, 10)]
    results = write_run(bucket, succeeded=[done], failed=[[lambda_failure(i, {"item": i}) for i in (0, 1)]])
    # THEN exactly at the tolerance it is a partial result
    assert sum_handler.handler({"job": job, "results": results}, None)["items_failed"] == 2
    # AND just below it, refused
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "19.9")
    with pytest.raises(
        IncompleteResults, match=r"^2 of 10 items failed, more than the tolerated 19.9% \(first: item 0"
    ):
        sum_handler.handler({"job": job, "results": results}, None)


def test_an_incomplete_message_names_every_result_file(bucket):
    job = squares_job(9)
    results = write_run(bucket, succeeded=[[squares_batch(0, [0, 1], job)], [squares_batch(1, [2, 3], job)]])
    with pytest.raises(IncompleteResults) as raised:
        sum_handler.handler({"job": job, "results": results}, None)
    assert str(raised.value) == (
        f"the results cover 4 item(s) and record 0 failed, but the job has 9 (result files: {RUN}/SUCCEEDED_0.json, "
        f"{RUN}/SUCCEEDED_1.json); start the job again."
    )


def test_an_empty_run_names_no_result_files(bucket):
    results = write_run(bucket)
    with pytest.raises(IncompleteResults, match=r"cover 0 item\(s\) .*\(result files: none\)"):
        sum_handler.handler({"job": squares_job(3), "results": results}, None)


# ---- data jobs: the item count is not known up front -------------------------------------------------------------

DATA_JOB = {"workload": "csv-stats", "params": {"data": "s3://lake/t.csv", "format": "csv"}, "items": None}


@pytest.fixture(params=["index runs in the output", "indices from the input"])
def output_runs(request, monkeypatch):
    """Every data-job test runs twice: with the compute output's index runs, and with outputs that lack them (the
    sum then reads the indices from each record's Input)."""
    monkeypatch.setattr(sys.modules[__name__], "WITH_RUNS", request.param == "index runs in the output")


WITH_RUNS = True


def rows_batch(number, first, values):
    """A data Map's child: items {"index", "value"} for rows with one column "v", its output the compute's own."""
    items = [{"index": first + offset, "value": {"v": str(value)}} for offset, value in enumerate(values)]
    child_input = {"Items": items, "BatchInput": {"job": DATA_JOB}}
    output = compute.handler(json.loads(json.dumps(child_input)), None)
    if not WITH_RUNS:
        del output["index_runs"]
    return child_record(number, child_input, output=output)


def data_total(bucket, **files):
    return sum_handler.handler({"job": DATA_JOB, "results": write_run(bucket, **files), "execution": "e"}, None)


@pytest.mark.usefixtures("output_runs")
def test_a_data_job_is_counted_from_the_indices_of_its_result_records(bucket):
    output = data_total(bucket, succeeded=[[rows_batch(0, 0, [1, 2, 3])], [rows_batch(1, 3, [4, 5])]])
    assert (output["items"], output["complete"]) == (5, True)
    assert output["result"]["v"]["mean"] == 3.0


@pytest.mark.usefixtures("output_runs")
@pytest.mark.parametrize("gap", [None, 150])
def test_compact_result_files_are_summed_and_checked_without_decoding_every_input(bucket, gap, monkeypatch):
    monkeypatch.setattr(resultwriter, "CUT_INPUTS_FROM", 0)  # these Inputs are small: leave them undecoded all the same
    # GIVEN compact result files, as AWS and the engine write them, of many records (read a buffer at a time with
    # each Input left undecoded unless the output lacks index runs), one record perhaps missing
    batches = [rows_batch(n, 2 * n, [n, n + 1]) for n in range(300) if n != gap]
    write_manifest = write_run(bucket, succeeded=[[], []])
    for number, part in enumerate((batches[:200], batches[200:])):
        bucket.put(f"{RUN}/SUCCEEDED_{number}.json", json.dumps(part, separators=(",", ":")).encode())
    event = {"job": DATA_JOB, "results": write_manifest, "execution": "e"}
    if gap is not None:
        # THEN a missing record is a gap, found from the index runs or the Inputs decoded for them
        with pytest.raises(IncompleteResults, match=r"items 300..301 of the data are in no result file"):
            sum_handler.handler(event, None)
        return
    # THEN every item is counted once and the statistics are those of all the values
    output = sum_handler.handler(event, None)
    assert (output["items"], output["result"]["v"]["count"]) == (600, 600)
    assert output["result"]["v"]["mean"] == sum(n + n + 1 for n in range(300)) / 600


@pytest.mark.usefixtures("output_runs")
def test_a_data_job_with_a_record_missing_from_the_middle_is_refused(bucket):
    with pytest.raises(IncompleteResults, match=r"items 3..4 of the data are in no result file"):
        data_total(bucket, succeeded=[[rows_batch(0, 0, [1, 2, 3]), rows_batch(2, 5, [6])]])


@pytest.mark.usefixtures("output_runs")
def test_a_data_job_with_a_record_listed_twice_is_refused(bucket):
    batch = rows_batch(0, 0, [1, 2])
    with pytest.raises(IncompleteResults, match="item 0 is in two results"):
        data_total(bucket, succeeded=[[batch], [batch]])


@pytest.mark.usefixtures("output_runs")
def test_a_data_job_with_overlapping_records_is_refused(bucket):
    with pytest.raises(IncompleteResults, match="in two results"):
        data_total(bucket, succeeded=[[rows_batch(0, 0, [1, 2, 3]), rows_batch(1, 2, [3, 4])]])


@pytest.mark.usefixtures("output_runs")
def test_a_data_record_that_covers_fewer_items_than_it_was_given_is_refused(bucket):
    record = rows_batch(0, 0, [1, 2, 3])
    output = json.loads(record["Output"])
    record["Output"] = json.dumps({**output, "items": 2})
    with pytest.raises(IncompleteResults, match="was given 3 item.*covers 2"):
        data_total(bucket, succeeded=[[record]])


@pytest.mark.parametrize("runs", [[[0]], [[2, 1]], [[-1, 2]], [["0", 3]], [[0, True]], "0-3", [[0, 1, 2]]])
@pytest.mark.usefixtures("output_runs")
def test_a_data_record_whose_index_runs_are_not_runs_is_refused(bucket, runs):
    record = rows_batch(0, 0, [1, 2, 3])
    record["Output"] = json.dumps({**json.loads(record["Output"]), "index_runs": runs})
    with pytest.raises(IncompleteResults, match="not \\[start, end\\) pairs"):
        data_total(bucket, succeeded=[[record]])


@pytest.mark.usefixtures("output_runs")
def test_a_data_job_still_refuses_pending_and_failed_files(bucket):
    pending = {"Input": json.dumps({"Items": [{"index": 3, "value": {}}]}), "Status": "PENDING"}
    with pytest.raises(IncompleteResults, match="PENDING"):
        data_total(bucket, succeeded=[[rows_batch(0, 0, [1, 2, 3])]], pending=[[pending]])
    failed = lambda_failure(1, {"Items": [{"index": 3, "value": {"v": "4"}}], "BatchInput": {"job": DATA_JOB}})
    with pytest.raises(IncompleteResults, match="FAILED"):
        data_total(bucket, succeeded=[[rows_batch(0, 0, [1, 2, 3])]], failed=[[failed]])


def test_an_empty_dataset_is_refused_naming_it(bucket):
    with pytest.raises(InvalidInput, match=r"s3://lake/t.csv holds no items"):
        data_total(bucket)


def test_an_output_past_64_kib_is_stored_and_summarized(bucket, monkeypatch):
    # GIVEN a job whose result is a 200,000-digit number
    monkeypatch.setattr(
        sum_handler.workloads.get("sum-squares"),
        "present",
        lambda partial, params: {"result": "7" * 200_000, "digits": 200_000},
    )
    job, results = batched_squares_run(bucket, 10, 5)
    # WHEN summed THEN the output names the stored object and keeps the small fields
    output = sum_handler.handler({"job": job, "results": results, "execution": "exec-9"}, None)
    assert output["result_object"]["Key"] == "outputs/exec-9/result.json"
    assert "result" not in output and output["digits"] == 200_000 and output["complete"] is True
    stored = sum_handler.store().open(BUCKET, "outputs/exec-9/result.json").read()
    assert json.loads(stored) == {
        "workload": "sum-squares",
        "items": 10,
        "complete": True,
        "result": "7" * 200_000,
        "digits": 200_000,
    }
    assert output["result_object"]["Size"] == len(stored)


@pytest.mark.parametrize("execution", [None, "", "a/b", 7])
def test_a_large_output_without_a_usable_execution_name_is_refused_before_storing(bucket, monkeypatch, execution):
    monkeypatch.setattr(
        sum_handler.workloads.get("sum-squares"), "present", lambda partial, params: {"result": "7" * 200_000}
    )
    job, results = batched_squares_run(bucket, 10, 5)
    with pytest.raises(InvalidInput, match="^the sum event needs the execution's name to store a large result, got "):
        sum_handler.handler({"job": job, "results": results, "execution": execution}, None)

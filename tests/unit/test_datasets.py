"""Data locations: which reader a job's "data" field selects, and the start function's dataBuckets check."""

from __future__ import annotations

import pytest

from handlers import datasets, start
from handlers.errors import InvalidInput


@pytest.mark.parametrize(
    ("data", "kinds", "form", "expected"),
    [
        ("s3://lake/raw/", ("objects",), None, ("lake", "raw/", "objects")),
        ("s3://lake", ("objects",), None, ("lake", "", "objects")),
        ("s3://lake/t.csv", ("csv", "jsonl", "json"), None, ("lake", "t.csv", "csv")),
        ("s3://lake/a/t.ndjson", ("csv", "jsonl", "json"), None, ("lake", "a/t.ndjson", "jsonl")),
        ("s3://lake/t.data", ("csv", "jsonl", "json"), "json", ("lake", "t.data", "json")),
    ],
)
def test_the_data_field_names_a_bucket_a_key_and_a_reader(data, kinds, form, expected):
    location = datasets.locate(data, kinds, form)
    assert (location.bucket, location.key, location.kind) == expected


@pytest.mark.parametrize(
    ("data", "form", "message"),
    [
        ("/home/me/t.csv", None, "must be an S3 URI"),
        ("s3://Bad_Bucket/t.csv", None, "not an S3 bucket name"),
        ("s3://lake/t.data", None, 'add "format"'),
        ("s3://lake/t.csv", "parquet", "format must be one of"),
        ("s3://lake/dir/", "csv", "must name one object"),
    ],
)
def test_a_data_field_that_cannot_be_read_is_refused(data, form, message):
    with pytest.raises(InvalidInput, match=message):
        datasets.locate(data, ("csv", "jsonl", "json"), form)


@pytest.mark.parametrize(
    ("entry", "allowed", "refused"),
    [
        ("lake", ["s3://lake/any/key.csv", "s3://lake/"], ["s3://lakes/x.csv"]),
        ("lake/raw", ["s3://lake/raw/t.csv", "s3://lake/raw/"], ["s3://lake/raw-old/t.csv", "s3://lake/t.csv"]),
        ("lake/raw/", ["s3://lake/raw/a/b.csv"], ["s3://lake/rawx.csv"]),
    ],
)
def test_a_grant_covers_its_bucket_or_prefix_and_nothing_else(entry, allowed, refused):
    grants = [datasets.parse_grant(entry)]
    for uri in allowed:
        datasets.check_allowed(datasets.locate(uri, ("csv",) if uri.endswith(".csv") else ("objects",)), grants)
    for uri in refused:
        with pytest.raises(InvalidInput, match="add it to the stack config key dataBuckets"):
            datasets.check_allowed(datasets.locate(uri, ("csv",) if uri.endswith(".csv") else ("objects",)), grants)


@pytest.mark.parametrize("entry", ["", "UPPER", "a", "lake/../x", 7])
def test_a_malformed_grant_is_refused(entry):
    with pytest.raises(ValueError, match="dataBuckets"):
        datasets.parse_grant(entry)


def test_start_hands_a_data_job_to_its_reader_without_writing_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTS_BUCKET", "results")
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("DATA_BUCKETS", '["lake/raw"]')
    output = start.handler(
        {"input": {"workload": "object-digest", "data": "s3://lake/raw/2024/"}, "execution": "e"}, None
    )
    assert output == {
        "job": {
            "workload": "object-digest",
            "params": {"data": "s3://lake/raw/2024/", "format": "objects"},
            "items": None,
        },
        "reader": "objects",
        "items": {"Bucket": "lake", "Prefix": "raw/2024/"},
        "results_prefix": "results/e",
    }
    assert not any(tmp_path.rglob("*"))


def test_start_refuses_a_bucket_outside_data_buckets_naming_the_config_key(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTS_BUCKET", "results")
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("DATA_BUCKETS", '["lake/raw"]')
    with pytest.raises(
        InvalidInput, match=r"may not read s3://secrets/t.csv: add it to the stack config key dataBuckets"
    ):
        start.handler({"input": {"workload": "csv-stats", "data": "s3://secrets/t.csv"}, "execution": "e"}, None)
    assert not any(tmp_path.rglob("*"))


def test_a_malformed_data_buckets_entry_is_a_deployment_fault_not_the_users(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTS_BUCKET", "results")
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    monkeypatch.setenv("DATA_BUCKETS", '["lake/../x"]')
    with pytest.raises(RuntimeError, match="^DATA_BUCKETS holds an invalid entry: dataBuckets entries must be"):
        start.handler({"input": {"workload": "csv-stats", "data": "s3://lake/t.csv"}, "execution": "e"}, None)
    assert not any(tmp_path.rglob("*"))

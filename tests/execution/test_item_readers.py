"""The engine's ItemReader sources against AWS's documented item shapes, their checks, and their errors.

Shapes and rules from the Step Functions guide's ItemReader page: a listing entry is {"Etag", "Key", "LastModified"
(epoch seconds), "Size", "StorageClass"} in S3's key order; a CSV row is an object of strings keyed by the header,
with fewer fields padded by "" and extra fields skipped; JSON Lines is one value per line.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from handlers.store import LocalStore
from hpc.engine import item_reader
from hpc.engine.errors import InvalidDefinition, StatesError, UnsupportedDefinition

GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path)


def read(store: LocalStore, reader: dict[str, Any], data: Any = None) -> list[Any]:
    item_reader.check(reader, "ItemReader")
    return list(item_reader.read_items(reader, data or {}, {}, store.root))


def csv_reader(**config: Any) -> dict[str, Any]:
    return {
        "Resource": GET,
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", **config},
        "Parameters": {"Bucket": "data", "Key": "t.csv"},
    }


def reader_error(store: LocalStore, reader: dict[str, Any]) -> str:
    with pytest.raises(StatesError) as failed:
        read(store, reader)
    assert failed.value.error == "States.ItemReaderFailed"
    return str(failed.value.cause)


# ---- listObjectsV2 ----------------------------------------------------------------------------------------------


def test_listing_yields_s3s_entries_in_s3s_key_order(store: LocalStore):
    for key in ["a/x", "a-b", "a0", "b", "a/y/z", "ab", "é", "Z"]:
        store.put("data", key, key.encode())
    items = read(store, {"Resource": LIST, "Parameters": {"Bucket": "data"}})
    keys = [item["Key"] for item in items]
    # S3 orders keys by their UTF-8 bytes: "-" (0x2d) < "/" (0x2f) < "0", and "é" after every ASCII key
    assert keys == sorted(keys, key=lambda key: key.encode()) == ["Z", "a-b", "a/x", "a/y/z", "a0", "ab", "b", "é"]
    entry = items[0]
    assert list(entry) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', entry["Etag"])
    assert isinstance(entry["LastModified"], int) and entry["LastModified"] > 1_600_000_000
    assert (entry["Size"], entry["StorageClass"]) == (1, "STANDARD")


def test_listing_takes_a_prefix_as_s3_does_not_as_a_folder(store: LocalStore):
    for key in ["logs/a", "logs/b/c", "logs-old/d", "other"]:
        store.put("data", key, b"x")

    def keys(prefix: str) -> list[str]:
        reader = {"Resource": LIST, "Parameters": {"Bucket": "data", "Prefix": prefix}}
        return [item["Key"] for item in read(store, reader)]

    assert keys("logs/") == ["logs/a", "logs/b/c"]
    assert keys("logs") == ["logs-old/d", "logs/a", "logs/b/c"]
    assert keys("logs/b") == ["logs/b/c"]
    assert keys("nothing/") == []  # an empty prefix is a Map over no items, as in AWS


def test_listing_etag_changes_when_the_object_does(store: LocalStore):
    store.put("data", "k", b"one")
    (before,) = read(store, {"Resource": LIST, "Parameters": {"Bucket": "data"}})
    store.put("data", "k", b"other")
    (after,) = read(store, {"Resource": LIST, "Parameters": {"Bucket": "data"}})
    assert before["Etag"] != after["Etag"] and after["Size"] == 5


def test_listing_etag_is_the_md5_of_the_files_identity_size_and_time(store: LocalStore):
    # the opaque ETag a run hands out stays the same from one version of the engine to the next for an unchanged file
    store.put("data", "k", b"one")
    (entry,) = read(store, {"Resource": LIST, "Parameters": {"Bucket": "data"}})
    stat = (store.root / "data" / "k").stat()
    identity = f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    assert entry["Etag"] == f'"{hashlib.md5(identity).hexdigest()}"'
    assert entry["LastModified"] == int(stat.st_mtime)


def test_listing_a_missing_bucket_fails_naming_it(store: LocalStore):
    cause = reader_error(store, {"Resource": LIST, "Parameters": {"Bucket": "nobucket", "Prefix": "p/"}})
    assert "NoSuchBucket" in cause and "nobucket" in cause


def test_listing_is_lazy_and_stops_at_max_items(store: LocalStore):
    for number in range(50):
        store.put("data", f"k{number:02d}", b"x")
    reader = {"Resource": LIST, "ReaderConfig": {"MaxItems": 3}, "Parameters": {"Bucket": "data"}}
    assert [item["Key"] for item in read(store, reader)] == ["k00", "k01", "k02"]
    items = item_reader.read_items({"Resource": LIST, "Parameters": {"Bucket": "data"}}, {}, {}, store.root)
    assert next(items)["Key"] == "k00"  # a generator: one entry is produced without walking further


# ---- CSV --------------------------------------------------------------------------------------------------------


def test_csv_rows_are_objects_of_strings_keyed_by_the_first_row(store: LocalStore):
    store.put("data", "t.csv", b'rating,movieId,title\n3.5,307,"Heat, 1995"\n4,2,"say ""hi""\nagain"\n')
    assert read(store, csv_reader()) == [
        {"rating": "3.5", "movieId": "307", "title": "Heat, 1995"},
        {"rating": "4", "movieId": "2", "title": 'say "hi"\nagain'},
    ]


def test_csv_ragged_rows_are_padded_or_cut_as_aws_documents(store: LocalStore):
    # AWS: fewer fields than the header get empty strings; more fields have the extras skipped. Not an error.
    store.put("data", "t.csv", b"a,b,c\n1\n1,2,3,4,5\n\n7,8,9\n")
    assert read(store, csv_reader()) == [
        {"a": "1", "b": "", "c": ""},
        {"a": "1", "b": "2", "c": "3"},
        {"a": "7", "b": "8", "c": "9"},
    ]


def test_csv_given_headers_make_every_row_data(store: LocalStore):
    store.put("data", "t.csv", b"1|2\n3|4\n")
    reader = csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["x", "y"], CSVDelimiter="PIPE")
    assert read(store, reader) == [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}]


@pytest.mark.parametrize(
    ("name", "char"), [("COMMA", ","), ("PIPE", "|"), ("SEMICOLON", ";"), ("SPACE", " "), ("TAB", "\t")]
)
def test_csv_delimiters(store: LocalStore, name: str, char: str):
    store.put("data", "t.csv", f"a{char}b\n1{char}2\n".encode())
    assert read(store, csv_reader(CSVDelimiter=name)) == [{"a": "1", "b": "2"}]


def test_csv_backslash_escapes_the_delimiter_and_itself(store: LocalStore):
    store.put("data", "t.csv", b"path,size\nC:\\\\Program Files\\\\a\\,b.exe,6\n")
    assert read(store, csv_reader()) == [{"path": "C:\\Program Files\\a,b.exe", "size": "6"}]


def test_csv_max_items_caps_rows_after_the_header(store: LocalStore):
    store.put("data", "t.csv", b"n\n" + b"".join(b"%d\n" % n for n in range(100)))
    assert read(store, csv_reader(MaxItems=2)) == [{"n": "0"}, {"n": "1"}]


def test_a_binary_file_read_as_csv_fails_naming_the_object_and_line(store: LocalStore):
    store.put("data", "t.csv", b"a,b\n1,2\n\x89PNG\r\n\x1a\n\x00\xff\xfe")
    cause = reader_error(store, csv_reader())
    assert "s3://data/t.csv line 3 is not UTF-8 text" in cause


def test_a_missing_object_fails_naming_it(store: LocalStore):
    cause = reader_error(store, csv_reader())
    assert "NoSuchKey" in cause and "s3://data/t.csv" in cause


def test_an_unreadable_object_fails_with_access_denied(store: LocalStore, monkeypatch: pytest.MonkeyPatch):
    store.put("data", "t.csv", b"a\n1\n")

    def refuse(self: Any, bucket: str, key: str) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(LocalStore, "open", refuse)
    cause = reader_error(store, csv_reader())
    assert "AccessDenied" in cause and "s3://data/t.csv" in cause


# ---- JSON Lines and JSON ----------------------------------------------------------------------------------------


def jsonl_reader() -> dict[str, Any]:
    return {"Resource": GET, "ReaderConfig": {"InputType": "JSONL"}, "Parameters": {"Bucket": "data", "Key": "t.jsonl"}}


def test_json_lines_yield_one_value_per_line(store: LocalStore):
    store.put("data", "t.jsonl", b'{"a": 1}\n\n[2]\r\n"three"\n')
    assert read(store, jsonl_reader()) == [{"a": 1}, [2], "three"]


def test_a_malformed_json_line_fails_naming_the_object_and_line(store: LocalStore):
    store.put("data", "t.jsonl", b'{"a": 1}\n{"a": 2}\n{"a": 3,\n')
    cause = reader_error(store, jsonl_reader())
    assert "s3://data/t.jsonl line 3 is not valid JSON" in cause


def test_a_json_array_is_streamed_element_by_element(store: LocalStore):
    # A truncated array: its first elements arrive before the reader meets the damage, which then fails the Map.
    store.put("data", "t.json", b'[{"n": 0}, {"n": 1}, {"n": 2')
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "data", "Key": "t.json"}}
    items = item_reader.read_items(reader, {}, {}, store.root)
    assert list(itertools.islice(items, 2)) == [{"n": 0}, {"n": 1}]
    with pytest.raises(StatesError, match="s3://data/t.json is not a valid JSON array"):
        next(items)


def test_parameters_may_be_paths_on_the_maps_input(store: LocalStore):
    store.put("in", "jobs/x.jsonl", b"1\n2\n")
    reader = {
        "Resource": GET,
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"},
    }
    assert read(store, reader, {"items": {"Bucket": "in", "Key": "jobs/x.jsonl"}}) == [1, 2]


# ---- checks before the run --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "field"),
    [
        ({"Resource": GET, "ReaderConfig": {"InputType": "PARQUET"}, "Parameters": {}}, "ReaderConfig.InputType"),
        (
            {"Resource": LIST, "ReaderConfig": {"InputType": "CSV"}, "Parameters": {"Bucket": "b"}},
            "ReaderConfig.InputType",
        ),
        ({"Resource": LIST, "Parameters": {"Bucket": "b", "Delimiter": "/"}}, "Parameters.Delimiter"),
        (
            {**csv_reader(), "ReaderConfig": {**csv_reader()["ReaderConfig"], "ItemsPointer": "/a"}},
            "ReaderConfig.ItemsPointer",
        ),
    ],
)
def test_what_the_engine_does_not_emulate_is_refused_naming_the_field(reader: dict[str, Any], field: str):
    with pytest.raises(UnsupportedDefinition, match=re.escape(f"ItemReader.{field}")):
        item_reader.check(reader, "ItemReader")


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"CSVHeaderLocation": None}, "ReaderConfig.CSVHeaderLocation"),
        ({"CSVHeaderLocation": "GIVEN"}, "ReaderConfig.CSVHeaders"),
        ({"CSVHeaders": ["a"]}, "ReaderConfig.CSVHeaders"),
        ({"CSVDelimiter": "COLON"}, "ReaderConfig.CSVDelimiter"),
        ({"MaxItems": 0}, "ReaderConfig.MaxItems"),
        ({"MaxItems": 3, "MaxItemsPath": "$.n"}, "ReaderConfig: needs at most one of MaxItems, MaxItemsPath"),
    ],
)
def test_csv_reader_config_is_checked_as_aws_documents_it(config: dict[str, Any], field: str):
    reader = csv_reader(**config)
    reader["ReaderConfig"] = {key: value for key, value in reader["ReaderConfig"].items() if value is not None}
    with pytest.raises(InvalidDefinition, match=re.escape(f"ItemReader.{field}")):
        item_reader.check(reader, "ItemReader")


def test_a_listing_needs_a_bucket():
    with pytest.raises(InvalidDefinition, match="needs Bucket"):
        item_reader.check({"Resource": LIST, "Parameters": {"Prefix": "p/"}}, "ItemReader")


def test_the_json_reader_still_reads_what_the_start_function_writes(store: LocalStore):
    store.put("hpc-local", "items/e.json", json.dumps(list(range(5))).encode())
    reader = {
        "Resource": GET,
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "hpc-local", "Key": "items/e.json"},
    }
    assert read(store, reader) == [0, 1, 2, 3, 4]

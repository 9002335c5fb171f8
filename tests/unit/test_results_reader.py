"""Reading ResultWriter output: the streaming JSON array reader and the record accessors."""

import io
import json
from pathlib import Path

import pytest

from handlers import results
from handlers.results import CorruptResults, json_array

FIXTURES = Path(__file__).parents[1] / "fixtures" / "resultwriter"


class CountingStream(io.BytesIO):
    """A byte stream that remembers how much has been read from it."""

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read = getattr(self, "bytes_read", 0) + len(chunk)
        return chunk


def decode(data: bytes, chunk_bytes: int = 7) -> list:
    return list(json_array(io.BytesIO(data), chunk_bytes=chunk_bytes))


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 64, 1 << 20])
@pytest.mark.parametrize("name", ["SUCCEEDED_0.json", "SUCCEEDED_1.json"])
def test_fixture_files_decode_like_json_load_at_any_chunk_size(name, chunk_bytes):
    data = (FIXTURES / name).read_bytes()
    assert decode(data, chunk_bytes) == json.loads(data)


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5])
def test_multibyte_characters_and_numbers_split_across_chunks(chunk_bytes):
    values = ["é€😀", 1234567890123, -0.5e-3, 2.5e30, {"k": ["ü", None, True]}, "", 7]
    assert decode(json.dumps(values, ensure_ascii=False).encode(), chunk_bytes) == values


@pytest.mark.parametrize("text", ["[]", "  [ \n ]\n", "\n[\t]"])
def test_empty_arrays(text):
    assert decode(text.encode()) == []


def test_an_element_longer_than_many_chunks():
    values = ["x" * 300_000, {"Output": json.dumps({"partial": "9" * 200_000})}, 1]
    assert decode(json.dumps(values).encode(), chunk_bytes=4096) == values


def test_an_element_past_the_record_size_limit_is_refused_without_reading_on(monkeypatch):
    monkeypatch.setattr(results, "MAX_RECORD_CHARS", 1000)
    stream = CountingStream(b'["' + b"x" * 5000 + b'"' + b", 1" * 100_000 + b"]")
    with pytest.raises(CorruptResults, match="no record is this long"):
        list(json_array(stream, chunk_bytes=256))
    assert stream.bytes_read < 10_000


def test_elements_are_yielded_before_the_whole_file_is_read():
    # GIVEN a 10 MB array
    stream = CountingStream(json.dumps([{"n": n, "pad": "p" * 1000} for n in range(10_000)]).encode())
    # WHEN only the first element is taken
    first = next(json_array(stream, chunk_bytes=64 * 1024))
    # THEN only about one chunk has been read
    assert first["n"] == 0
    assert stream.bytes_read <= 128 * 1024


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "expected a JSON array, found the end of the file"),
        (b'{"a": 1}', "expected a JSON array"),
        (b'[{"a": 1}, {"b":', "truncated or invalid JSON"),
        (b"[1, 2", "truncated: the file ends inside the array"),
        (b"[1, 2,", "truncated: the file ends where an array element should be"),
        (b"[1 2]", "expected ',' or ']'"),
        (b"[1, oops]", "truncated or invalid JSON"),
        (b"[1] trailing", "unexpected data after the array"),
        (b'["\xff\xfe"]', "not UTF-8"),
        (b'["caf\xc3', "not UTF-8"),
    ],
)
def test_truncated_or_corrupt_files_are_refused(data, message):
    with pytest.raises(CorruptResults, match=message):
        decode(data, chunk_bytes=3)


def test_record_accessors_on_a_documented_record():
    record = json.loads((FIXTURES / "SUCCEEDED_0.json").read_text())[1]
    assert results.record_output(record) == {"items": 2, "partial": "13"}
    assert results.record_items(record) == [2, 3]


def test_record_items_of_a_single_item_child():
    record = {"Input": json.dumps({"item": 5, "job": {}}), "Status": "FAILED"}
    assert results.record_items(record) == [5]


def test_record_without_recorded_input_is_corrupt():
    with pytest.raises(CorruptResults, match="does not show which items"):
        results.record_items({"Name": "child-1", "InputDetails": {"Included": False}})


def test_failure_reason_reads_a_lambda_error_cause():
    cause = json.dumps({"errorMessage": "boom", "errorType": "ValueError", "requestId": "r", "stackTrace": ["..."]})
    assert results.failure_reason({"Error": "ValueError", "Cause": cause}) == "ValueError: boom"


def test_failure_reason_keeps_a_plain_cause():
    record = {"Error": "States.Timeout", "Cause": "Task timed out after 900.00 seconds"}
    assert results.failure_reason(record) == "States.Timeout: Task timed out after 900.00 seconds"
    assert results.failure_reason({"Error": "States.Timeout"}) == "States.Timeout"


@pytest.mark.parametrize(
    ("values", "label"),
    [([7], "item 7"), ([0, 1, 2, 3], "items 0..3"), ([5, 9, 11, 12], "4 items (5, 9, 11, ...)"), (["a"], 'item "a"')],
)
def test_describe_items(values, label):
    assert results.describe_items(values) == label


def test_manifest_of_the_fixture_lists_files_by_status():
    class OneFile:
        def open(self, bucket, key):
            return io.BytesIO((FIXTURES / "manifest.json").read_bytes())

    files = results.read_manifest(OneFile(), "hpc-results", "results/exec-1/x/manifest.json")
    assert [key.rsplit("/", 1)[1] for key in files["SUCCEEDED"]] == ["SUCCEEDED_0.json", "SUCCEEDED_1.json"]
    assert files["FAILED"] == files["PENDING"] == []

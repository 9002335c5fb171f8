"""Reading ResultWriter output: the streaming JSON array reader and the record accessors."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import results
from handlers.results import CorruptResults, json_array

FIXTURES = Path(__file__).parents[1] / "fixtures" / "resultwriter"
REPO = Path(__file__).parents[2]


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


class OneObject:
    """A store holding one object, whatever the key."""

    def __init__(self, body: bytes):
        self.body = body

    def open(self, bucket, key):
        return io.BytesIO(self.body)


@pytest.mark.parametrize(
    "manifest",
    [
        b"not json",
        b"[]",
        b'{"DestinationBucket": "b"}',
        b'{"ResultFiles": []}',
        b'{"ResultFiles": "SUCCEEDED"}',
        b'{"ResultFiles": {"SUCCEEDED": "abc"}}',
        b'{"ResultFiles": {"SUCCEEDED": [{"Size": 1}]}}',
        b'{"ResultFiles": {"FAILED": [7]}}',
    ],
)
def test_a_manifest_not_in_the_resultwriter_format_is_corrupt(manifest):
    with pytest.raises(CorruptResults, match=r"^s3://b/runs/manifest.json is not a ResultWriter manifest \("):
        results.read_manifest(OneObject(manifest), "b", "runs/manifest.json")


def test_a_manifest_lists_every_status_even_when_absent():
    files = results.read_manifest(OneObject(b'{"ResultFiles": {"FAILED": [{"Key": "k", "Size": 1}]}}'), "b", "m")
    assert files == {"SUCCEEDED": [], "FAILED": ["k"], "PENDING": []}


def test_records_of_a_file_are_objects():
    body = json.dumps([{"Name": "a"}, 5]).encode()
    stream = results.records(OneObject(body), "b", "k")
    assert next(stream) == {"Name": "a"}
    with pytest.raises(CorruptResults, match=r"^a record is not an object: '5'$"):
        next(stream)


@pytest.mark.parametrize(
    "record",
    [
        {"Name": "c1", "Input": "not json"},
        {"Name": "c1", "Input": "5"},
        {"Name": "c1", "Input": "[1]"},
        {"Name": "c1", "Input": '{"job": {}}'},
        {"Name": "c1", "Input": None},
        {"Name": "c1", "Input": '{"Items": 3}'},
    ],
)
def test_a_record_whose_input_shows_no_items_is_corrupt(record):
    with pytest.raises(CorruptResults, match="^record c1 does not show which items it held: its Input is "):
        results.record_items(record)


@pytest.mark.parametrize("record", [{"Name": "c2"}, {"Name": "c2", "Output": "{"}, {"Name": "c2", "Output": None}])
def test_a_record_without_a_readable_output_is_corrupt(record):
    with pytest.raises(CorruptResults, match=r"^record c2 has no readable Output \("):
        results.record_output(record)


def test_a_record_without_a_name_is_named_by_a_question_mark():
    with pytest.raises(CorruptResults, match=r"^record \? has no readable Output"):
        results.record_output({})
    with pytest.raises(CorruptResults, match=r"^record \? does not show which items"):
        results.record_items({})


def test_failure_reason_is_capped_at_300_characters():
    exactly = {"Error": "E", "Cause": "c" * 297}  # "E: " + 297 characters
    assert results.failure_reason(exactly) == "E: " + "c" * 297
    longer = {"Error": "E", "Cause": "c" * 298}
    assert results.failure_reason(longer) == "E: " + "c" * 294 + "..."
    assert len(results.failure_reason(longer)) == 300
    assert results.failure_reason(longer, limit=10) == "E: cccc..."


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"Error": "States.Runtime", "Cause": "5"}, "States.Runtime: 5"),
        ({"Error": "States.Runtime", "Cause": '["x"]'}, 'States.Runtime: ["x"]'),
        ({"Error": "Boom", "Cause": '{"errorMessage": "m"}'}, "Boom: m"),
        ({"Error": "Boom", "Cause": '{"errorType": "T"}'}, "T: "),
        ({"Cause": "why"}, ": why"),
        ({}, ""),
        ({"Error": "Boom", "Cause": None}, "Boom"),
    ],
)
def test_failure_reason_of_causes_that_are_not_lambda_errors(record, reason):
    assert results.failure_reason(record) == reason


@pytest.mark.parametrize(
    ("values", "label"),
    [
        ([0, 1], "items 0..1"),
        ([3, 4, 5], "items 3..5"),
        ([1, 3], "2 items (1, 3, ...)"),
        ([2, 1], "2 items (2, 1, ...)"),
        ([1, 2, "3"], '3 items (1, 2, "3", ...)'),
        ([None, None], "2 items (null, null, ...)"),
    ],
)
def test_describe_items_runs_and_others(values, label):
    assert results.describe_items(values) == label


@pytest.mark.parametrize("chunk_bytes", [1, 3, 64, 1 << 20])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'  {"a": 1}', "expected a JSON array, found '{"),
        (b"[1, 22 33]", "expected ',' or ']' between array elements, found '3"),
        (b"[10, 20] ;x", "unexpected data after the array: ';"),
        (b"[1, 2, 3, oops]", "truncated or invalid JSON at character 10"),
        (b'[1, "ab', "truncated or invalid JSON at character 4"),
        (b'["abc", "\xff"]', "not UTF-8 text at byte 9 of the file (invalid start byte)"),
        (b'["\xc3\xa9", "\xc3', "not UTF-8 text at byte 8 of the file (unexpected end of data)"),
        (b'["\xc3\xa9\xc3"]', "not UTF-8 text at byte 4 of the file (invalid continuation byte)"),
        (b"[0]" + b" " * 50 + b"x", "unexpected data after the array: 'x' at character 53"),
    ],
)
def test_errors_give_the_offset_in_the_whole_file_whatever_the_chunk_size(data, message, chunk_bytes):
    with pytest.raises(CorruptResults) as raised:
        decode(data, chunk_bytes)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'  {"a": 1}', "expected a JSON array, found '{\"a\": 1}' at character 2"),
        (b"[1, 22 33]", "expected ',' or ']' between array elements, found '33]' at character 7"),
        (b"[10, 20] ;x", "unexpected data after the array: ';x' at character 9"),
    ],
)
def test_errors_quote_what_follows_the_fault(data, message):
    with pytest.raises(CorruptResults) as raised:
        decode(data, chunk_bytes=1 << 20)
    assert str(raised.value) == message


def test_a_long_element_error_gives_its_offset_in_the_whole_file(monkeypatch):
    monkeypatch.setattr(results, "MAX_RECORD_CHARS", 100)
    with pytest.raises(CorruptResults, match=r"^invalid JSON at character 5 \(no record is this long\)$"):
        decode(b'[1,2,"' + b"x" * 500, chunk_bytes=16)


def test_context_shows_at_most_40_characters():
    with pytest.raises(CorruptResults) as raised:
        decode(b"[1] " + b"y" * 100, chunk_bytes=1 << 20)
    assert str(raised.value) == f"unexpected data after the array: {'y' * 40!r} at character 4"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(JSON_VALUES, max_size=40), st.sampled_from([1, 3, 16, 64, 4096]), st.sampled_from(["", " ", "\n "]))
def test_buffer_at_a_time_decoding_gives_every_element_as_json_loads(values, chunk_bytes, space):
    # Cuts at commas inside strings or nested values must never be taken for cuts between elements.
    text = json.dumps(values, ensure_ascii=False, separators=(f"{space},{space}", ":"))
    assert decode(text.encode(), chunk_bytes) == values


def test_a_long_array_of_numbers_is_decoded_a_buffer_at_a_time():
    reader = results._ArrayReader(io.BytesIO(json.dumps(list(range(50_000))).encode()), 1 << 16)
    assert reader.next_token() == "["
    reader.position += 1
    elements = reader.elements_to_last_comma()
    assert elements == list(range(len(elements))) and len(elements) > 1000


@pytest.mark.parametrize(
    "text", ["[1,,2]", "[1,2,]", "[ , 1]", "[1 2]", "[1,2", "[1,2]x", "[1,[2,3]", '[1,{"a":1,}]', "[1,2,3,4,5,6,z]"]
)
@pytest.mark.parametrize("chunk_bytes", [1, 4, 1 << 16])
def test_malformed_arrays_are_refused_whatever_the_buffering(text, chunk_bytes):
    with pytest.raises(CorruptResults):
        decode(text.encode(), chunk_bytes)


def test_records_are_read_one_bounded_chunk_at_a_time():
    # GIVEN a 10 MB result file of small records
    body = json.dumps([{"Name": str(n), "pad": "p" * 1000} for n in range(10_000)]).encode()

    class Store:
        stream = CountingStream(body)

        def open(self, bucket, key):
            return self.stream

    # WHEN the first record is taken THEN at most 1 MiB has been read
    assert next(results.records(Store(), "b", "k"))["Name"] == "0"
    assert Store.stream.bytes_read <= 1024 * 1024


def test_big_integers_in_records_decode_without_any_other_module_lifting_the_digit_limit(tmp_path):
    # A partial may be a JSON number past CPython's 4,300-digit conversion limit; results.py lifts the limit itself.
    script = (
        "import io, json; from handlers import results; "
        "print(len(str(next(results.json_array(io.BytesIO(b'[' + b'9' * 5000 + b']'))))))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "5000"), done.stderr


def test_data_items_are_named_by_their_indices_and_a_listing_by_its_first_key():
    entries = [{"index": 4, "value": {"Key": "raw/a.csv", "Size": 1}}, {"index": 5, "value": {"Key": "raw/b.csv"}}]
    assert results.describe_items(entries) == 'items 4..5 of the data (first: "raw/a.csv")'
    assert results.describe_items([{"index": 9, "value": {"v": "1"}}]) == "item 9 of the data"


OBJECTS = st.recursive(
    st.none() | st.integers() | st.text(alphabet='{},["]\\:a1 ', max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(alphabet='{},"a', max_size=4), children),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.text(alphabet='{},"ab\\', max_size=5), OBJECTS, min_size=1), max_size=12), st.data())
def test_objects_are_read_in_bulk_or_one_by_one_exactly_as_json_load(records, data):
    # GIVEN compact records whose strings and nested values hold every piece of an object boundary: }, {" },{"
    text = json.dumps(records, separators=(",", ":")).encode()
    chunk_bytes = data.draw(st.sampled_from([7, 64, 4096]))
    # THEN they decode exactly as json.load decodes them, whatever the buffer size
    assert decode(text, chunk_bytes) == records


def test_compact_records_are_decoded_a_buffer_at_a_time():
    records = [{"Name": f"c{i}", "Input": '{"Items":[{"a":1},{"b":"},{\\""}]}', "Output": "{}"} for i in range(500)]
    runs = list(
        results.json_array_runs(io.BytesIO(json.dumps(records, separators=(",", ":")).encode()), chunk_bytes=8192)
    )
    assert [record for run in runs for record in run] == records
    assert max(len(run) for run in runs) > 10  # many records per decode, not one at a time


def records_without_inputs(records: list, chunk_bytes: int, cut_from: int = 0) -> list:
    """The records read with their Inputs left in the file; `cut_from`: results.CUT_INPUTS_FROM (0 here, so the
    cutting is exercised on small records too)."""
    stream = io.BytesIO(json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(results, "CUT_INPUTS_FROM", cut_from)
        runs = list(results.json_array_runs(stream, chunk_bytes=chunk_bytes, inputs=False))
    return [record for run in runs for record in run]


def with_decoded_inputs(records: list) -> list:
    return [{**record, "Input": results.record_input(record)} if "Input" in record else record for record in records]


def child_record(number: int, child_input: str) -> dict:
    """A record with AWS's keys in AWS's (alphabetical) order, so InputDetails follows Input."""
    name = f"c-{number}"
    return {
        "ExecutionArn": f"arn:aws:states:us-east-1:1:execution:sm/Map:{name}",
        "Input": child_input,
        "InputDetails": {"Included": True},
        "Name": name,
        "Output": json.dumps({"items": 1, "partial": number}),
        "Status": "SUCCEEDED",
    }


INPUT_TEXT = st.text(alphabet='{},["]\\:aé1 \n', max_size=30) | st.sampled_from(
    ["", '","InputDetails":', '\\","InputDetails":', '"Input":"', "\\"]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(INPUT_TEXT, max_size=30), st.sampled_from([7, 64, 4096]))
def test_records_read_without_their_inputs_hold_them_for_the_asking(inputs, chunk_bytes):
    # GIVEN records whose Inputs hold every piece of the patterns that find an Input's end (escaped, as they must be)
    records = [child_record(number, text) for number, text in enumerate(inputs)]
    # WHEN read with their Inputs left in the file
    read = records_without_inputs(records, chunk_bytes)
    # THEN each is the record, and its Input decodes to the original when asked for
    assert with_decoded_inputs(read) == records


def test_records_are_read_without_decoding_their_inputs_a_buffer_at_a_time():
    records = [child_record(number, json.dumps({"Items": [{"v": '"x"'}] * 20})) for number in range(300)]
    read = records_without_inputs(records, 8192)
    # (the last record, after the last comma, is decoded alone, whole)
    assert all(type(record["Input"]) is results.EscapedInput for record in read[:-1])
    assert with_decoded_inputs(read) == records


@pytest.mark.parametrize(("pad", "cut"), [(100, False), (results.CUT_INPUTS_FROM, True)])
def test_only_inputs_worth_cutting_are_left_in_the_file(pad, cut):
    # GIVEN records whose Inputs are short (an unbatched child's) or long (a batch of rows)
    records = [child_record(number, json.dumps({"pad": "x" * pad})) for number in range(50)]
    read = records_without_inputs(records, 1 << 20, cut_from=results.CUT_INPUTS_FROM)
    # THEN short ones are decoded with their records, long ones left for the asking; every record reads the same
    assert all((type(record["Input"]) is results.EscapedInput) == cut for record in read[:-1])
    assert with_decoded_inputs(read) == records


@pytest.mark.parametrize(
    "reorder",
    [
        pytest.param(lambda r: {key: r[key] for key in sorted(r, reverse=True)}, id="InputDetails before Input"),
        pytest.param(lambda r: {k: v for k, v in r.items() if k != "InputDetails"}, id="no InputDetails"),
        pytest.param(lambda r: {k: v for k, v in r.items() if k != "Input"}, id="no Input"),
        pytest.param(lambda r: {**r, "ExecutionArn": "arn:other"}, id="an ARN not ending in the Name"),
    ],
)
def test_records_in_another_layout_are_read_whole_exactly(reorder):
    # GIVEN files where one record in three has its fields in another layout: a cut from its Input to the next
    # record's InputDetails would join two records into one
    records = [child_record(n, json.dumps({"Items": [n]})) for n in range(90)]
    records = [reorder(record) if n % 3 == 1 else record for n, record in enumerate(records)]
    # THEN every record is read as it is, never two joined
    assert with_decoded_inputs(records_without_inputs(records, 4096)) == records

"""Reading a Distributed Map's ResultWriter output: manifest.json and the result files it lists, record by record.

Format (AWS-FACTS.md): the manifest lists result files under `ResultFiles.SUCCEEDED / FAILED / PENDING`, each a JSON
array of child-execution records whose `Input` and `Output` are JSON strings to decode again; failed records carry
`Error` and `Cause`. A result file may reach 5 GB, far past a Lambda's memory, so records are decoded one at a time
from a bounded buffer (`json_array`) and files are read one after another.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from handlers.store import Store, Stream

sys.set_int_max_str_digits(0)  # a workload may put big integers in its partials as JSON numbers

STATUSES = ("SUCCEEDED", "FAILED", "PENDING")
CHUNK_BYTES = 1 << 20
# A record holds at most a 256 KiB input and a 256 KiB output, escaped into strings (at worst 6 characters a byte).
MAX_RECORD_CHARS = 8 * 1024 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DELIMITERS = frozenset(" \t\n\r,]")
BULK_ATTEMPTS = 2  # failed buffer-at-a-time decodes before a reader decodes one element at a time
# A compact record's Input string and the key after it (records' keys are in alphabetical order): the closing pattern
# cannot occur inside the string, where every quote is escaped.
_INPUT_OPENING = '"Input":"'
_INPUT_CLOSING = '","InputDetails":'
# A buffer whose first record's Input is shorter is decoded whole: cutting out small Inputs (an unbatched child's)
# costs more than decoding them.
CUT_INPUTS_FROM = 4096


class CorruptResults(ValueError):
    """A result file or manifest is truncated or not in the ResultWriter format."""


def json_array(stream: Stream, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Any]:
    """The elements of the JSON array in `stream`, decoded as they are read, holding about one buffer in memory
    (see `json_array_runs`)."""
    return itertools.chain.from_iterable(json_array_runs(stream, chunk_bytes=chunk_bytes))


def json_array_runs(
    stream: Stream,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    keep: Callable[[str], Any] | None = None,
    inputs: bool = True,
) -> Iterator[Any]:
    """The elements of the JSON array in `stream` in runs (lists), decoded as they are read, holding about one
    buffer in memory; iterating runs costs no Python call per element, which matters at 10^7 items.

    `keep`, if given, sees the text of each buffer-sized run of elements first (the elements between two commas,
    without brackets); what it returns, unless None, is yielded in place of the decoded run.

    Small elements (an item list of numbers, compact records) are decoded a buffer at a time, by the C decoder, up to
    the buffer's last comma (between objects, its last `},{"`): a comma inside a string or a nested value would leave
    that cut unbalanced and the decode fails, so a decode that succeeds cut between elements. Where cuts keep failing,
    elements are decoded one at a time.

    `inputs=False` (records): a buffer's records are decoded without their Input strings, each left as an
    `EscapedInput` that `record_input` decodes if asked; an Input is as large as the child's items, and a JSON
    string full of escaped quotes decodes several times slower than the rest of the record.
    """
    reader = _ArrayReader(stream, chunk_bytes, keep, inputs)
    if reader.next_token() != "[":
        raise CorruptResults(f"expected a JSON array, found {reader.context()}")
    reader.position += 1
    if reader.next_token() == "]":
        reader.position += 1
    else:
        while True:  # an element is expected here
            if reader.bulk_failures < BULK_ATTEMPTS:
                elements = reader.elements_to_last_comma()
                if elements:
                    yield elements
                    continue
            yield [reader.value()]
            token = reader.next_token()
            if token is None:
                raise CorruptResults("truncated: the file ends inside the array")
            if token not in ",]":
                raise CorruptResults(f"expected ',' or ']' between array elements, found {reader.context()}")
            reader.position += 1
            if token == "]":
                break
    if reader.next_token() is not None:
        raise CorruptResults(f"unexpected data after the array: {reader.context()}")


class _ArrayReader:
    """A text buffer over a byte stream that grows only while the element being decoded is incomplete."""

    def __init__(
        self, stream: Stream, chunk_bytes: int, keep: Callable[[str], Any] | None = None, inputs: bool = True
    ) -> None:
        self.stream = stream
        self.chunk_bytes = chunk_bytes
        self.keep = keep
        self.inputs = inputs
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.decoder = json.JSONDecoder()
        self.buffer = ""
        self.position = 0
        self.consumed = 0  # characters dropped from the buffer's front, for error offsets
        self.bytes_read = 0
        self.eof = False
        self.bulk_failures = 0

    def fill(self, size: int) -> bool:
        """Append up to `size` bytes of text; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(size)
        self.eof = not chunk
        held = len(self.utf8.getstate()[0])  # bytes of a character the previous chunk ended inside
        try:
            text = self.utf8.decode(chunk, final=self.eof)
        except UnicodeDecodeError as error:
            at = self.bytes_read - held + error.start
            raise CorruptResults(f"not UTF-8 text at byte {at} of the file ({error.reason})") from None
        self.bytes_read += len(chunk)
        self.consumed += self.position
        self.buffer = self.buffer[self.position :] + text
        self.position = 0
        return not self.eof or bool(text)

    def next_token(self) -> str | None:
        """The next non-whitespace character (not consumed), or None at the end of the stream."""
        while True:
            self.position = _WHITESPACE.match(self.buffer, self.position).end()  # type: ignore[union-attr]
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self.fill(self.chunk_bytes):
                return None

    def elements_to_last_comma(self) -> Any:
        """Every element from here to the buffer's last comma, consumed with that comma; None when there is no such
        run of whole elements (then `value` decodes the next one, and reports any error)."""
        if len(self.buffer) - self.position < self.chunk_bytes // 2:
            self.fill(self.chunk_bytes)
        if self.buffer.startswith("{", self.position):
            # Objects (records): cut where one ends and the next begins, `},{"`, which cannot occur inside a string
            # (a quote there is escaped); none in the buffer means one object longer than it, decoded alone.
            cut = self.buffer.rfind('},{"', self.position) + 1
        else:
            cut = self.buffer.rfind(",", self.position)
        if cut <= self.position:
            return None
        if self.keep is not None:
            kept = self.keep(self.buffer[self.position : cut])
            if kept is not None:
                self.position = cut + 1
                return kept
        run = self.buffer[self.position : cut]
        elements = None if self.inputs or run[0] != "{" else self._without_inputs(run)
        if elements is None:
            try:
                elements = self.decoder.decode("[" + run + "]")
            except json.JSONDecodeError:
                self.bulk_failures += 1
                return None
        if not elements:  # only whitespace before the comma: a missing element, which `value` reports
            return None
        self.position = cut + 1
        return elements

    def _without_inputs(self, run: str) -> list[Any] | None:
        """The records of `run` decoded with each Input string cut out and kept as an EscapedInput; None where the
        run is not in the layout this relies on (then it is decoded whole, which also reports any error)."""
        pieces: list[str] = []
        inputs: list[EscapedInput] = []
        find, start = run.find, 0
        while (opening := find(_INPUT_OPENING, start)) >= 0:
            string_start = opening + len(_INPUT_OPENING) - 1  # its opening quote
            closing = find(_INPUT_CLOSING, string_start + 1)
            if closing < 0:
                return None
            if not inputs and closing - string_start < CUT_INPUTS_FROM:
                return None
            pieces += (run[start:string_start], "0")
            inputs.append(EscapedInput(run, string_start, closing + 1))
            start = closing + 1
        pieces.append(run[start:])
        try:
            elements = self.decoder.decode("[" + "".join(pieces) + "]")
        except json.JSONDecodeError:
            return None
        if len(elements) != len(inputs):
            return None
        for record, escaped in zip(elements, inputs, strict=True):
            # A record whose InputDetails did not follow its Input would have been cut up to the next record's and
            # joined to its tail: its ARN would then not end in its Name.
            if type(record) is not dict or type(record.get("Input")) is not int or not _arn_names(record):
                return None
            record["Input"] = escaped
        return elements

    def value(self) -> Any:
        """Decode the next element, reading more while it is incomplete."""
        if self.next_token() is None:
            raise CorruptResults("truncated: the file ends where an array element should be")
        read_size = self.chunk_bytes
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                if self.eof:
                    raise CorruptResults(
                        f"truncated or invalid JSON at character {self.consumed + error.pos}"
                    ) from None
                stuck_at = error.pos
            else:
                # An element is complete once a delimiter follows it: "-0." or "12" may go on in the next chunk.
                if self.eof or (end < len(self.buffer) and self.buffer[end] in _DELIMITERS):
                    self.position = end
                    return value
                stuck_at = end
            if len(self.buffer) - self.position > MAX_RECORD_CHARS:
                raise CorruptResults(f"invalid JSON at character {self.consumed + stuck_at} (no record is this long)")
            self.fill(read_size)
            read_size *= 2  # re-decoding a long element costs its length: grow reads so that stays linear

    def context(self) -> str:
        if self.position >= len(self.buffer):
            return "the end of the file"
        return f"{self.buffer[self.position : self.position + 40]!r} at character {self.consumed + self.position}"


class EscapedInput:
    """A record's Input string as it stands in the result file, quotes included: decoded only if asked for."""

    __slots__ = ("text", "start", "end")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end

    def decoded(self) -> str:
        return json.loads(self.text[self.start : self.end])  # type: ignore[no-any-return]


def _arn_names(record: dict[str, Any]) -> bool:
    arn, name = record.get("ExecutionArn"), record.get("Name")
    return type(arn) is str and type(name) is str and bool(name) and arn.endswith(":" + name)


def read_manifest(store: Store, bucket: str, key: str) -> dict[str, list[str]]:
    """The result file keys listed in a manifest, by status (raises ObjectMissing, CorruptResults)."""
    stream = store.open(bucket, key)
    try:
        text = stream.read()
    finally:
        _close(stream)
    try:
        files = json.loads(text)["ResultFiles"]
        return {status: [entry["Key"] for entry in files.get(status, [])] for status in STATUSES}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CorruptResults(f"s3://{bucket}/{key} is not a ResultWriter manifest ({error!r})") from None


def records(store: Store, bucket: str, key: str, *, inputs: bool = True) -> Iterator[dict[str, Any]]:
    """The child-execution records of one result file, streamed (raises ObjectMissing, CorruptResults);
    `inputs=False`: Inputs are decoded only when `record_input` asks (see json_array_runs)."""
    stream = store.open(bucket, key)
    try:
        runs = json_array_runs(stream, chunk_bytes=CHUNK_BYTES, inputs=inputs)
        for record in itertools.chain.from_iterable(runs):
            if not isinstance(record, dict):
                raise CorruptResults(f"a record is not an object: {str(record)[:80]!r}")
            yield record
    finally:
        _close(stream)


def record_output(record: dict[str, Any]) -> Any:
    """A succeeded record's Output, decoded (it is a JSON string)."""
    try:
        return json.loads(record["Output"])
    except (KeyError, TypeError, ValueError) as error:
        raise CorruptResults(f"record {record.get('Name', '?')} has no readable Output ({error!r})") from None


def record_input(record: dict[str, Any]) -> str:
    """A record's Input (a JSON string of the child's input), decoded from the file if it was left there."""
    value = record["Input"]
    return value.decoded() if type(value) is EscapedInput else value  # type: ignore[no-any-return]


def record_items(record: dict[str, Any]) -> list[Any]:
    """The item values a child execution was given: its input's Items (a batch) or its item (a single item)."""
    try:
        child_input = json.loads(record_input(record))
        return list(child_input["Items"]) if "Items" in child_input else [child_input["item"]]
    except (KeyError, TypeError, ValueError) as error:
        raise CorruptResults(
            f"record {record.get('Name', '?')} does not show which items it held: its Input is {error!r} "
            "(the ResultWriter omits inputs it cannot include)"
        ) from None


def record_indices(record: dict[str, Any]) -> list[Any]:
    """The `$$.Map.Item.Index` of each item a data Map's child held (asl/definition.py puts it beside the value)."""
    try:
        child_input = json.loads(record_input(record))
        if "Items" in child_input:
            return [item["index"] for item in child_input["Items"]]
        return [child_input["index"]]
    except (KeyError, TypeError, ValueError) as error:
        raise CorruptResults(
            f"record {record.get('Name', '?')} does not show the index of its items: {error!r} (the ResultWriter "
            "omits inputs it cannot include)"
        ) from None


def failure_reason(record: dict[str, Any], *, limit: int = 300) -> str:
    """`ErrorType: message` of a failed record; a Lambda error's Cause is JSON holding the message."""
    error, cause = str(record.get("Error", "")), record.get("Cause", "")
    try:
        details = json.loads(cause)
        reason = f"{details.get('errorType', error)}: {details.get('errorMessage', '')}"
    except (TypeError, ValueError, AttributeError):
        reason = f"{error}: {cause}" if cause else error
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


def describe_items(values: list[Any]) -> str:
    """`item 7`, `items 0..127` for a run of consecutive integers, else the first few values and the count. A data
    Map's items (`{"index", "value"}`) are named by their indices, and a listing entry by its first key."""
    if values and all(isinstance(value, dict) and "index" in value and "value" in value for value in values):
        first = values[0]["value"]
        key = f" (first: {json.dumps(first['Key'])})" if isinstance(first, dict) and "Key" in first else ""
        return describe_items([value["index"] for value in values]) + " of the data" + key
    if len(values) == 1:
        return f"item {json.dumps(values[0])}"
    if all(isinstance(value, int) for value in values) and values == list(range(values[0], values[0] + len(values))):
        return f"items {values[0]}..{values[-1]}"
    shown = ", ".join(json.dumps(value) for value in values[:3])
    return f"{len(values)} items ({shown}, ...)"


def _close(stream: Stream) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        close()

"""InputType CSV: the rows of one delimited text object, each an object keyed by the header, every value a string.

ReaderConfig, as AWS documents it: CSVHeaderLocation FIRST_ROW (the first row names the fields) or GIVEN (CSVHeaders
names them, and every row is data); CSVDelimiter COMMA (default), PIPE, SEMICOLON, SPACE or TAB; MaxItems. Parsing
follows AWS's published rules: newlines separate records; double quotes may enclose fields holding the delimiter or
newlines and are kept by doubling them; a backslash escapes the next character; a row with FEWER fields than the
header gets empty strings for the missing ones and a row with MORE has the extra fields skipped -- AWS does not fail
on a ragged row, so neither does the engine. Blank lines are skipped. A line that is not UTF-8 (a binary file) or a
field the csv parser cannot read fails the Map naming the object and the line.

Most of a large CSV is plain lines: no quote, backslash, CR, other control character or blank line, valid UTF-8.
Such a line is a row whose fields are the line split at the delimiter, so a run of them need not be parsed where it
is read: `Rows.runs()` hands it on as `RawRows` (the lines, cut from the object's bytes by C-level searches), and
whoever needs the rows -- a Map's worker, usually -- parses them into exactly the rows the csv parser makes. The
header, and any part of the object that is not plain lines (to where a record ends with a block), go through the csv
parser here, and every error is raised by it, naming the line as before.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from itertools import repeat
from pathlib import Path
from typing import Any

from hpc.engine import checks, limits
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.item_reader import objects
from hpc.engine.item_reader.lines import decoded_lines

PARAMETERS = REQUIRED = ("Bucket", "Key")
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
HEADER_LOCATIONS = ("FIRST_ROW", "GIVEN")
MAX_FIELD_CHARS = 8 * 1024 * 1024  # AWS reads items of up to 8 MB from a delimited file
BLOCK_BYTES = 256 * 1024  # the object is read in blocks of whole lines of about this size
PARSED_RUN = 1024  # rows the csv parser hands on at a time
# Bytes that make a line other than a plain row: a quote or backslash changes the parse, CR and NUL do (or fail it),
# and any control character would be escaped in the row's JSON (a plain row's size is known from its line's).
_SPECIAL = bytes(range(0x20)).replace(b"\n", b"") + b'"\\'


def check_config(config: dict[str, Any], where: str) -> None:
    checks.only(
        config, ("InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath"), where
    )
    objects.check_max_items(config, where)
    location = config.get("CSVHeaderLocation")
    if location not in HEADER_LOCATIONS:
        raise InvalidDefinition(f"{where}.CSVHeaderLocation: must be FIRST_ROW or GIVEN for CSV, got {location!r}")
    headers = config.get("CSVHeaders")
    if location == "GIVEN" and (
        not isinstance(headers, list) or not headers or not all(isinstance(name, str) for name in headers)
    ):
        raise InvalidDefinition(f"{where}.CSVHeaders: GIVEN needs a non-empty array of field names, got {headers!r}")
    if location == "FIRST_ROW" and headers is not None:
        raise InvalidDefinition(f"{where}.CSVHeaders: only allowed with CSVHeaderLocation GIVEN")
    if config.get("CSVDelimiter", "COMMA") not in DELIMITERS:
        raise InvalidDefinition(
            f"{where}.CSVDelimiter: must be one of {', '.join(DELIMITERS)}, got {config.get('CSVDelimiter')!r}"
        )


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Rows:
    return Rows(reader, data, context, store_root)


class Rows:
    """The object's rows, read lazily (nothing is opened until they are iterated): one by one, or `runs()`."""

    def __init__(self, reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> None:
        self.reader = reader
        self.data = data
        self.context = context
        self.store_root = store_root

    def __iter__(self) -> Iterator[dict[str, str]]:
        for run in self.runs():
            yield from run if isinstance(run, list) else run.rows()

    def runs(self) -> Iterator[list[dict[str, str]] | RawRows]:
        """The rows in order, in runs: lists of rows, and RawRows of plain lines; MaxItems applied."""
        bucket, key = objects.parameters(self.reader, self.data, self.context, PARAMETERS)
        config = self.reader.get("ReaderConfig", {})
        store = objects.store_for(self.store_root)
        stream = objects.open_object(store, bucket, key)
        try:
            yield from _capped(_Parser(store.name(bucket, key), config).runs(_blocks(stream)), config.get("MaxItems"))
        finally:
            stream.close()


class Layout:
    """What parsing a plain line needs: the field names and the delimiter; and `value_base`, the JSON size of a row
    with every field empty (a plain row's JSON is that plus its fields' bytes: they need no escaping)."""

    __slots__ = ("headers", "delimiter", "value_base", "value_parts")

    def __init__(self, headers: list[str], delimiter: str) -> None:
        self.headers = headers
        self.delimiter = delimiter
        # {"name":"",...}: braces, a colon and two quotes per field, commas between them, and the names
        self.value_base = 2 + sum(map(limits.payload_size, headers)) + 3 * len(headers) + len(headers) - 1
        # a plain row's JSON is its fields (which need no escaping) between these: {"a":" f0 ","b":" f1 "}
        names = list(map(limits.to_json, headers))
        self.value_parts = ["{" + names[0] + ':"', *('",' + name + ':"' for name in names[1:]), '"}']

    def __reduce__(self) -> tuple[Any, ...]:
        return Layout, (self.headers, self.delimiter)


class RawRows:
    """Rows still as their lines of text (plain lines, see the module docstring): `rows()` parses them. In the reading
    process a run is a view of a list of lines (so cutting batches off it copies nothing); sent to a worker, its
    lines travel as one joined text."""

    __slots__ = ("lines", "start", "stop", "text", "layout", "fields", "flat")

    def __init__(self, lines: list[bytes], layout: Layout, start: int = 0, stop: int | None = None) -> None:
        self.lines = lines
        self.start = start
        self.stop = len(lines) if stop is None else stop
        self.text: bytes | None = None
        self.layout = layout
        self.fields: list[list[str]] | None = None  # each line split at the delimiter, once parsed
        self.flat: list[str] | None = None  # every line's fields in one list, when each line has all the header's

    @classmethod
    def of_text(cls, text: bytes, count: int, layout: Layout) -> RawRows:
        made = cls([], layout, 0, count)
        made.text = text
        return made

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, part: slice) -> list[dict[str, str]]:
        if not isinstance(part, slice):
            raise TypeError("a run of rows is read whole (rows()) or in slices")
        return self.rows()[part]

    def __reduce__(self) -> tuple[Any, ...]:
        return RawRows.of_text, (self._text(), len(self), self.layout)

    def _text(self) -> bytes:
        return self.text if self.text is not None else b"\n".join(self.lines[self.start : self.stop])

    def rows(self) -> list[dict[str, str]]:
        """The rows the csv parser makes of these lines: a plain line's fields are its text split at the delimiter."""
        headers = self.layout.headers
        flat = self._flat()
        if flat is not None:
            return list(map(dict, map(zip, repeat(headers), zip(*[iter(flat)] * len(headers), strict=True))))
        return [_row(headers, fields) for fields in self._fields()]

    def items_json(
        self, shape: tuple[str, str, str, bool], first: int, quoted: bool = False
    ) -> tuple[str, str | None] | None:
        """The compact JSON of these rows selected as items `first`, `first + 1`...: the items' JSON texts joined by
        commas, `shape` as templates.ItemTemplate.json_shape gives it, and (`quoted`) that text escaped as inside a
        JSON string, how a result record holds its Input; None unless every line has every field (then a row's JSON
        is its fields put in place, as they need no escaping, not even inside a string)."""
        flat = self._flat()
        if flat is None:
            return None
        before, between, after, indexed = shape
        width, count, constants = len(self.layout.headers), len(self), self.layout.value_parts
        # The items' JSON as one join of constant pieces and fields, each placed by a slice assignment (C loops, no
        # call per item): [sep + before, index, between + {"a":"] f0 [","b":"] f1 ... ["} + after] per item. The
        # escaped text is the same join with the constants escaped: the fields and indices need no escaping.
        lead = 3 if indexed else 1  # pieces of an item before its first field
        step = lead + 2 * width
        pieces: list[Any] = [None] * (count * step)
        if indexed:
            pieces[1::step] = map(str, range(first, first + count))
        for column in range(width):
            pieces[lead + 2 * column :: step] = flat[column::width]
        texts: list[str] = []
        for escape in (_unescaped, _escaped) if quoted else (_unescaped,):
            if indexed:
                pieces[0::step] = repeat(escape("," + before), count)
                pieces[2::step] = repeat(escape(between + constants[0]), count)
            else:
                pieces[0::step] = repeat(escape("," + before + constants[0]), count)
            for column in range(1, width):
                pieces[lead + 2 * column - 1 :: step] = repeat(escape(constants[column]), count)
            pieces[step - 1 :: step] = repeat(escape(constants[-1] + after), count)
            pieces[0] = pieces[0][1:]  # no comma before the first item
            texts.append("".join(pieces))
        return texts[0], (texts[1] if quoted else None)

    def _fields(self) -> list[list[str]]:
        if self.fields is None:
            lines = self._text().decode().split("\n")
            self.fields = list(map(str.split, lines, repeat(self.layout.delimiter)))
        return self.fields

    def _flat(self) -> list[str] | None:
        """Every field of every line in one list, line after line, when each line has exactly the header's fields
        (counted by their delimiters); else None, and `_fields` splits line by line."""
        if self.flat is None and self.fields is None:
            text, delimiter = self._text().decode(), self.layout.delimiter
            if set(map(str.count, text.split("\n"), repeat(delimiter))) == {len(self.layout.headers) - 1}:
                self.flat = text.replace("\n", delimiter).split(delimiter)
            else:
                self._fields()
        return self.flat

    def split(self, count: int) -> tuple[RawRows, RawRows]:
        """The first `count` rows and the rest (in the reading process, which holds the lines)."""
        middle = self.start + count
        return RawRows(self.lines, self.layout, self.start, middle), RawRows(self.lines, self.layout, middle, self.stop)

    def joined(self, other: RawRows) -> RawRows:
        return RawRows(self.lines[self.start : self.stop] + other.lines[other.start : other.stop], self.layout)

    def value_size_bound(self, count: int) -> int:
        """At least the total JSON size of the first `count` rows: each is its fields' bytes plus `value_base`, and
        its fields' bytes are at most its line's (the delimiters and any skipped fields are not counted)."""
        return count * self.layout.value_base + sum(map(len, self.lines[self.start : self.start + count]))

    def value_sizes(self, count: int) -> list[int]:
        """The JSON size of each of the first `count` rows, exactly: `value_base` plus its kept fields' bytes."""
        fields = len(self.layout.headers)
        delimiter = self.layout.delimiter.encode()
        base = self.layout.value_base
        lines = self.lines[self.start : self.start + count]
        return [base + sum(map(len, line.split(delimiter, fields)[:fields])) for line in lines]


def _unescaped(text: str) -> str:
    return text


def _escaped(text: str) -> str:
    """`text` as it stands inside a JSON string (the encoder's own quoting, without the quotes)."""
    return limits.quoted(text)[1:-1]


def _row(headers: list[str], fields: list[str]) -> dict[str, str]:
    # zip stops at the shorter: extra fields are skipped, missing ones filled with "" below (AWS's rules).
    row = dict(zip(headers, fields, strict=False))
    if len(fields) < len(headers):
        row.update(dict.fromkeys(headers[len(fields) :], ""))
    return row


def _blocks(stream: Any) -> Iterator[bytes]:
    """The object's bytes in blocks that end after a newline (the last one, wherever the object ends)."""
    parts: list[bytes] = []
    while chunk := stream.read(BLOCK_BYTES):
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            parts.append(chunk)  # a line longer than a block: the block grows
            continue
        parts.append(chunk[:cut])
        yield b"".join(parts)
        parts = [chunk[cut:]]
    if tail := b"".join(parts):
        yield tail


def _capped(runs: Iterator[Any], limit: int | None) -> Iterator[Any]:
    """ReaderConfig.MaxItems: at most that many rows, and the object is read no further."""
    if limit is None:
        yield from runs
        return
    for run in runs:
        if len(run) >= limit:
            yield run[:limit] if isinstance(run, list) else run.split(limit)[0]
            return
        yield run
        limit -= len(run)


class _Parser:
    """Turns an object's blocks into runs of rows: plain lines as RawRows, the rest through the csv parser."""

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.delimiter = DELIMITERS[config.get("CSVDelimiter", "COMMA")]
        self.headers: list[str] | None = config.get("CSVHeaders") if config["CSVHeaderLocation"] == "GIVEN" else None
        self.layout: Layout | None = None
        self.special = _SPECIAL.replace(self.delimiter.encode(), b"")  # a TAB delimiter is no special byte
        self.first_special = re.compile(b"[" + re.escape(self.special) + b"]")

    def runs(self, blocks: Iterator[bytes]) -> Iterator[list[dict[str, str]] | RawRows]:
        feed = _Feed(blocks)
        pending = next(blocks, b"")
        first_record = True  # the first record (a header, or a first line with a byte order mark) is parsed
        while pending:
            layout = self.layout
            plain = 0 if first_record or layout is None else self._plain_prefix(pending)
            if plain:
                assert layout is not None
                lines = pending[:plain].split(b"\n")
                if pending[plain - 1 : plain] == b"\n":
                    lines.pop()
                feed.line_number += len(lines)
                yield RawRows(lines, layout)
            if plain < len(pending):
                feed.load(pending[plain:])
                yield from self._parsed(feed, first_record)
                first_record = False
                pending = feed.rest()  # after the first record, the rest of its block may be plain lines
            else:
                pending = b""
            pending = pending or next(blocks, b"")

    def _plain_prefix(self, block: bytes) -> int:
        """The length of the whole plain lines at the start of `block` (see the module docstring)."""
        if len(block) > MAX_FIELD_CHARS:
            return 0  # a line this long may hold a field past the csv parser's limit
        end = len(block)
        if len(block.translate(None, self.special)) < end:
            end = self.first_special.search(block).start()  # type: ignore[union-attr]
        if block.startswith(b"\n"):
            return 0  # a blank line, skipped by the csv parser: not a row
        blank = block.find(b"\n\n", 0, end)
        if blank >= 0:
            end = blank + 1
        if not block.isascii():
            try:
                block[:end].decode()
            except UnicodeDecodeError as error:
                end = error.start
        if end == len(block):
            return end
        return block.rfind(b"\n", 0, end) + 1

    def _parsed(self, feed: _Feed, first_record: bool) -> Iterator[list[dict[str, str]]]:
        """Rows from the csv parser, from the feed's line up to a record that ends where a block ends (or, for the
        first record, that record). An error is raised after the rows before it are handed on: a capped reader
        that has its rows by then never reads further, as AWS reads no further."""
        import csv  # here: every definition with a CSV reader is checked at start-up, few runs read one

        csv.field_size_limit(MAX_FIELD_CHARS)
        base = feed.line_number
        records = csv.reader(
            decoded_lines(feed, self.name, start=base + 1),
            delimiter=self.delimiter,
            doublequote=True,
            escapechar="\\",
            strict=False,
        )
        rows: list[dict[str, str]] = []
        failure: StatesError | None = None
        try:
            for fields in records:
                if fields:
                    if self.headers is None:
                        self.headers = fields
                    else:
                        rows.append(_row(self.headers, fields))
                    if first_record:
                        break
                if feed.at_block_end():
                    break
                if len(rows) >= PARSED_RUN:
                    yield rows
                    rows = []
        except csv.Error as error:
            failure = objects.failed(f"{self.name} line {base + records.line_num} cannot be read as CSV: {error}")
        except StatesError as error:  # a line that is not UTF-8
            failure = error
        if self.layout is None and self.headers is not None and len(set(self.headers)) == len(self.headers):
            self.layout = Layout(self.headers, self.delimiter)  # (repeated names: every row goes the csv way)
        if rows:
            yield rows
        if failure is not None:
            raise failure


class _Feed:
    """Lines of the blocks for the csv parser: it goes on into the next block only when it asks for more lines, which
    it does while a record goes on (or for the next record, which the caller asks for only inside a block)."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self.blocks = blocks
        self.lines: list[bytes] = []
        self.position = 0
        self.line_number = 0  # lines of the object handed on so far, here or as RawRows

    def load(self, block: bytes) -> None:
        self.lines = list(io.BytesIO(block))  # split after each b"\n" only, as a file's lines are
        self.position = 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> bytes:
        while self.position >= len(self.lines):
            self.load(next(self.blocks))
        line = self.lines[self.position]
        self.position += 1
        self.line_number += 1
        return line

    def at_block_end(self) -> bool:
        return self.position >= len(self.lines)

    def rest(self) -> bytes:
        rest = b"".join(self.lines[self.position :])
        self.lines, self.position = [], 0
        return rest

"""A CSV's plain lines travel unparsed (csv_rows.RawRows) and are cut into batches without parsing, yet the rows,
their indices, the batches, the children's inputs and the errors are exactly those of the general path: the csv
parser over the whole object, and selection and sizing item by item."""

from __future__ import annotations

import csv
import io
import json
import pickle
import random
from pathlib import Path
from typing import Any

import map_children
import pytest
from map_children import SELECTORS

from handlers.store import LocalStore
from hpc.engine import item_reader, limits
from hpc.engine.errors import StatesError
from hpc.engine.item_reader import csv_rows

GET = "arn:aws:states:::s3:getObject"
DELIMITERS = {",": "COMMA", "\t": "TAB", ";": "SEMICOLON", "|": "PIPE", " ": "SPACE"}


def reader(delimiter: str = ",", **config: Any) -> dict[str, Any]:
    return {
        "Resource": GET,
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", **config}
        | {"CSVDelimiter": DELIMITERS[delimiter]},
        "Parameters": {"Bucket": "data", "Key": "t.csv"},
    }


def expected_rows(body: bytes, config: dict[str, Any]) -> tuple[list[dict[str, str]], str | None]:
    """The general path, as the reader was before plain lines: the csv parser over the object's decoded lines."""
    csv.field_size_limit(csv_rows.MAX_FIELD_CHARS)
    lines = []
    for number, raw in enumerate(io.BytesIO(body), start=1):
        try:
            lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            lines.append(None)
            break
    headers = config.get("CSVHeaders") if config["CSVHeaderLocation"] == "GIVEN" else None
    rows: list[dict[str, str]] = []

    def numbered():
        for number, line in enumerate(lines, start=1):
            if line is None:
                raise UnicodeError(number)
            yield line

    records = csv.reader(
        numbered(), delimiter=csv_rows.DELIMITERS[config.get("CSVDelimiter", "COMMA")], escapechar="\\", strict=False
    )
    try:
        for fields in records:
            if not fields:
                continue
            if headers is None:
                headers = fields
                continue
            row = dict(zip(headers, fields, strict=False))
            row.update(dict.fromkeys(headers[len(fields) :], ""))
            rows.append(row)
    except UnicodeError as bad:
        return rows, f"line {bad.args[0]} is not UTF-8"
    except csv.Error:
        return rows, f"line {records.line_num} cannot be read as CSV"
    return rows, None


def read_both(store: LocalStore, body: bytes, definition: dict[str, Any]) -> tuple[list[Any], list[Any], str | None]:
    store.put("data", "t.csv", body)
    item_reader.check(definition, "ItemReader")
    source = item_reader.read_items(definition, {}, {}, store.root)
    runs: list[Any] = []
    error = None
    try:
        for run in source.runs():
            runs.append(run)
    except StatesError as failed:
        error = failed.cause
    rows = [row for run in runs for row in (run if isinstance(run, list) else pickle.loads(pickle.dumps(run)).rows())]
    return runs, rows, error


def random_csv(draw: random.Random, delimiter: str, lines: int, dirty: float) -> bytes:
    cells = ["1.5", "-2", "abc", "", "é", "x y", "3e5", "  7 "]
    special = ['"q,uoted"', '"multi\nline"', "back\\,slash", '"a""b"', "cr\r", "\x00", "ctl\x01", "\xff"]
    names = [f"c{number}" for number in range(draw.randrange(1, 6))]
    out = [delimiter.join(names)]
    for _ in range(lines):
        width = max(1, len(names) + draw.choice([0, 0, 0, 0, -1, 1, 2]))
        fields = [draw.choice(cells).replace(delimiter, "") or "" for _ in range(width)]
        if draw.random() < dirty:
            fields[draw.randrange(width)] = draw.choice(special)
        out.append(delimiter.join(fields))
        if draw.random() < dirty / 2:
            out.append("")  # a blank line
    text = "\n".join(out) + draw.choice(["\n", ""])
    body = text.encode("utf-8", "surrogateescape").replace("\xff".encode(), b"\xff")
    return (b"\xef\xbb\xbf" if draw.random() < 0.2 else b"") + body


@pytest.mark.parametrize("seed", range(40))
def test_plain_lines_give_the_rows_and_errors_of_the_csv_parser(tmp_path: Path, monkeypatch, seed: int):
    # GIVEN small blocks (so records and batches cross block ends) and CSVs mostly of plain lines, some not
    monkeypatch.setattr(csv_rows, "BLOCK_BYTES", 64)
    draw = random.Random(seed)
    delimiter = draw.choice(list(DELIMITERS))
    body = random_csv(draw, delimiter, draw.randrange(0, 120), dirty=draw.choice([0.0, 0.02, 0.2]))
    definition = reader(delimiter)
    if draw.random() < 0.3:
        definition["ReaderConfig"] |= {"CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b", "c"]}
    # WHEN it is read in runs, and the unparsed runs are parsed where a worker would parse them
    runs, rows, error = read_both(LocalStore(tmp_path), body, definition)
    expected, expected_error = expected_rows(body, definition["ReaderConfig"])
    # THEN the rows are the csv parser's, and so is the error, naming the same line
    assert rows == expected
    assert (error is None) == (expected_error is None)
    if error is not None:
        assert expected_error in error and "t.csv" in error


def test_a_plain_csv_travels_unparsed_after_its_header(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(csv_rows, "BLOCK_BYTES", 100)
    body = b"a,b\n" + b"".join(b"%d,%d\n" % (n, n * 2) for n in range(200))
    runs, rows, _ = read_both(LocalStore(tmp_path), body, reader())
    assert rows == [{"a": str(n), "b": str(n * 2)} for n in range(200)]
    assert all(not isinstance(run, list) for run in runs)  # no row went through the csv parser here


def test_a_capped_reader_stops_before_a_bad_line_past_the_cap(tmp_path: Path):
    body = b"a\n1\n2\n3\n\xff\n"
    runs, rows, error = read_both(LocalStore(tmp_path), body, reader(MaxItems=3))
    assert (rows, error) == ([{"a": "1"}, {"a": "2"}, {"a": "3"}], None)
    runs, rows, error = read_both(LocalStore(tmp_path), body, reader(MaxItems=4))
    assert error is not None and "line 5 is not UTF-8" in error


@pytest.mark.parametrize("seed", range(10))
def test_a_plain_rows_json_size_is_known_from_its_line(seed: int):
    draw = random.Random(seed)
    headers = [f"h{n}é"[: draw.randrange(1, 4)] + str(n) for n in range(draw.randrange(1, 6))]
    layout = csv_rows.Layout(headers, ";")
    lines = [";".join(draw.choice(["", "1", "ab", "é€"]) for _ in range(draw.randrange(1, 8))) for _ in range(50)]
    run = csv_rows.RawRows([line.encode() for line in lines], layout)
    rows = run.rows()
    sizes = [limits.payload_size(row) for row in rows]
    assert run.value_sizes(len(run)) == sizes
    assert run.value_size_bound(len(run)) >= sum(sizes)


# ---- batches --------------------------------------------------------------------------------------------------------


def children_of(items: Any, batcher: dict[str, Any], selector: Any) -> tuple[list[Any], str | None]:
    return map_children.children_of(items, batcher, selector, name="Rows", workload="csv-stats")


@pytest.mark.parametrize("seed", range(30))
def test_batches_of_unparsed_rows_are_those_cut_item_by_item(tmp_path: Path, monkeypatch, seed: int):
    # GIVEN rows of varied sizes, some lines not plain, and a byte limit near a few rows' size
    monkeypatch.setattr(csv_rows, "BLOCK_BYTES", 256)
    draw = random.Random(seed)
    lines = ["a,b,c"]
    for number in range(draw.randrange(1, 300)):
        width = draw.choice([1, 3, 3, 3, 5])
        line = ",".join("x" * draw.choice([0, 1, 5, 40, 200]) for _ in range(width))
        lines.append(f'"{number}",{line}' if draw.random() < 0.05 else line)
    body = ("\n".join(lines) + "\n").encode()
    LocalStore(tmp_path).put("data", "t.csv", body)
    definition = reader()
    batcher: dict[str, Any] = {"MaxInputBytesPerBatch": draw.choice([120, 300, 700, 2000, 262_144])}
    if draw.random() < 0.8:
        batcher["MaxItemsPerBatch"] = draw.choice([1, 2, 7, 128])
    selector = draw.choice(SELECTORS)
    # WHEN the Map's children are made from the reader's runs, and from the same rows one by one
    fast = children_of(item_reader.read_items(definition, {}, {}, tmp_path), batcher, selector)
    rows = list(item_reader.read_items(definition, {}, {}, tmp_path))
    general = children_of(iter(rows), batcher, selector)
    # THEN the children (ids, first indices, item counts, inputs) and any error are the same
    assert fast == general
    if draw.random() < 0.5:  # and without the byte limit too
        del batcher["MaxInputBytesPerBatch"]
        batcher.setdefault("MaxItemsPerBatch", 50)
        assert children_of(item_reader.read_items(definition, {}, {}, tmp_path), batcher, selector) == children_of(
            iter(rows), batcher, selector
        )


def test_a_row_alone_past_the_byte_limit_fails_naming_its_index_after_the_batches_before(tmp_path: Path):
    body = b"a\n" + b"1\n" * 10 + b"x" * 500 + b"\n" + b"2\n" * 10
    LocalStore(tmp_path).put("data", "t.csv", body)
    batcher = {"MaxInputBytesPerBatch": 300, "MaxItemsPerBatch": 4}
    made, error = children_of(item_reader.read_items(reader(), {}, {}, tmp_path), batcher, SELECTORS[1])
    assert [child[1] for child in made] == [0, 4, 8]
    assert error == "Item 10 of state 'Rows' alone exceeds MaxInputBytesPerBatch (300 bytes)"
    assert (made, error) == children_of(iter(json.loads(json.dumps(list(_rows(body))))), batcher, SELECTORS[1])


def _rows(body: bytes) -> list[dict[str, str]]:
    return expected_rows(body, {"CSVHeaderLocation": "FIRST_ROW"})[0]


@pytest.mark.parametrize("selector", SELECTORS[:3] + SELECTORS[4:])
def test_batches_at_the_byte_limit_to_the_byte_are_cut_as_item_by_item(tmp_path: Path, selector: Any):
    # GIVEN one-field rows (a plain row's size bound is then its exact size) and limits around a 4-item batch's size
    body = b"a\n" + b"".join(b"x" * (n % 7 + 1) + b"\n" for n in range(40))
    LocalStore(tmp_path).put("data", "t.csv", body)
    rows = list(item_reader.read_items(reader(), {}, {}, tmp_path))
    whole = children_of(iter(rows), {"MaxItemsPerBatch": 4}, selector)[0]
    four = len(whole[0][3].encode())
    for limit in range(four - 3, four + 3):
        batcher = {"MaxItemsPerBatch": 4, "MaxInputBytesPerBatch": limit}
        # THEN cutting unparsed runs gives the same batches as sizing item by item, to the byte
        fast = children_of(item_reader.read_items(reader(), {}, {}, tmp_path), batcher, selector)
        assert fast == children_of(iter(rows), batcher, selector)
    assert not any(isinstance(run, list) for run in item_reader.read_items(reader(), {}, {}, tmp_path).runs())

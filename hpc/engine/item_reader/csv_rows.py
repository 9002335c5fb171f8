"""InputType CSV: the rows of one delimited text object, each an object keyed by the header, every value a string.

ReaderConfig, as AWS documents it: CSVHeaderLocation FIRST_ROW (the first row names the fields) or GIVEN (CSVHeaders
names them, and every row is data); CSVDelimiter COMMA (default), PIPE, SEMICOLON, SPACE or TAB; MaxItems. Parsing
follows AWS's published rules: newlines separate records; double quotes may enclose fields holding the delimiter or
newlines and are kept by doubling them; a backslash escapes the next character; a row with FEWER fields than the
header gets empty strings for the missing ones and a row with MORE has the extra fields skipped -- AWS does not fail
on a ragged row, so neither does the engine. Blank lines are skipped. A line that is not UTF-8 (a binary file) or a
field the csv parser cannot read fails the Map naming the object and the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hpc.engine import checks
from hpc.engine.errors import InvalidDefinition
from hpc.engine.item_reader import objects
from hpc.engine.item_reader.lines import decoded_lines

PARAMETERS = REQUIRED = ("Bucket", "Key")
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
HEADER_LOCATIONS = ("FIRST_ROW", "GIVEN")
MAX_FIELD_CHARS = 8 * 1024 * 1024  # AWS reads items of up to 8 MB from a delimited file


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


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[Any]:
    bucket, key = objects.parameters(reader, data, context, PARAMETERS)
    config = reader.get("ReaderConfig", {})
    store = objects.store_for(store_root)
    stream = objects.open_object(store, bucket, key)
    try:
        yield from objects.capped(_rows(stream, store.name(bucket, key), config), config)
    finally:
        stream.close()


def _rows(stream: Any, name: str, config: dict[str, Any]) -> Iterator[dict[str, str]]:
    import csv  # here: every definition with a CSV reader is checked at start-up, few runs read one

    csv.field_size_limit(MAX_FIELD_CHARS)
    records = csv.reader(
        decoded_lines(stream, name),
        delimiter=DELIMITERS[config.get("CSVDelimiter", "COMMA")],
        doublequote=True,
        escapechar="\\",
        strict=False,
    )
    headers: list[str] | None = config.get("CSVHeaders") if config["CSVHeaderLocation"] == "GIVEN" else None
    try:
        for fields in records:
            if not fields:
                continue
            if headers is None:
                headers = fields
                continue
            # zip stops at the shorter: extra fields are skipped, missing ones filled with "" below (AWS's rules).
            row = dict(zip(headers, fields, strict=False))
            if len(fields) < len(headers):
                row.update(dict.fromkeys(headers[len(fields) :], ""))
            yield row
    except csv.Error as error:
        raise objects.failed(f"{name} line {records.line_num} cannot be read as CSV: {error}") from None

"""InputType JSONL: one JSON value per line of one object, read line by line. Blank lines are skipped; a line that is
not JSON (or not UTF-8) fails the Map naming the object and the line number. ReaderConfig: InputType, MaxItems.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hpc.engine import checks
from hpc.engine.item_reader import objects
from hpc.engine.item_reader.lines import decoded_lines

PARAMETERS = REQUIRED = ("Bucket", "Key")


def check_config(config: dict[str, Any], where: str) -> None:
    checks.only(config, ("InputType", "MaxItems", "MaxItemsPath"), where)
    objects.check_max_items(config, where)


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[Any]:
    bucket, key = objects.parameters(reader, data, context, PARAMETERS)
    store = objects.store_for(store_root)
    stream = objects.open_object(store, bucket, key)
    try:
        yield from objects.capped(_values(stream, store.name(bucket, key)), reader.get("ReaderConfig", {}))
    finally:
        stream.close()


def _values(stream: Any, name: str) -> Iterator[Any]:
    for number, line in enumerate(decoded_lines(stream, name), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line.rstrip("\r\n"))  # so a JSON error's position is within this line
        except ValueError as error:
            raise objects.failed(f"{name} line {number} is not valid JSON: {error}") from None

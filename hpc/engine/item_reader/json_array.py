"""InputType JSON: the elements of the JSON array one object holds, decoded as they are read (handlers.results'
bounded-buffer parser, the one the sum function reads 5 GB result files with), in runs, so that iterating 10^7 items
costs no Python call per item. An element may be up to 8 MB, AWS's limit for one item read from a file. An object
holding another JSON value fails with AWS's own text. ReaderConfig: InputType, MaxItems.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from handlers.results import CorruptResults, json_array_runs
from hpc.engine import checks
from hpc.engine.item_reader import objects

PARAMETERS = REQUIRED = ("Bucket", "Key")
# Text decoded at a time: 256 KiB of small numbers is ~40,000 ints, about 1.5 MB of Python objects while batched.
READ_BYTES = 256 * 1024
# json_array_runs' complaint when the object holds another JSON value (object, string, number, true, false, null).
_NOT_AN_ARRAY = re.compile(r"expected a JSON array, found '[{\"0-9tfn-]")


def check_config(config: dict[str, Any], where: str) -> None:
    checks.only(config, ("InputType", "MaxItems", "MaxItemsPath"), where)
    objects.check_max_items(config, where)


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[Any]:
    return objects.capped(
        itertools.chain.from_iterable(_runs(reader, data, context, store_root)), reader.get("ReaderConfig", {})
    )


def _runs(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[list[Any]]:
    bucket, key = objects.parameters(reader, data, context, PARAMETERS)
    store = objects.store_for(store_root)
    stream = objects.open_object(store, bucket, key)
    read = 0
    try:
        for run in json_array_runs(stream, chunk_bytes=READ_BYTES):
            yield run
            read += len(run)
    except CorruptResults as error:
        if _NOT_AN_ARRAY.search(str(error)):
            # AWS's fixed text for a JSON object (or any other value) where an array was expected.
            raise objects.failed("Attempting to map over non-iterable node.") from None
        raise objects.failed(
            f"{store.name(bucket, key)} is not a valid JSON array (after {read} items): {error}"
        ) from None
    finally:
        stream.close()

"""InputType JSON: the elements of the JSON array one object holds, decoded as they are read (handlers.results'
bounded-buffer parser, the one the sum function reads 5 GB result files with), in runs, so that iterating 10^7 items
costs no Python call per item. An element may be up to 8 MB, AWS's limit for one item read from a file. An object
holding another JSON value fails with AWS's own text. ReaderConfig: InputType, MaxItems.

Runs of plain non-negative integers (a generated item list) may stay text: `batches` cuts them into batches
(hpc.engine.item_text) for a Map that batches by count alone, and the workers decode them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from handlers.results import CorruptResults, json_array_runs
from hpc.engine import checks
from hpc.engine.item_reader import objects
from hpc.engine.item_text import IntText

PARAMETERS = REQUIRED = ("Bucket", "Key")
# Text decoded at a time: 256 KiB of small numbers is ~40,000 ints, about 1.5 MB of Python objects while batched.
READ_BYTES = 256 * 1024
# json_array_runs' complaint when the object holds another JSON value (object, string, number, true, false, null).
_NOT_AN_ARRAY = re.compile(r"expected a JSON array, found '[{\"0-9tfn-]")


def check_config(config: dict[str, Any], where: str) -> None:
    checks.only(config, ("InputType", "MaxItems", "MaxItemsPath"), where)
    objects.check_max_items(config, where)


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> ArrayItems:
    return ArrayItems(reader, data, context, store_root)


class ArrayItems(Iterator[Any]):
    """The array's items, an iterator like every source's; or, instead, in batches (lists or IntText): `batches`."""

    def __init__(self, reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> None:
        self.reader = reader
        self.data = data
        self.context = context
        self.store_root = store_root
        self.limit = reader.get("ReaderConfig", {}).get("MaxItems")
        self.items: Iterator[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        return self._items()  # the C-level iterator itself: a loop over it makes no Python call per item

    def __next__(self) -> Any:
        return next(self._items())

    def _items(self) -> Iterator[Any]:
        if self.items is None:
            runs = _runs(self.reader, self.data, self.context, self.store_root)
            self.items = objects.capped(itertools.chain.from_iterable(runs), self.reader.get("ReaderConfig", {}))
        return self.items

    def batches(self, size: int) -> Iterator[list[Any] | IntText]:
        """The items in batches of `size` (the last may be smaller), in order; runs of integers stay text."""
        left = _UNLIMITED if self.limit is None else self.limit
        held: list[list[Any] | IntText] = []
        count = 0
        for whole in _runs(self.reader, self.data, self.context, self.store_root, keep=IntText.of):
            run, _ = _cut(whole, left)
            left -= len(run)
            while len(run):
                if len(run) < size - count:
                    held.append(run)
                    count += len(run)
                    break
                head, run = _cut(run, size - count)
                yield _joined([*held, head])
                held, count = [], 0
            if not left:
                break
        if held:
            yield _joined(held)


_UNLIMITED = 2**62


def _cut(run: list[Any] | IntText, count: int) -> tuple[list[Any] | IntText, list[Any] | IntText]:
    """The first `count` items of `run` and the rest."""
    if count >= len(run):
        return run, []
    if isinstance(run, IntText):
        return run.split(count)
    return run[:count], run[count:]


def _joined(parts: list[list[Any] | IntText]) -> list[Any] | IntText:
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(part, IntText) for part in parts):
        return IntText.join(parts)  # type: ignore[arg-type]
    return [item for part in parts for item in (part.decode() if isinstance(part, IntText) else part)]


def _runs(
    reader: dict[str, Any],
    data: Any,
    context: dict[str, Any],
    store_root: Path,
    keep: Callable[[str], IntText | None] | None = None,
) -> Iterator[Any]:
    bucket, key = objects.parameters(reader, data, context, PARAMETERS)
    store = objects.store_for(store_root)
    stream = objects.open_object(store, bucket, key)
    read = 0
    try:
        for run in json_array_runs(stream, chunk_bytes=READ_BYTES, keep=keep):
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

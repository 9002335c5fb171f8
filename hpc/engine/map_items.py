"""Items in: a Distributed Map's items, read as a stream, and how they become its children's inputs.

1. items come from the ItemReader (hpc.engine.item_reader, any iterable: readers yield items as they parse them) or
   from ItemsPath (default `$`) on the Map's effective input;
2. ItemSelector applies to each item, with `$$.Map.Item.Value` / `$$.Map.Item.Index` in the context object, before
   batching, so a batch's Items are selected items;
3. ItemBatcher: a child gets `{"BatchInput": <BatchInput evaluated once on the Map's input>, "Items": [...]}`
   ("BatchInput" only when set) with at most MaxItemsPerBatch items and, with MaxInputBytesPerBatch, at most that many
   bytes of input; without it a child gets one (selected) item.

`children` turns the item stream into children as it reads it, never holding more than one batch: a child is
`(child id, index of its first item, values, selected)`. Selection normally happens in the worker that runs the child
(`ChildInputs.input_of`), spreading its cost over the workers; sizing batches by bytes needs the selected values, so
then the parent selects and the values travel selected.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hpc.engine import item_reader, limits, paths, templates
from hpc.engine.errors import StatesError
from hpc.engine.interpreter import Context
from hpc.engine.item_text import IntText

Child = tuple[int, int, list[Any] | IntText, bool]  # values may still be text: hpc.engine.item_text


def read_items(name: str, state: dict[str, Any], data: Any, context: Context, store_root: Path) -> Iterable[Any]:
    """The Map's items, in order; a reader's may come lazily (and fail lazily, with States.ItemReaderFailed)."""
    if "ItemReader" in state:
        return item_reader.read_items(state["ItemReader"], data, context, store_root)
    path = state.get("ItemsPath", "$")
    items = paths.read_field(path, data, context, "ItemsPath")
    if not isinstance(items, list):
        raise StatesError(
            "States.Runtime", f"The ItemsPath '{path}' of state '{name}' must select an array", located=True
        )
    return items


class ChildInputs:
    """How a child's input is made from its items (ItemSelector, then ItemBatcher's wrapping)."""

    def __init__(self, state: dict[str, Any], data: Any, context: Context) -> None:
        self.selector = state.get("ItemSelector")
        self.batched = "ItemBatcher" in state
        self.data = data
        self.context = context
        batcher = state.get("ItemBatcher") or {}
        self.batch_input = templates.evaluate(batcher["BatchInput"], data, context) if "BatchInput" in batcher else None

    def select(self, index: int, value: Any) -> Any:
        if self.selector is None:
            return value
        context = self.context.with_map_item(index, value)  # keeps the variables ItemSelector may read
        return templates.evaluate(self.selector, self.data, context)

    def wrap(self, values: list[Any]) -> Any:
        if not self.batched:
            return values[0]
        return {"BatchInput": self.batch_input, "Items": values} if self.batch_input is not None else {"Items": values}

    def input_of(self, child: Child) -> Any:
        _, first, values, selected = child
        if isinstance(values, IntText):
            values = values.decode()
        if not selected and self.selector is not None:
            values = [self.select(first + offset, value) for offset, value in enumerate(values)]
        return self.wrap(values)

    def input_and_json(self, child: Child) -> tuple[Any, str]:
        """The child's input and its compact JSON; a batch of integers still in text is not encoded again."""
        child_input = self.input_of(child)
        values = child[2]
        if not isinstance(values, IntText) or self.selector is not None or not self.batched:
            return child_input, limits.to_json(child_input)
        if self.batch_input is None:
            return child_input, f'{{"Items":[{values.text}]}}'
        return child_input, f'{{"BatchInput":{limits.to_json(self.batch_input)},"Items":[{values.text}]}}'


class ItemCount:
    """How many items (and children) have been made, and whether that is all of them (then `total` is known)."""

    def __init__(self) -> None:
        self.read = 0
        self.children = 0
        self.complete = False

    @property
    def total(self) -> int | None:
        return self.read if self.complete else None


def children(
    name: str, state: dict[str, Any], items: Iterable[Any], inputs: ChildInputs, count: ItemCount
) -> Iterator[Child]:
    """The Map's children, made as the items are read; `count` follows the items and children made."""
    batcher = state.get("ItemBatcher")
    source = iter(items)
    if not batcher:
        for index, value in enumerate(source):
            count.read = count.children = index + 1
            yield index, index, [value], False
    elif batcher.get("MaxInputBytesPerBatch") is None:
        size = batcher.get("MaxItemsPerBatch") or _UNLIMITED
        batches = items.batches(size) if isinstance(items, Batchable) else _batches(source, size)
        for values in batches:
            first = count.read
            count.read += len(values)
            count.children += 1
            yield count.children - 1, first, values, False
    else:
        for child in _byte_sized(name, batcher, source, inputs, count):
            count.children += 1
            yield child
    count.complete = True


_UNLIMITED = 2**62  # a batcher without MaxItemsPerBatch holds every item (which must then fit in one payload)


@runtime_checkable
class Batchable(Protocol):
    """Items a reader can hand over in batches itself, cheaper than one by one (hpc.engine.item_reader.json_array)."""

    def batches(self, size: int) -> Iterator[list[Any] | IntText]: ...


def _batches(source: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while values := list(itertools.islice(source, size)):
        yield values


def _byte_sized(
    name: str, batcher: dict[str, Any], source: Iterator[Any], inputs: ChildInputs, count: ItemCount
) -> Iterator[Child]:
    max_items = batcher.get("MaxItemsPerBatch") or _UNLIMITED
    max_bytes = batcher["MaxInputBytesPerBatch"]
    overhead = limits.payload_size(inputs.wrap([]))
    child, first = 0, 0
    values: list[Any] = []
    size = overhead
    for index, value in enumerate(source):
        count.read = index + 1
        selected = inputs.select(index, value)
        item_bytes = limits.payload_size(selected)
        added = item_bytes + (1 if values else 0)  # the comma between items
        if values and (len(values) >= max_items or size + added > max_bytes):
            yield child, first, values, True
            child, first, values, size, added = child + 1, index, [], overhead, item_bytes
        if size + added > max_bytes:
            raise StatesError(
                "States.DataLimitExceeded",
                f"Item {index} of state '{name}' alone exceeds MaxInputBytesPerBatch ({max_bytes} bytes)",
            )
        size += added
        values.append(selected)
    if values:
        yield child, first, values, True

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
(`ChildInputs.input_of`), spreading its cost over the workers; sizing batches by bytes needs the selected values'
sizes, so then the parent selects and the values travel selected -- except for a reader's runs of items still in
their text (a CSV's plain lines), whose selected sizes follow from the text: those are cut without parsing and
travel unparsed (`_raw_cut`). Values may also be a run of integers still in JSON text (hpc.engine.item_text).
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hpc.engine import item_reader, limits, paths, templates
from hpc.engine.errors import StatesError
from hpc.engine.interpreter import Context
from hpc.engine.item_text import IntText

Child = tuple[int, int, Any, bool]  # values: a list, or still text (hpc.engine.item_text, or a reader's run: _Runs)


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
        self.selects = "ItemSelector" in state
        self.selector = templates.ItemTemplate(state.get("ItemSelector"), data, context)
        self.batched = "ItemBatcher" in state
        batcher = state.get("ItemBatcher") or {}
        self.batch_input = templates.evaluate(batcher["BatchInput"], data, context) if "BatchInput" in batcher else None

    def select(self, index: int, value: Any) -> Any:
        return self.selector.function(index, value)

    def select_all(self, first: int, values: list[Any]) -> list[Any]:
        """The selected items of the values of items first, first + 1, ..."""
        return self.selector.select_all(first, values)  # type: ignore[no-any-return]

    def wrap(self, values: list[Any]) -> Any:
        if not self.batched:
            return values[0]
        return {"BatchInput": self.batch_input, "Items": values} if self.batch_input is not None else {"Items": values}

    def input_of(self, child: Child) -> Any:
        _, first, values, selected = child
        if isinstance(values, IntText):
            values = values.decode()
        elif not isinstance(values, list):
            values = values.rows()  # a run of items not parsed yet (see _Runs)
        if not selected and self.selects:
            values = self.select_all(first, values)
        return self.wrap(values)

    def owns_input(self, child: Child) -> bool:
        """Whether the child's input shares nothing but its BatchInput with anything else: a batch whose items were
        made for it alone, in the worker (decoded from text or parsed from a reader's run), selected (if at all) into
        new objects around them (hpc.engine.direct_invoke then hands the input to the function without copying it)."""
        return self.batched and not isinstance(child[2], list) and (not self.selects or self.selector.fresh)

    def input_and_json(self, child: Child, *, quoted: bool = False) -> tuple[Any, str, str | None]:
        """The child's input, its compact JSON, and (`quoted`: for its result record) that JSON quoted as a JSON
        string where it is made beside the JSON for less than quoting it would cost (else None); a batch of items
        still in text (integers, or a reader's run whose items' JSON follows from their text) is not encoded again."""
        child_input = self.input_of(child)
        _, first, values, selected = child
        shape = self.selector.json_shape if self.selects and not selected else None
        if not self.batched and shape is not None and isinstance(values, list):
            # one selected item: the template's JSON around the value's (and the index's), not encoded whole
            before, between, after, indexed = shape
            value = limits.to_json(values[0])
            text = f"{before}{first}{between}{value}{after}" if indexed else f"{before}{value}{after}"
            return child_input, text, None
        items, quoted_items = None, None
        if self.batched and not selected:
            if isinstance(values, IntText):
                items = None if self.selects else values.text
            elif self.selector.json_shape is not None and hasattr(values, "items_json"):
                both = values.items_json(self.selector.json_shape, first, quoted)  # a run writing its items' JSON
                items, quoted_items = both if both is not None else (None, None)
        if items is None:
            return child_input, limits.to_json(child_input), None
        start = "{" if self.batch_input is None else '{"BatchInput":' + limits.to_json(self.batch_input) + ","
        text = f'{start}"Items":[{items}]}}'
        if quoted_items is None:
            return child_input, text, None
        return child_input, text, limits.quoted(start + '"Items":[')[:-1] + quoted_items + ']}"'


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
    if not batcher:
        for index, value in enumerate(items):
            count.read = count.children = index + 1
            yield index, index, [value], False
    elif batcher.get("MaxInputBytesPerBatch") is None and isinstance(items, Batchable):
        for values in items.batches(batcher.get("MaxItemsPerBatch") or _UNLIMITED):
            first = count.read
            count.read += len(values)
            count.children += 1
            yield count.children - 1, first, values, False
    else:
        size = batcher.get("MaxItemsPerBatch") or _UNLIMITED
        runs = _Runs(items, size, count)
        if batcher.get("MaxInputBytesPerBatch") is None:
            made = _counted(runs, size)
        else:
            made = _byte_sized(name, batcher, size, runs, inputs)
        for child in made:
            count.children += 1
            yield child
    count.complete = True


_UNLIMITED = 2**62  # a batcher without MaxItemsPerBatch holds every item (which must then fit in one payload)
_PULLED = 1024  # items read at a time from a source that has no runs of its own


class _Runs:
    """The items in runs, read as needed: lists of values, or runs of items not yet parsed (a reader's `runs()`, such
    as csv_rows.RawRows or listing.ListedRun: `len`, `split(n)`, `joined(run)`, `rows()`, `layout.value_base` and
    sizes, see `_raw_cut`; optionally `items_json(shape, first)`, see `ChildInputs.input_and_json`). Adjacent unparsed
    runs are joined, so a batch that spans two of them still travels unparsed."""

    def __init__(self, items: Iterable[Any], size: int, count: ItemCount) -> None:
        runs = getattr(items, "runs", None)
        if runs is not None:
            self.source = iter(runs())
        else:  # a batch (or _PULLED items) at a time: no more is read ahead than a batch
            source = iter(items)
            self.source = iter(lambda: list(itertools.islice(source, min(size, _PULLED))), [])
        self.queue: deque[Any] = deque()
        self.ended = False
        self.count = count
        self.taken = 0  # items handed on: the index of the next one

    def _pull(self) -> bool:
        run = next(self.source, None)
        if run is None:
            self.ended = True
            return False
        self.count.read += len(run)
        self.push(run, at_end=True)
        return True

    def push(self, run: Any, *, at_end: bool = False) -> None:
        if not len(run):
            return
        neighbour = -1 if at_end else 0
        if self.queue and _unparsed(run) and _unparsed(self.queue[neighbour]):
            self.queue[neighbour] = self.queue[neighbour].joined(run) if at_end else run.joined(self.queue[0])
        elif at_end:
            self.queue.append(run)
        else:
            self.queue.appendleft(run)

    def head(self, want: int) -> Any:
        """The first run (None when no items are left); an unparsed one holds at least `want` items unless a list
        follows it or no run does."""
        while not self.ended and (not self.queue or (len(self.queue) == 1 and len(self.queue[0]) < want)):
            self._pull()
        return self.queue[0] if self.queue else None

    def last(self) -> bool:
        """Whether the first run is all the items left."""
        return self.ended and len(self.queue) == 1

    def take_unparsed(self, count: int) -> Any:
        part, rest = self.queue[0].split(count)
        self.queue[0] = rest
        if not len(rest):
            self.queue.popleft()
        self.taken += count
        return part

    def take(self, count: int) -> tuple[list[Any], Any]:
        """Up to `count` items as a list of values, and (when `count` is 1 and the item was not parsed) its run."""
        values: list[Any] = []
        single = None
        while len(values) < count and (self.queue or self._pull()):
            run = self.queue.popleft()
            needed = count - len(values)
            if _unparsed(run):
                part, rest = run.split(needed) if len(run) > needed else (run, None)
                values.extend(part.rows())
                single = part if count == 1 else None
            else:
                part, rest = run[:needed], run[needed:]
                values.extend(part)
            if rest is not None and len(rest):
                self.queue.appendleft(rest)
        self.taken += len(values)
        return values, single


def _unparsed(run: Any) -> bool:
    return not isinstance(run, list)


def _counted(runs: _Runs, size: int) -> Iterator[Child]:
    child = 0
    while (head := runs.head(size)) is not None:
        first = runs.taken
        if _unparsed(head) and (len(head) >= size or runs.last()):
            yield child, first, runs.take_unparsed(min(size, len(head))), False
        else:
            yield child, first, runs.take(size)[0], False
        child += 1


@runtime_checkable
class Batchable(Protocol):
    """Items a reader can hand over in batches itself, cheaper than one by one (hpc.engine.item_reader.json_array)."""

    def batches(self, size: int) -> Iterator[list[Any] | IntText]: ...


def _byte_sized(
    name: str, batcher: dict[str, Any], max_items: int, runs: _Runs, inputs: ChildInputs
) -> Iterator[Child]:
    """Batches of at most `max_items` items and MaxInputBytesPerBatch bytes of input, cut as AWS cuts them: item by
    item, a batch ends before the item that would take it past either limit. A run of unparsed items is cut without
    parsing it when the selected items' sizes follow from the run's (`_raw_cut`); the rest is sized item by item."""
    max_bytes = batcher["MaxInputBytesPerBatch"]
    overhead = limits.payload_size(inputs.wrap([]))
    terms = inputs.selector.size_terms
    want = min(max_items, _PULLED)
    child = 0
    carried: tuple[Any, int] | None = None  # a selected item that did not fit its batch, and its size
    while carried is not None or (head := runs.head(want)) is not None:
        first = runs.taken - (carried is not None)
        if carried is None and terms is not None and _unparsed(head):
            want = min(max_items, _most_items(max_bytes, overhead, terms, head.layout.value_base))
            head = runs.head(want)
            cut = _raw_cut(head, first, runs.last(), min(want, len(head)), max_items, max_bytes - overhead, terms)
            if cut == 0:
                raise _alone_too_big(name, first, max_bytes)
            if cut is not None:
                yield child, first, runs.take_unparsed(cut), False
                child += 1
                continue
        values, size = [], overhead
        if carried is not None:
            if overhead + carried[1] > max_bytes:
                raise _alone_too_big(name, first, max_bytes)
            values, size = [carried[0]], overhead + carried[1]
            carried = None
        while len(values) < max_items:
            taken, single = runs.take(1)
            if not taken:
                break
            index = runs.taken - 1
            selected = inputs.select(index, taken[0])
            item_bytes = limits.payload_size(selected)
            if values and size + item_bytes + 1 > max_bytes:
                if single is not None and terms is not None:
                    runs.taken -= 1
                    runs.push(single)  # back unparsed, so the next batch may be cut without parsing
                else:
                    carried = selected, item_bytes
                break
            if size + item_bytes > max_bytes:
                raise _alone_too_big(name, index, max_bytes)
            size += item_bytes + (1 if values else 0)
            values.append(selected)
        if values:
            yield child, first, values, True
            child += 1


def _alone_too_big(name: str, index: int, max_bytes: int) -> StatesError:
    return StatesError(
        "States.DataLimitExceeded",
        f"Item {index} of state '{name}' alone exceeds MaxInputBytesPerBatch ({max_bytes} bytes)",
    )


def _most_items(max_bytes: int, overhead: int, terms: tuple[int, int, int], value_base: int) -> int:
    """More items than can fit in a batch: each takes at least its size with the smallest index and value, and a
    comma."""
    base, _, values = terms
    smallest = base + values * (value_base - 1)
    return (max_bytes - overhead + 1) // (smallest + 1) + 1


def _raw_cut(
    head: Any, first: int, last: bool, count: int, max_items: int, room: int, terms: tuple[int, int, int]
) -> int | None:
    """How many of the unparsed run's first `count` items (indices from `first`) the next batch holds, as the item
    by item cut would make it, when `room` bytes are left after the wrapping; None when that depends on items after
    the run (then they are sized one by one). A selected item's size is `base + indexes * (digits(index) - 1) +
    values * (size(value) - 1)` (templates.ItemTemplate.size_terms): first bounded through the run's bound on its
    values' sizes (all `count` fit: the usual case), else exactly, item by item, in C-level maps."""
    base, indexes, values = terms
    ends_here = count == max_items or (last and count == len(head))
    bound = count * (base - indexes - values) + indexes * _digits(first, first + count)
    bound += values * head.value_size_bound(count) + count - 1
    if bound <= room:
        return count if ends_here else None
    digits = map(len, map(str, range(first, first + count)))
    sizes = [
        base + indexes * (digit - 1) + values * (value - 1) + 1  # and a comma
        for digit, value in zip(digits, head.value_sizes(count), strict=True)
    ]
    fitting = bisect.bisect_right(list(itertools.accumulate(sizes)), room + 1)
    return fitting if fitting < count or ends_here else None


def _digits(start: int, stop: int) -> int:
    """The number of decimal digits of all the integers in range(start, stop) together."""
    total, low, width = 0, 0, 1
    while low < stop:
        high = 10**width
        total += max(0, min(stop, high) - max(start, low)) * width
        low, width = high, width + 1
    return total

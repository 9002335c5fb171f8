"""The Distributed Map reads its items as it goes: children are made, and handed to the pool, after reading only
about one batch (plus a bounded look-ahead), never the whole item stream."""

import itertools

import pytest

from hpc.engine import map_items, pool
from hpc.engine.interpreter import Context


class CountingItems:
    """An endless item stream that remembers how many items were taken from it."""

    def __init__(self) -> None:
        self.taken = 0

    def __iter__(self):
        for value in itertools.count():
            self.taken += 1
            yield value


def children_of(state, items):
    inputs = map_items.ChildInputs(state, {}, Context())
    return map_items.children("Map", state, items, inputs, map_items.ItemCount())


@pytest.mark.parametrize(
    ("batcher", "per_child"),
    [(None, 1), ({"MaxItemsPerBatch": 100}, 100), ({"MaxItemsPerBatch": 5, "MaxInputBytesPerBatch": 1000}, 5)],
)
def test_a_child_is_made_after_reading_about_one_batch(batcher, per_child):
    items = CountingItems()
    state = {"ItemBatcher": batcher} if batcher else {}
    child = next(children_of(state, items))
    assert child[0] == 0 and len(child[2]) == per_child
    assert items.taken <= per_child + 1  # a byte-sized batch ends when the next item does not fit


def test_the_pool_is_fed_after_a_bounded_look_ahead():
    items = CountingItems()
    chunks = pool.guided_chunks(children_of({"ItemBatcher": {"MaxItemsPerBatch": 1000}}, items), 2, lambda c: len(c[2]))
    first = next(chunks)
    assert first[0][0] == 0
    assert items.taken <= pool.LOOKAHEAD_WEIGHT + 1000


def test_chunks_shrink_to_single_children_at_the_end_of_a_known_stream():
    sizes = [len(chunk) for chunk in pool.guided_chunks(range(10_000), 2)]
    assert sum(sizes) == 10_000
    peak = sizes.index(max(sizes))
    assert max(sizes) > 1 and sizes[-1] == 1 and sizes[peak:] == sorted(sizes[peak:], reverse=True)


def test_the_first_chunk_leaves_after_a_few_children_are_read():
    # GIVEN a stream of children that counts how many were taken
    taken = []

    def children():
        for number in range(10_000):
            taken.append(number)
            yield number

    chunks = pool.guided_chunks(children(), 2)
    # WHEN the first chunk is handed out
    first = next(chunks)
    # THEN only a few chunks' worth were read for it, not the whole look-ahead
    assert first == [0] and len(taken) == 2 * pool.IN_FLIGHT


def test_item_counts_are_known_only_once_the_stream_ends():
    count = map_items.ItemCount()
    inputs = map_items.ChildInputs({}, {}, Context())
    made = map_items.children("Map", {"ItemBatcher": {"MaxItemsPerBatch": 3}}, range(7), inputs, count)
    first = next(made)
    assert (first[1], first[2], count.total) == (0, [0, 1, 2], None)
    assert [child[2] for child in made] == [[3, 4, 5], [6]]
    assert (count.total, count.children) == (7, 3)

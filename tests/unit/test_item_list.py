import json

import pytest

from handlers import item_list


def compact(values):
    return json.dumps(list(values), separators=(",", ":")).encode()


@pytest.mark.parametrize("count", [0, 1, 2, 7, 64])
@pytest.mark.parametrize("per_chunk", [1, 3, 64, 1000])
def test_item_chunks_join_into_one_compact_json_array(count, per_chunk):
    values = [{"k": i, "s": "é,]"} if i % 3 else i for i in range(count)]
    body = b"".join(item_list.json_array_chunks(values, per_chunk))
    assert body == json.dumps(values, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "values",
    [
        range(0),
        range(1),
        range(999),
        range(1000),
        range(1001),
        range(5432),
        range(999, 1001),
        range(1000, 3000),
        range(1500, 4321),
        range(98_765, 123_457),
        range(10**9 - 1500, 10**9 + 1500),
    ],
    ids=repr,
)
@pytest.mark.parametrize("per_chunk", [1000, 1500, 3000, 16_000])
def test_a_range_is_written_exactly_as_json_writes_it(values, per_chunk):
    chunks = list(item_list.json_array_chunks(values, per_chunk))
    assert b"".join(chunks) == compact(values)


@pytest.mark.parametrize("values", [range(5, 0, -1), range(0, 20, 3), range(-5, 5), range(-3000, -1000)], ids=repr)
def test_other_ranges_are_written_by_json(values):
    assert b"".join(item_list.json_array_chunks(values, 1000)) == compact(values)


def test_a_range_is_written_in_bounded_chunks():
    chunks = list(item_list.json_array_chunks(range(100_000), 16_000))
    assert len(chunks) == 8  # seven chunks of items and the closing bracket
    assert max(map(len, chunks)) < 16_000 * 7
    assert b"".join(chunks) == compact(range(100_000))

"""Runs of integers kept as text give exactly the items and batches that decoding them gives."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.results import json_array_runs
from hpc.engine.item_reader import json_array
from hpc.engine.item_text import IntText


@pytest.mark.parametrize("text", ["0", "7", "0,1,2", "10,200,3000", "12345678901234567890123,5"])
def test_canonical_integers_are_kept_as_text(text):
    kept = IntText.of(text)
    assert kept is not None
    assert (len(kept), kept.decode()) == (len(json.loads(f"[{text}]")), json.loads(f"[{text}]"))


@pytest.mark.parametrize(
    "text", ["", "1, 2", "1,,2", ",1", "1,", "-1,2", "1.0", "1e3", "01", "3,007", '"1"', "1,[2]", "١"]
)
def test_anything_else_is_left_to_the_decoder(text):
    # whitespace, signs, floats, leading zeros, strings, nesting, non-ASCII digits: decoding and encoding again would
    # not give the same text, or the text is not JSON at all
    assert IntText.of(text) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=2, max_size=60), st.data())
def test_a_split_cuts_between_the_same_items_as_a_list_slice(values, data):
    kept = IntText.of(",".join(map(str, values)))
    count = data.draw(st.integers(min_value=1, max_value=len(values) - 1))
    head, rest = kept.split(count)
    assert (head.decode(), rest.decode()) == (values[:count], values[count:])
    assert (len(head), len(rest)) == (count, len(values) - count)
    assert IntText.join([head, rest]).decode() == values


ARRAYS = [
    list(range(5000)),
    list(range(995, 7000)),
    [3, 1, 4, 1, 5, 9, 2, 6] * 300,
    [*range(100), -1, *range(100, 2000), "x", *range(2000, 2600)],  # runs that must be decoded, between text runs
    [{"a": i} if i % 50 == 0 else i for i in range(3000)],
]


def reader(limit=None):
    config = {"InputType": "JSON", **({"MaxItems": limit} if limit else {})}
    return {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config,
            "Parameters": {"Bucket": "b", "Key": "items.json"}}  # fmt: skip


@pytest.mark.parametrize("values", ARRAYS, ids=range(len(ARRAYS)))
@pytest.mark.parametrize("size", [1, 7, 1000, 4096])
@pytest.mark.parametrize("limit", [None, 1, 999, 2500])
@pytest.mark.parametrize("spaced", [False, True])
def test_batches_are_the_items_cut_every_size_items(tmp_path, monkeypatch, values, size, limit, spaced):
    # GIVEN an item list (compact, as the start function writes it, or spaced, as a person might), read in small runs
    monkeypatch.setattr(json_array, "READ_BYTES", 512)
    (tmp_path / "b").mkdir()
    text = json.dumps(values) if spaced else json.dumps(values, separators=(",", ":"))
    (tmp_path / "b" / "items.json").write_text(text)
    # WHEN the reader hands them over in batches
    batches = list(json_array.read_items(reader(limit), {}, {}, tmp_path).batches(size))
    # THEN they are the items one by one would give, cut every `size` items
    items = list(json_array.read_items(reader(limit), {}, {}, tmp_path))
    assert items == values[:limit]
    decoded = [batch.decode() if isinstance(batch, IntText) else batch for batch in batches]
    assert decoded == [items[start : start + size] for start in range(0, len(items), size)]
    # AND spaced integers never stay text (their text is not what encoding them gives)
    if spaced:
        assert not any(isinstance(batch, IntText) for batch in batches)


def test_a_generated_item_list_travels_as_text_but_for_its_last_element(tmp_path, monkeypatch):
    monkeypatch.setattr(json_array, "READ_BYTES", 4096)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "items.json").write_text(json.dumps(list(range(10_000)), separators=(",", ":")))
    batches = list(json_array.read_items(reader(), {}, {}, tmp_path).batches(1000))
    assert [type(batch) for batch in batches] == [IntText] * 9 + [list]  # the last element is decoded alone
    assert [item for batch in batches[:9] for item in json.loads(f"[{batch.text}]")] == list(range(9000))


def test_a_hook_sees_each_run_of_elements_before_it_is_decoded():
    seen = []
    runs = list(json_array_runs(io.BytesIO(b"[1,2,3,4,5,6]"), chunk_bytes=4, keep=lambda text: seen.append(text)))
    assert [item for run in runs for item in run] == [1, 2, 3, 4, 5, 6]
    assert seen and all(IntText.of(text) for text in seen)

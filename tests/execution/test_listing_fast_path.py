"""A listing's objects travel in runs (listing.ListedRun) and are cut into batches without making their entries, yet
the entries, their indices, the batches, the children's inputs and the errors are exactly those of the general path:
the entries one by one, selected and sized item by item."""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path
from typing import Any

import map_children
import pytest
from map_children import SELECTORS

from handlers.store import LocalStore
from hpc.engine import item_reader, limits, map_items
from hpc.engine.interpreter import Context
from hpc.engine.item_reader import listing

LIST = "arn:aws:states:::s3:listObjectsV2"
NAMES = ["a", "é", "x y", 'q"uote', "back\\slash", "tab\tnl\nend", "€uro", "z" * 40, "日本", "ctl\x01"]


def reader(**config: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {"Resource": LIST, "Parameters": {"Bucket": "data"}}
    if config:
        definition["ReaderConfig"] = config
    item_reader.check(definition, "ItemReader")
    return definition


def random_objects(root: Path, draw: random.Random, count: int) -> None:
    """Objects with keys that JSON escapes or spells in several bytes, sizes and times of varied digit counts."""
    store = LocalStore(root)
    for number in range(count):
        folders = "/".join(draw.choice(NAMES) for _ in range(draw.randrange(0, 3)))
        key = f"{folders}/{draw.choice(NAMES)}{number}" if folders else f"{draw.choice(NAMES)}{number}"
        store.put("data", key, b"x" * draw.choice([0, 1, 9, 10, 12345]))
        seconds = draw.choice([0, 7, 1_000_000_000, 1_795_658_101, 4_102_444_800])
        nanoseconds = draw.choice([0, 1, 999_999_999])
        os.utime(root / "data" / key, ns=(seconds * 10**9 + nanoseconds,) * 2)


def entries(root: Path, definition: dict[str, Any]) -> list[dict[str, Any]]:
    return list(item_reader.read_items(definition, {}, {}, root))


def children_of(items: Any, batcher: dict[str, Any], selector: Any) -> tuple[list[Any], str | None]:
    return map_children.children_of(items, batcher, selector, name="Objects", workload="object-digest")


@pytest.mark.parametrize("seed", range(8))
def test_runs_give_the_entries_of_the_listing_one_by_one(tmp_path: Path, monkeypatch, seed: int):
    monkeypatch.setattr(listing, "RUN_OBJECTS", 7)  # runs end inside folders and batches
    draw = random.Random(seed)
    random_objects(tmp_path, draw, draw.randrange(1, 60))
    runs = list(item_reader.read_items(reader(), {}, {}, tmp_path).runs())
    shipped = [pickle.loads(pickle.dumps(run)) for run in runs]  # entries are made where the run is unpickled
    expected = entries(tmp_path, reader())
    assert [entry for run in shipped for entry in run.rows()] == expected
    assert [size for run in runs for size in run.value_sizes(len(run))] == list(map(limits.payload_size, expected))
    assert sum(run.value_size_bound(len(run)) for run in runs) >= sum(map(limits.payload_size, expected))
    assert min(map(limits.payload_size, expected)) >= listing.ListedRun.layout.value_base


@pytest.mark.parametrize("seed", range(30))
def test_batches_of_listed_runs_are_those_cut_item_by_item(tmp_path: Path, monkeypatch, seed: int):
    # GIVEN objects of varied entry sizes and a byte limit near a few entries' size
    draw = random.Random(seed)
    monkeypatch.setattr(listing, "RUN_OBJECTS", draw.choice([3, 50, 1024]))
    random_objects(tmp_path, draw, draw.randrange(1, 120))
    batcher: dict[str, Any] = {"MaxInputBytesPerBatch": draw.choice([150, 300, 700, 2000, 262_144])}
    if draw.random() < 0.8:
        batcher["MaxItemsPerBatch"] = draw.choice([1, 2, 7, 128])
    selector = draw.choice(SELECTORS)
    # WHEN the Map's children are made from the listing's runs, and from the same entries one by one
    fast = children_of(item_reader.read_items(reader(), {}, {}, tmp_path), batcher, selector)
    general = children_of(iter(entries(tmp_path, reader())), batcher, selector)
    # THEN the children (ids, first indices, item counts, inputs) and any error are the same
    assert fast == general
    del batcher["MaxInputBytesPerBatch"]  # and without the byte limit too
    batcher.setdefault("MaxItemsPerBatch", 50)
    fast = children_of(item_reader.read_items(reader(), {}, {}, tmp_path), batcher, selector)
    assert fast == children_of(iter(entries(tmp_path, reader())), batcher, selector)


def test_a_data_maps_batches_of_a_listing_travel_unmade(tmp_path: Path):
    random_objects(tmp_path, random.Random(1), 300)
    state = {"ItemBatcher": {"MaxItemsPerBatch": 128, "MaxInputBytesPerBatch": 262_144}, "ItemSelector": SELECTORS[1]}
    inputs = map_items.ChildInputs(state, {}, Context())
    source = item_reader.read_items(reader(), {}, {}, tmp_path)
    made = list(map_items.children("Objects", state, source, inputs, map_items.ItemCount()))
    assert [(child[1], len(child[2])) for child in made] == [(0, 128), (128, 128), (256, 44)]
    assert all(isinstance(child[2], listing.ListedRun) for child in made)


def test_an_entry_alone_past_the_byte_limit_fails_naming_its_index_after_the_batches_before(tmp_path: Path):
    store = LocalStore(tmp_path)
    for number in range(10):
        store.put("data", f"k{number}", b"x")
    store.put("data", "k5-/" + "/".join(["y" * 200] * 3), b"x")  # sorts after k5, before k6: item 6
    batcher = {"MaxInputBytesPerBatch": 500, "MaxItemsPerBatch": 2}
    made, error = children_of(item_reader.read_items(reader(), {}, {}, tmp_path), batcher, SELECTORS[1])
    assert [child[1] for child in made] == [0, 2, 4]
    assert error == "Item 6 of state 'Objects' alone exceeds MaxInputBytesPerBatch (500 bytes)"
    assert (made, error) == children_of(iter(entries(tmp_path, reader())), batcher, SELECTORS[1])


def test_runs_stop_at_max_items_without_listing_further(tmp_path: Path, monkeypatch):
    store = LocalStore(tmp_path)
    for number in range(50):
        store.put("data", f"k{number:02d}", b"x")
    monkeypatch.setattr(listing, "RUN_OBJECTS", 4)
    met = []
    listed = listing.listed
    monkeypatch.setattr(listing, "listed", lambda key, stat: met.append(key) or listed(key, stat))
    runs = list(item_reader.read_items(reader(MaxItems=10), {}, {}, tmp_path).runs())
    assert [len(run) for run in runs] == [4, 4, 2]
    assert [entry["Key"] for run in runs for entry in run.rows()] == [f"k{number:02d}" for number in range(10)]
    assert len(met) == 10


def test_a_run_is_read_whole_or_in_slices(tmp_path: Path):
    LocalStore(tmp_path).put("data", "k", b"x")
    (run,) = item_reader.read_items(reader(), {}, {}, tmp_path).runs()
    assert run[:1] == run.rows() and run[:1][0]["Key"] == "k"
    with pytest.raises(TypeError, match="read whole"):
        run[0]  # noqa: B018

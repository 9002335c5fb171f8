"""object-digest: streamed SHA-256, bytes and lines per object, and a set digest equal to `sha256sum`'s."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from handlers import workloads
from handlers.errors import DataChanged, InvalidInput
from handlers.store import LocalStore, ObjectMissing
from handlers.workloads import object_digest

FILES = {"b/two.txt": b"a\nb\n", "a.bin": bytes(range(256)) * 5000, "c": b"", "b/one.txt": b"no newline"}


@pytest.fixture
def params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("HPC_LOCAL_STORE", str(tmp_path))
    for key, body in FILES.items():
        LocalStore(tmp_path).put("data", key, body)
    return workloads.params_for(object_digest, {"data": "s3://data/"})


def entries(*keys: str) -> list[dict]:
    return [
        {"Key": key, "Size": len(FILES[key]), "Etag": '"x"', "LastModified": 0, "StorageClass": "STANDARD"}
        for key in keys
    ]


def test_each_object_gets_its_sha256_bytes_and_lines(params: dict):
    partial = object_digest.compute(entries("b/two.txt", "a.bin"), params)
    assert partial["objects"] == [
        ["a.bin", hashlib.sha256(FILES["a.bin"]).hexdigest(), 1_280_000, FILES["a.bin"].count(b"\n")],
        ["b/two.txt", hashlib.sha256(b"a\nb\n").hexdigest(), 4, 2],
    ]


def test_the_set_digest_is_sha256sum_of_the_sorted_listing_whatever_the_batching(params: dict):
    keys = sorted(FILES)
    singles = [json.loads(json.dumps(object_digest.compute(entries(key), params))) for key in reversed(keys)]
    batched = [object_digest.compute(entries(*keys[:3]), params), object_digest.compute(entries(keys[3]), params)]
    flat = object_digest.present(object_digest.combine(singles), params)
    assert object_digest.present(object_digest.combine(batched), params) == flat
    # what `find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum` prints, from inside the folder
    listing = "".join(f"{hashlib.sha256(FILES[key]).hexdigest()}  {key}\n" for key in sorted(keys, key=str.encode))
    assert flat["result"] == hashlib.sha256(listing.encode()).hexdigest()
    newlines = sum(body.count(b"\n") for body in FILES.values())
    assert (flat["objects"], flat["bytes"], flat["lines"]) == (4, sum(map(len, FILES.values())), newlines)
    assert [entry["key"] for entry in flat["files"]] == keys


def test_an_object_deleted_after_the_listing_fails_naming_it(params: dict, tmp_path: Path):
    (tmp_path / "data" / "c").unlink()
    with pytest.raises(ObjectMissing, match="data/c does not exist"):
        object_digest.compute(entries("c"), params)


def test_an_object_changed_after_the_listing_fails_naming_it(params: dict, tmp_path: Path):
    (tmp_path / "data" / "b" / "two.txt").write_bytes(b"longer now\n")
    with pytest.raises(DataChanged, match="s3://data/b/two.txt holds 11 bytes but was listed with 4"):
        object_digest.compute(entries("b/two.txt"), params)


@pytest.mark.parametrize("item", [{"Key": "k"}, {"Size": 1}, {"Key": 7, "Size": 1}, "k"])
def test_items_that_are_not_listing_entries_are_refused_by_name(item):
    workload = workloads.get("object-digest")
    params = workloads.params_for(workload, {"data": "s3://lake/raw/"})
    with pytest.raises(InvalidInput, match=r"^object-digest reads S3 listing entries \{Key, Size, \.\.\.\}, got "):
        workload.compute([item], params)


def test_the_set_digest_of_many_objects_hashes_every_line_once_in_order():
    # more objects than one block of lines: the digest must still be that of the whole listing, line by line
    entries = [[f"part-{i % 7}/object-{i:06d}", f"{i * 7919:064x}", i, i % 3] for i in range(10_001)]
    expected = hashlib.sha256("".join(f"{h}  {k}\n" for k, h, _, _ in entries).encode()).hexdigest()
    presented = object_digest.present({"objects": entries}, {})
    assert (presented["result"], presented["objects"]) == (expected, 10_001)

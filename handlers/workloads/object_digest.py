"""object-digest: the SHA-256, byte count and line count of every object under a prefix, and one digest of the set.

Each object is streamed in 1 MiB chunks through one buffer reused for the whole batch, so memory per object is
constant whatever its size. Bytes read must match the size the listing gave, or the object changed during the run
(DataChanged, naming it); a missing object (deleted after the listing) fails its batch naming it.

The dataset digest is the SHA-256 of what `sha256sum` prints for the objects in key order -- lines
`<hex digest>  <key>\\n` sorted by key bytes, S3's listing order -- so it does not depend on how items were batched
and anyone can check it without this tool; for a local folder, from inside it:
    find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum
Two copies of a dataset have the same digest exactly when they hold the same keys with the same contents. The
per-object list travels in the partials and ends in the result object (its size grows with the number of objects,
about 150 bytes each, which the sum function holds while it reduces).
"""

from __future__ import annotations

from typing import Any

from handlers import datasets
from handlers.errors import DataChanged, InvalidInput
from handlers.inputs import describe
from handlers.store import LocalStore, Store, store

NAME = "object-digest"
DESCRIPTION = "SHA-256, bytes and lines of every object under a prefix, and one sha256sum-style digest of the set."
OPTIONS: dict[str, str] = {}
SOURCES = ("objects",)
CHUNK_BYTES = 1 << 20

Entry = list[Any]  # [key, sha256 hex, bytes, lines]


def parse(size: None, options: dict[str, Any]) -> dict[str, Any]:
    return {}


def compute(items: list[Any], params: dict[str, Any]) -> dict[str, list[Entry]]:
    reader = _Reader(store(), datasets.locate(params["data"], SOURCES, params["format"]).bucket)
    entries = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("Key"), str) or not isinstance(item.get("Size"), int):
            raise InvalidInput(f"object-digest reads S3 listing entries {{Key, Size, ...}}, got {describe(item)}")
        entries.append(reader.digest(item["Key"], item["Size"]))
    entries.sort(key=lambda entry: entry[0])
    return {"objects": entries}


class _Reader:
    """What digesting a batch's objects shares, made once for the batch: one buffer (a read per chunk, never an
    allocation per chunk), its view, and how an object is opened."""

    def __init__(self, objects: Store, bucket: str) -> None:
        import hashlib  # here, not at the top: the registry imports every workload at each `hpc run`

        self.bucket = bucket
        self.sha256 = hashlib.sha256
        self.buffer = bytearray(CHUNK_BYTES)
        self.view = memoryview(self.buffer)
        # A local file returns what is asked unless it meets its end, so a short read ends it (an S3 body may return
        # less before its end: it is read until it returns nothing); unbuffered, each read is one system call.
        self.local = isinstance(objects, LocalStore)
        self.open = objects.open_file if isinstance(objects, LocalStore) else objects.open

    def digest(self, key: str, listed_size: int) -> Entry:
        """[key, SHA-256 hex, bytes, lines] of one object, streamed through the buffer."""
        sha, buffer, view, whole = self.sha256(), self.buffer, self.view, len(self.buffer)
        size = lines = 0
        stream = self.open(self.bucket, key)
        try:
            while read := stream.readinto(buffer):
                sha.update(view[:read])  # hashlib releases the GIL and reads the buffer in place
                lines += buffer.count(b"\n", 0, read)
                size += read
                if read < whole and self.local:
                    break
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if size != listed_size:
            raise DataChanged(
                f"s3://{self.bucket}/{key} holds {size} bytes but was listed with {listed_size}: it changed during "
                "the run"
            )
        return [key, sha.hexdigest(), size, lines]


LINES_HASHED_AT_ONCE = 4096  # sha256sum lines joined into one update: ~0.5 MB of text at a time


def combine(partials: list[dict[str, list[Entry]]]) -> dict[str, list[Entry]]:
    import itertools
    from operator import itemgetter

    # Each partial is sorted by key: the sort finds those runs and merges them in C, ten times faster than a
    # heapq.merge calling back into Python for every entry; stable, so equal keys keep the partials' order as well.
    every = itertools.chain.from_iterable(partial["objects"] for partial in partials)
    return {"objects": sorted(every, key=itemgetter(0))}


def present(partial: dict[str, list[Entry]], params: dict[str, Any]) -> dict[str, Any]:
    entries = partial["objects"]
    import hashlib

    listing = hashlib.sha256()
    for start in range(0, len(entries), LINES_HASHED_AT_ONCE):  # one update per block of lines, not per line
        block = entries[start : start + LINES_HASHED_AT_ONCE]
        listing.update("".join([f"{hex_digest}  {key}\n" for key, hex_digest, _, _ in block]).encode())
    return {
        "result": listing.hexdigest(),
        "objects": len(entries),
        "bytes": sum(entry[2] for entry in entries),
        "lines": sum(entry[3] for entry in entries),
        "files": [
            {"key": key, "sha256": hex_digest, "bytes": size, "lines": count}
            for key, hex_digest, size, count in entries
        ],
    }

"""`arn:aws:states:::s3:listObjectsV2`: one item per object under a prefix, in S3's listing order (ascending UTF-8
bytes of the key), each the listing entry Step Functions passes on:

    {"Etag": "\"<32 hex digits>\"", "Key": "<key>", "LastModified": <epoch seconds>, "Size": <bytes>,
     "StorageClass": "STANDARD"}

The local store has no ETag to give: it derives an opaque one from the file's identity, size and modification time
(S3's own ETag is not an MD5 of the data for multipart or KMS-encrypted objects either, so nothing may rely on that),
which changes whenever the file does, without reading the data. Parameters: Bucket (required), Prefix. ReaderConfig:
MaxItems. An empty prefix is a Map over no items, as in AWS; a missing bucket fails with NoSuchBucket.

The entries come one by one, or in runs (`Listing.runs()`, what a batching Map reads): a `ListedRun` holds each
object as what its entry is made of -- its key and stat fields (`listed`) -- and the entry's JSON size, which follows
from them, so a Map can cut byte-limited batches without making a single entry (hpc.engine.map_items). Whoever needs
the entries, a Map's worker usually, makes them (`ListedRun.rows()`, the ETag's MD5 included): exactly the entries
the one-by-one path gives.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

from hpc.engine import checks, limits
from hpc.engine.item_reader import objects

PARAMETERS = ("Bucket", "Prefix")
REQUIRED = ("Bucket",)
STORAGE_CLASS = "STANDARD"
RUN_OBJECTS = 1024  # objects listed before a run is handed on

# An object as listed: key, st_dev, st_ino, st_size, st_mtime_ns, LastModified (int(st_mtime), computed where the
# stat is: from st_mtime_ns it could round differently).
Listed = tuple[str, int, int, int, int, int]


def check_config(config: dict[str, Any], where: str) -> None:
    checks.only(config, ("MaxItems", "MaxItemsPath"), where)
    objects.check_max_items(config, where)


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Listing:
    return Listing(reader, data, context, store_root)


class Listing:
    """The entries, listed lazily (nothing is walked until they are asked for): one by one (an iterator), or
    `runs()`."""

    def __init__(self, reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> None:
        self.reader = reader
        self.data = data
        self.context = context
        self.store_root = store_root
        self._entries: Iterator[dict[str, Any]] | None = None

    def __iter__(self) -> Listing:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = itertools.starmap(entry_of, self._listed())
        return next(self._entries)

    def runs(self) -> Iterator[ListedRun]:
        """The objects in order, in runs of up to RUN_OBJECTS; MaxItems applied."""
        listed = self._listed()
        while run := list(itertools.islice(listed, RUN_OBJECTS)):
            yield ListedRun(run)

    def _listed(self) -> Iterator[Listed]:
        bucket, prefix = objects.parameters(self.reader, self.data, self.context, PARAMETERS)
        store = objects.store_for(self.store_root)
        if not (store.root / bucket).is_dir():
            raise objects.failed(
                f"The specified bucket does not exist. (Service: S3, Status Code: 404, Error Code: NoSuchBucket) "
                f"Bucket: {bucket}"
            )
        walked = itertools.starmap(listed, store.walk(bucket, prefix))  # no Python frame between the walk and listed
        try:
            yield from objects.capped(walked, self.reader.get("ReaderConfig", {}))
        except PermissionError as error:
            raise objects.failed(
                f"Access Denied (Service: S3, Status Code: 403, Error Code: AccessDenied) listing {bucket}/{prefix}: "
                f"{error.filename}"
            ) from None


def listed(key: str, stat: os.stat_result) -> Listed:
    """What the object's entry is made of, taken when the listing meets it."""
    return key, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, int(stat.st_mtime)


def entry_of(key: str, device: int, inode: int, size: int, mtime_ns: int, last_modified: int) -> dict[str, Any]:
    """The listing entry of a listed object."""
    import hashlib  # here: a run without a listing reader never pays for it

    identity = b"%d:%d:%d:%d" % (device, inode, size, mtime_ns)
    return _entry('"' + hashlib.md5(identity, usedforsecurity=False).hexdigest() + '"', key, last_modified, size)


def _entry(etag: str, key: str, last_modified: int, size: int) -> dict[str, Any]:
    return {"Etag": etag, "Key": key, "LastModified": last_modified, "Size": size, "StorageClass": STORAGE_CLASS}


class _Layout:
    """What map_items needs of a run's items beyond their sizes: `value_base`, the JSON size of the smallest entry
    (an empty key, LastModified and Size of one digit)."""

    value_base = limits.payload_size(_entry('"' + "0" * 32 + '"', "", 0, 0))  # an ETag is always 32 hex digits


class ListedRun:
    """Listed objects whose entries are not made yet. In the listing process a run is a view of a list of objects
    and of their entries' JSON sizes (cutting batches off it copies nothing); sent to a worker, it travels as its
    objects alone."""

    __slots__ = ("objects", "sizes", "start", "stop")
    layout = _Layout

    def __init__(self, objects: list[Listed], sizes: list[int] | None = None, start: int = 0, stop: int | None = None):
        self.objects = objects
        self.sizes = sizes
        self.start = start
        self.stop = len(objects) if stop is None else stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, part: slice) -> list[dict[str, Any]]:
        if not isinstance(part, slice):
            raise TypeError("a run of listed objects is read whole (rows()) or in slices")
        return self.rows()[part]

    def __reduce__(self) -> tuple[Any, ...]:
        return ListedRun, (self.objects[self.start : self.stop],)

    def rows(self) -> list[dict[str, Any]]:
        """The listing entries of these objects."""
        return list(itertools.starmap(entry_of, self.objects[self.start : self.stop]))

    def split(self, count: int) -> tuple[ListedRun, ListedRun]:
        """The first `count` objects and the rest (sharing the sizes, if they were made)."""
        middle = self.start + count
        sizes = self.sizes
        return ListedRun(self.objects, sizes, self.start, middle), ListedRun(self.objects, sizes, middle, self.stop)

    def joined(self, other: ListedRun) -> ListedRun:
        objects = self.objects[self.start : self.stop] + other.objects[other.start : other.stop]
        return ListedRun(objects)

    def value_size_bound(self, count: int) -> int:
        """At least the total JSON size of the first `count` entries, without making their sizes: a key's JSON is at
        most its quotes and 6 characters a byte (every byte escaped as \\u00XX), LastModified and Size at most 20
        digits each. A batch far below its byte limit (128 entries against 255 KiB) is then taken at once; near the
        limit the exact sizes decide."""
        objects = self.objects[self.start : self.start + count]
        key_bytes = sum(map(len, map(str.encode, map(itemgetter(0), objects))))
        return len(objects) * (_Layout.value_base - 4 + 2 + 20 + 20) + 6 * key_bytes

    def value_sizes(self, count: int) -> list[int]:
        """The JSON size of each of the first `count` entries, exactly."""
        return self._sizes()[self.start : self.start + count]

    def _sizes(self) -> list[int]:
        # An entry's JSON is written part by part: the smallest entry's size, plus what its key, LastModified and
        # Size take beyond an empty key's quotes and one digit each. Made once for the whole list, in C-level maps.
        if self.sizes is None:
            fixed = _Layout.value_base - 4
            key_sizes = map(limits.utf8_size, map(limits.quoted, map(itemgetter(0), self.objects)))
            time_digits = map(len, map(int.__repr__, map(itemgetter(5), self.objects)))
            size_digits = map(len, map(int.__repr__, map(itemgetter(3), self.objects)))
            parts = zip(key_sizes, time_digits, size_digits, strict=True)
            self.sizes = [fixed + key + time + size for key, time, size in parts]
        return self.sizes

"""ResultWriter `arn:aws:states:::s3:putObject`: a Map Run's child records, written as AWS writes them.

Under `<Prefix>/<mapRunId>/` in the bucket: SUCCEEDED_n.json, FAILED_n.json and PENDING_n.json, each a JSON array of
child records in child order (n from 0, a new file whenever the next record would take the current one past 5 GB; a
kind without records gets no file), then manifest.json:

    {"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [{"Key", "Size"}], "PENDING": [], "SUCCEEDED": []}}

where every kind is present, as an empty list when it has no file. Records arrive already encoded (the workers build
them) while the Map runs; a RecordSpool keeps them in a temporary file rather than in memory, so a million children
cost the parent a few bytes each, whatever their records' sizes. At the end each kind is streamed from the spool into
its files. Every file is written under a temporary name in its final directory and renamed into place, as
handlers.store.LocalStore.put (the store the sum handler reads) does, so a reader never sees half a file. A write that
fails raises States.ResultWriterFailed. WriterConfig (COMPACT/FLATTEN, JSONL) is refused by validation.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from handlers.store import LocalStore
from hpc.engine.errors import StatesError

KINDS = ("FAILED", "PENDING", "SUCCEEDED")
WRITE_ORDER = ("SUCCEEDED", "FAILED", "PENDING")
MAX_FILE_BYTES = 5 * 1024**3
# Records next to each other in the spool and in child order are read (and written) together, about this much at once.
RUN_BYTES = 1024 * 1024
HELD_BYTES = 8 * 1024 * 1024  # records that arrive ahead of their turn, held in memory up to this much, then spooled
WRITE_BYTES = 256 * 1024  # records joined into one write (a few small records each cost a write otherwise)
TEMPORARY_PREFIX = ".put-"  # LocalStore's own prefix for half-written objects, which its listing skips
_ABSENT = 0xFF


def result_directory(prefix: str, map_run_id: str) -> str:
    return f"{prefix.rstrip('/')}/{map_run_id}" if prefix else map_run_id


class Joined(NamedTuple):
    """Records of consecutive children, as a result file holds them: joined by commas (`lengths`: each record's)."""

    text: bytes
    lengths: list[int]

    def records(self) -> Iterator[bytes]:
        start = 0
        for length in self.lengths:
            yield self.text[start : start + length]
            start += length + 1


class RecordSpool:
    """Each child's encoded record, appended to a temporary file as it arrives; read back by status in child order.
    Each record is followed by a comma in the file, so records that arrived in child order lie there exactly as a
    result file holds them, and `joined` reads such a run in one piece.

    The records of status `ordered` (SUCCEEDED) also go, as soon as every child before theirs has reported, into a
    second file that is their result file as it grows ("[" and each record with its comma): those that arrive ahead
    of their turn wait in memory (at most HELD_BYTES, the rest in the spool). When the Map ends with every child
    reported, that file becomes the kind's result file by a link (`link_whole`), not by copying it: at a gigabyte of
    rows, copying the records once more after the last child took longer than the sum.

    Memory per child is its status (a byte), which file holds its record and where (a byte, two 8-byte integers),
    whatever the records' sizes. The files never have a name (tempfile.TemporaryFile), so nothing is left behind
    however the run ends, a killed process included; closing them (the with block) frees their space.
    """

    def __init__(self, directory: Path, count: int = 0, ordered: int | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=directory, prefix=".spool-")  # noqa: SIM115 - closed by __exit__
        self._ordered_status = ordered
        self._ordered = None if ordered is None else _linkable_file(directory)
        self._status = bytearray([_ABSENT]) * count  # grown as children arrive when their count is not known
        self._in_ordered = bytearray(count)  # 1: the child's record is in the ordered file, else in the spool
        self._offsets = array("q", bytes(8 * count))
        self._lengths = array("q", bytes(8 * count))
        self._end = 0
        self._ordered_end = 0
        self._next = 0  # the first child whose record has not passed to the ordered file (or been skipped)
        self._last = -1  # the highest child reported
        self._held: dict[int, bytes] = {}
        self._held_bytes = 0
        if self._ordered is not None:
            self._ordered.write(b"[")
            self._ordered_end = 1

    def __enter__(self) -> RecordSpool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._file.close()
        if self._ordered is not None:
            self._ordered.close()

    def add(self, child: int, status: int, record: bytes) -> None:
        if child >= len(self._status):
            grow = max(child + 1 - len(self._status), len(self._status), 1024)
            self._status.extend(bytes([_ABSENT]) * grow)
            self._in_ordered.extend(bytes(grow))
            self._offsets.extend(array("q", bytes(8 * grow)))
            self._lengths.extend(array("q", bytes(8 * grow)))
        self._status[child] = status
        self._last = max(self._last, child)
        if status == self._ordered_status and child == self._next:
            self._append_ordered(child, record)
        elif status == self._ordered_status and child > self._next and self._held_bytes + len(record) <= HELD_BYTES:
            self._held[child] = record  # ahead of its turn
            self._held_bytes += len(record)
        else:
            self._spool(child, record)
        self._advance()

    def _spool(self, child: int, record: bytes) -> None:
        self._file.write(record)
        self._file.write(b",")
        self._offsets[child] = self._end
        self._lengths[child] = len(record)
        self._end += len(record) + 1

    def _append_ordered(self, child: int, record: bytes) -> None:
        assert self._ordered is not None
        self._ordered.write(record)
        self._ordered.write(b",")
        self._in_ordered[child] = 1
        self._offsets[child] = self._ordered_end
        self._lengths[child] = len(record)
        self._ordered_end += len(record) + 1

    def _advance(self) -> None:
        """Move every reported child from the front on: its record to the ordered file, or past it (another status)."""
        status, ordered = self._status, self._ordered_status
        while self._next < len(status) and status[self._next] != _ABSENT:
            child = self._next
            if status[child] == ordered and not self._in_ordered[child]:
                record = self._held.pop(child, None)
                if record is None:  # spooled: it arrived when the held records were at their limit
                    self._file.flush()
                    record = os.pread(self._file.fileno(), self._lengths[child], self._offsets[child])
                else:
                    self._held_bytes -= len(record)
                self._append_ordered(child, record)
            self._next += 1

    def link_whole(self, path: Path, max_bytes: int) -> int | None:
        """Make the ordered file the result file `path`, when it holds every record of its status (every child
        reported) within `max_bytes`; its size, or None when it does not (the records are then read as `joined`)."""
        if self._ordered is None or self._next <= self._last or self._ordered_end <= 1 or self._ordered_end > max_bytes:
            return None
        self._ordered.flush()
        descriptor = self._ordered.fileno()
        os.pwrite(descriptor, b"]", self._ordered_end - 1)  # the last record's comma closes the array
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            root = os.open("/", os.O_RDONLY)
            try:  # an unnamed file gets its name, complete, at once (a directory fd makes os.link follow /proc's link)
                os.link(f"/proc/self/fd/{descriptor}", path, src_dir_fd=root, follow_symlinks=True)
            finally:
                os.close(root)
        except OSError:
            os.pwrite(descriptor, b",", self._ordered_end - 1)
            return None  # no /proc, or a file system without unnamed files: the records are copied instead
        return self._ordered_end

    def _spill_held(self) -> None:
        """Spool the records still waiting for their turn (some child before them never reported)."""
        for child in sorted(self._held):
            self._spool(child, self._held[child])
        self._held.clear()
        self._held_bytes = 0

    def _descriptor(self, child: int) -> int:
        return self._ordered.fileno() if self._in_ordered[child] else self._file.fileno()  # type: ignore[union-attr]

    def _flushed(self) -> None:
        self._spill_held()
        self._file.flush()
        if self._ordered is not None:
            self._ordered.flush()

    def records(self, status: int) -> Iterator[bytes]:
        """The records of the children with `status`, in child order, one by one (read a run at a time: `joined`)."""
        for run in self.joined(status):
            yield from run.records()

    def joined(self, status: int) -> Iterator[Joined]:
        """The records of the children with `status`, in child order, in runs: consecutive children whose records
        follow each other in the spool come as one Joined of at most about RUN_BYTES, read at once."""
        self._flushed()
        lengths: list[int] = []
        first = end = 0  # the run's first byte in its file, and where its last record ends
        descriptor = -1
        for child, child_status in enumerate(self._status):
            if child_status != status:
                continue
            offset, length, where = self._offsets[child], self._lengths[child], self._descriptor(child)
            if lengths and (where != descriptor or offset != end + 1 or end - first >= RUN_BYTES):
                yield self._read(descriptor, first, end, lengths)
                lengths = []
            if not lengths:
                first, descriptor = offset, where
            lengths.append(length)
            end = offset + length
        if lengths:
            yield self._read(descriptor, first, end, lengths)

    @staticmethod
    def _read(descriptor: int, first: int, end: int, lengths: list[int]) -> Joined:
        text = os.pread(descriptor, end - first, first)
        if len(text) < end - first:
            raise OSError("the record spool ends before a record it holds")
        return Joined(text, lengths)


def _linkable_file(directory: Path) -> Any:
    """An unnamed file in `directory` that may be given a name later (O_TMPFILE without O_EXCL, which
    tempfile.TemporaryFile adds); a plain temporary file where the system has no such files (never linked then)."""
    try:
        return open(os.open(directory, os.O_TMPFILE | os.O_RDWR, 0o600), "w+b")  # noqa: SIM115 - closed by __exit__
    except (AttributeError, OSError):
        return tempfile.TemporaryFile(dir=directory, prefix=".ordered-")  # noqa: SIM115


class _AtomicFile:
    """Object `key` of the store, written under a temporary name in its final directory and renamed into place once
    complete."""

    def __init__(self, store: LocalStore, bucket: str, key: str) -> None:
        path = store.path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, self._temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
        self._file = os.fdopen(descriptor, "wb")
        self._path = path
        self.key = key
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def commit(self) -> int:
        self._file.close()
        os.replace(self._temporary, self._path)
        return self.size

    def discard(self) -> None:
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._temporary)


def write_kind(
    store: LocalStore, bucket: str, directory: str, kind: str, records: Iterable[bytes | Joined], max_bytes: int
) -> list[dict[str, Any]]:
    """Stream `records` into JSON arrays `<directory>/<kind>_n.json`, each at most `max_bytes` unless one record is
    larger; the manifest entries ({"Key", "Size"}) of the files written. A Joined run of records goes whole into the
    current file when it fits there, else record by record."""
    entries: list[dict[str, Any]] = []
    current: _AtomicFile | None = None
    pending: list[bytes] = []  # records for `current`, written together, about WRITE_BYTES at a time
    size = written = 0  # of `current` with its pending records (without the closing "]"), and without them

    def flush() -> None:
        assert current is not None
        nonlocal written
        if pending:
            if current.size > 1:
                current.write(b",")
            current.write(pending[0] if len(pending) == 1 else b",".join(pending))  # a large run is not copied again
            pending.clear()
            written = size

    def pieces() -> Iterator[bytes]:
        for piece in records:
            if not isinstance(piece, Joined):
                yield piece
            elif (size + 2 if current is not None else 2) + len(piece.text) <= max_bytes:  # fits where it goes
                yield piece.text
            else:
                yield from piece.records()

    try:
        for record in pieces():
            # Once closed a file holds what is written plus "]"; the next record adds a comma and itself.
            if current is not None and size + 2 + len(record) > max_bytes:
                flush()
                entries.append(_close(current))
                current = None
            if current is None:
                current = _AtomicFile(store, bucket, f"{directory}/{kind}_{len(entries)}.json")
                current.write(b"[")
                size, written = 1 + len(record), 1
            else:
                size += 1 + len(record)
            pending.append(record)
            if size - written >= WRITE_BYTES:
                flush()
        if current is not None:
            flush()
            entries.append(_close(current))
            current = None
    finally:
        if current is not None:
            current.discard()
    return entries


def _close(file: _AtomicFile) -> dict[str, Any]:
    file.write(b"]")
    return {"Key": file.key, "Size": file.commit()}


def write_results(
    store_root: Path,
    bucket: str,
    prefix: str,
    map_run_id: str,
    map_run_arn: str,
    records: Mapping[str, Iterable[bytes | Joined]],
    *,
    max_file_bytes: int | None = None,
    whole: tuple[str, Callable[[Path, int], int | None]] | None = None,
) -> str:
    """Write the result files from each kind's encoded records (any iterable, consumed once), then the manifest;
    the manifest's key. `whole`: a kind and what links that kind's whole file into place if it can (RecordSpool's
    link_whole); its records are then not read."""
    store = LocalStore(store_root)
    directory = result_directory(prefix, map_run_id)
    files: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    limit = max_file_bytes or MAX_FILE_BYTES
    try:
        for kind in WRITE_ORDER:
            if whole is not None and whole[0] == kind:
                key = f"{directory}/{kind}_0.json"
                size = whole[1](store.path(bucket, key), limit)
                if size is not None:
                    files[kind] = [{"Key": key, "Size": size}]
                    continue
            files[kind] = write_kind(store, bucket, directory, kind, records.get(kind, ()), limit)
        manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
        manifest_key = f"{directory}/manifest.json"
        store.put(bucket, manifest_key, json.dumps(manifest, separators=(",", ":")).encode())
    except (OSError, ValueError) as error:
        raise StatesError(
            "States.ResultWriterFailed", f"Cannot write results to s3://{bucket}/{directory}/: {error}"
        ) from None
    return manifest_key

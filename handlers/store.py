"""Object storage for the handlers: S3 in Lambda, a local directory under the local engine.

Both sides speak the same three verbs, so the start and sum handlers (and the local engine's ItemReader and
ResultWriter) run the same code whichever store is behind them. The local engine selects the directory store by
setting HPC_LOCAL_STORE to a directory; bucket `B`, key `K` then live at `<dir>/B/K`.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, TypeVar

LOCAL_STORE_ENV = "HPC_LOCAL_STORE"


class ObjectMissing(LookupError):
    """The object does not exist (S3 NoSuchKey, or no such file in the local store)."""


class AccessDenied(PermissionError):
    """S3 refused the request (403). Without s3:ListBucket on a key's prefix S3 also answers 403 for a missing key."""


_Opened = TypeVar("_Opened", io.BufferedReader, io.FileIO)


class Stream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...  # positional: S3 bodies and files name it differently
    def readinto(self, buffer: bytearray, /) -> int: ...  # into a buffer the caller reuses: no allocation per read


Body = bytes | Iterable[bytes]  # an object's content, whole or as chunks written in turn (never all held at once)


class Store(Protocol):
    def open(self, bucket: str, key: str) -> Stream: ...
    def put(self, bucket: str, key: str, body: Body) -> None: ...
    def list(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]: ...


class S3Store:
    def __init__(self, client: Any = None) -> None:
        if client is None:
            import boto3  # imported here so the local engine never pays for it

            client = boto3.client("s3")
        self.client = client

    def open(self, bucket: str, key: str) -> Stream:
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
            return body if hasattr(body, "readinto") else _ReadInto(body)
        except self.client.exceptions.NoSuchKey:
            raise ObjectMissing(f"s3://{bucket}/{key} does not exist") from None
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("AccessDenied", "403"):
                raise
            if self._absent(bucket, key):
                raise ObjectMissing(f"s3://{bucket}/{key} does not exist") from None
            raise AccessDenied(
                f"s3://{bucket}/{key}: access denied (the role may not read it, or it no longer exists: without "
                "s3:ListBucket S3 answers 403 for a missing key)"
            ) from None

    def _absent(self, bucket: str, key: str) -> bool:
        """Whether a listing shows `key` missing (False when the listing is not allowed either).

        S3 answers a GetObject of a missing key with 403, not 404, unless s3:ListBucket applies to that request. The
        sum role's ListBucket is conditioned on `s3:prefix` (least privilege: results/ only), a key a GetObject never
        carries, so for it every missing result file is a 403. A ListObjectsV2 with the key as its prefix does carry
        it, and its first entry is the key itself if the key exists; a real lack of permission stays AccessDenied.
        """
        try:
            listed = self.client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        except self.client.exceptions.ClientError:
            return False
        return not any(entry["Key"] == key for entry in listed.get("Contents", []))

    def put(self, bucket: str, key: str, body: Body) -> None:
        if isinstance(body, bytes):
            self.client.put_object(Bucket=bucket, Key=key, Body=body)
        else:
            # boto3's managed upload reads the chunks as a file, in parts of a few MB (multipart past 8 MB).
            self.client.upload_fileobj(_ChunkFile(body), bucket, key)

    def list(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"], entry["Size"]


class LocalStore:
    """Bucket `B`, key `K` at `<root>/B/K`. A bucket may be a symbolic link to a folder elsewhere: that is how a local
    dataset is mounted (hpc.local), and such a bucket is read-only."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._root_text = str(self.root)

    def path(self, bucket: str, key: str) -> Path:
        return Path(self._file(bucket, key))

    def _file(self, bucket: str, key: str) -> str:
        # Checked lexically, not by resolving links, so a mounted bucket may point outside the store. Plain strings,
        # not pathlib: a data job opens every object through here, and pathlib cost more than a small file's read.
        if not bucket or "/" in bucket or bucket in (".", "..") or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"bucket {bucket!r} and key {key!r} must stay inside the local store")
        return f"{self._root_text}/{bucket}/{key}"

    def open(self, bucket: str, key: str) -> io.BufferedReader:
        return self._opened(bucket, key, lambda path: open(path, "rb"))  # noqa: SIM115 - the caller closes it

    def open_file(self, bucket: str, key: str) -> io.FileIO:
        """The file itself, unbuffered, for a caller that reads it whole in large reads: each read is one system call,
        and no buffer object is made per object (object-digest opens thousands of small ones)."""
        return self._opened(bucket, key, io.FileIO)

    def _opened(self, bucket: str, key: str, opener: Callable[[str], _Opened]) -> _Opened:
        try:
            return opener(self._file(bucket, key))
        except IsADirectoryError:  # open() refuses a folder itself, so no stat is needed before it
            raise ObjectMissing(f"{self.name(bucket, key)} is a folder, not an object") from None
        except FileNotFoundError:
            where = "" if (self.root / bucket).is_symlink() else f" in the local store {self.root}"
            raise ObjectMissing(f"{self.name(bucket, key)} does not exist{where}") from None

    def put(self, bucket: str, key: str, body: Body) -> None:
        # Write then rename, so a reader never sees half an object (S3 puts are atomic too).
        if (self.root / bucket).is_symlink():
            raise PermissionError(f"bucket {bucket!r} is a mounted dataset and read-only")
        path = self.path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in [body] if isinstance(body, bytes) else body:
                    out.write(chunk)
        except BaseException:
            os.unlink(temporary)
            raise
        os.replace(temporary, path)

    def list(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        for key, stat in self.walk(bucket, prefix):
            yield key, stat.st_size

    def walk(self, bucket: str, prefix: str) -> Iterator[tuple[str, os.stat_result]]:
        """(key, stat) of every object whose key starts with `prefix`, in S3's listing order (ascending UTF-8 bytes
        of the key), holding one folder's entries at a time. Half-written `.put-` files are skipped; links to files
        are followed, links to folders are not (S3 has no links, and a loop would never end)."""
        base = self.root / bucket
        folder, _, _ = prefix.rpartition("/")
        start = base / folder if folder else base
        if not base.is_dir() or not start.is_dir() or ".." in PurePosixPath(folder).parts:
            return
        # One generator whatever the depth (a stack of folders being read, deepest last): nested generators would
        # cost every object one resumption per level.
        stack = [iter(_folder_entries(str(start), folder + "/" if folder else "", prefix))]
        while stack:
            for sort_key, is_folder, entry in stack[-1]:
                if is_folder:
                    stack.append(iter(_folder_entries(entry.path, sort_key, prefix)))
                    break
                try:
                    yield sort_key, entry.stat()
                except FileNotFoundError:
                    continue  # deleted while listing: S3's listing would not show it either
            else:
                stack.pop()

    def name(self, bucket: str, key: str) -> str:
        """How messages name an object: `s3://B/K`, or the file's own path for a mounted dataset."""
        mount = self.root / bucket
        if mount.is_symlink():
            return str(Path(os.readlink(mount)) / key)
        return f"s3://{bucket}/{key}"


def _folder_entries(folder: str, key_prefix: str, wanted: str) -> list[tuple[str, bool, os.DirEntry[str]]]:
    """(sort key, is a folder, entry) of one folder's objects and subfolders that may hold keys starting with
    `wanted`, in S3's order."""
    with os.scandir(folder) as listing:
        entries = []
        for entry in listing:
            if entry.name.startswith(".put-"):
                continue
            is_folder = entry.is_dir(follow_symlinks=False)
            if not is_folder and not entry.is_file():
                continue  # a broken link, a socket, a link to a folder
            key = key_prefix + entry.name
            # S3 compares whole keys: a folder's objects sort as "<name>/...", so "a-b" comes before "a/x".
            sort_key = key + "/" if is_folder else key
            if sort_key.startswith(wanted) or (is_folder and wanted.startswith(sort_key)):
                entries.append((sort_key, is_folder, entry))
    entries.sort(key=itemgetter(0))  # str order is code point order, the same as UTF-8 byte order
    return entries


class _ReadInto:
    """A body that can only `read` (botocore's StreamingBody before 1.38, which a Lambda runtime may still bundle),
    given `readinto` as well."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def read(self, *size: int) -> bytes:
        return self._body.read(*size)  # type: ignore[no-any-return]

    def readinto(self, buffer: bytearray, /) -> int:
        chunk = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        getattr(self._body, "close", lambda: None)()


class _ChunkFile(io.RawIOBase):
    """Chunks of bytes read as one file, for uploads that take a file object."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def store() -> Store:
    """The store for this process: local when HPC_LOCAL_STORE is set, else S3."""
    root = os.environ.get(LOCAL_STORE_ENV)
    return LocalStore(root) if root else _s3_store()


@cache
def _s3_store() -> S3Store:
    # One client per Lambda container, reused across invocations.
    return S3Store()

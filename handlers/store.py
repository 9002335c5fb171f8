"""Object storage for the handlers: S3 in Lambda, a local directory under the local engine.

Both sides speak the same three verbs, so the start and sum handlers (and the local engine's ItemReader and
ResultWriter) run the same code whichever store is behind them. The local engine selects the directory store by
setting HPC_LOCAL_STORE to a directory; bucket `B`, key `K` then live at `<dir>/B/K`.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any, Protocol

LOCAL_STORE_ENV = "HPC_LOCAL_STORE"


class ObjectMissing(LookupError):
    """The object does not exist (S3 NoSuchKey, or no such file in the local store)."""


class Stream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...  # positional: S3 bodies and files name it differently


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
            return self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except self.client.exceptions.NoSuchKey:
            raise ObjectMissing(f"s3://{bucket}/{key} does not exist") from None

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
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, bucket: str, key: str) -> Path:
        path = (self.root / bucket / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key {key!r} escapes the local store")
        return path

    def open(self, bucket: str, key: str) -> IO[bytes]:
        try:
            return self.path(bucket, key).open("rb")
        except FileNotFoundError:
            raise ObjectMissing(f"{bucket}/{key} does not exist in the local store {self.root}") from None

    def put(self, bucket: str, key: str, body: Body) -> None:
        # Write then rename, so a reader never sees half an object (S3 puts are atomic too).
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
        base = self.root / bucket
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            key = path.relative_to(base).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith(".put-"):
                yield key, path.stat().st_size


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

"""Object storage for the handlers: S3 in Lambda, a local directory under the local engine.

Both sides speak the same three verbs, so the start and sum handlers (and the local engine's ItemReader and
ResultWriter) run the same code whichever store is behind them. The local engine selects the directory store by
setting HPC_LOCAL_STORE to a directory; bucket `B`, key `K` then live at `<dir>/B/K`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any, Protocol

LOCAL_STORE_ENV = "HPC_LOCAL_STORE"


class ObjectMissing(LookupError):
    """The object does not exist (S3 NoSuchKey, or no such file in the local store)."""


class Stream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...  # positional: S3 bodies and files name it differently


class Store(Protocol):
    def open(self, bucket: str, key: str) -> Stream: ...
    def put(self, bucket: str, key: str, body: bytes) -> None: ...
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

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=body)

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

    def put(self, bucket: str, key: str, body: bytes) -> None:
        # Write then rename, so a reader never sees half an object (S3 puts are atomic too).
        path = self.path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        os.replace(temporary, path)

    def list(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        base = self.root / bucket
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            key = path.relative_to(base).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith(".put-"):
                yield key, path.stat().st_size


def store() -> Store:
    """The store for this process: local when HPC_LOCAL_STORE is set, else S3."""
    root = os.environ.get(LOCAL_STORE_ENV)
    return LocalStore(root) if root else _s3_store()


@cache
def _s3_store() -> S3Store:
    # One client per Lambda container, reused across invocations.
    return S3Store()

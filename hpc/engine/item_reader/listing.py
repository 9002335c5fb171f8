"""`arn:aws:states:::s3:listObjectsV2`: one item per object under a prefix, in S3's listing order (ascending UTF-8
bytes of the key), each the listing entry Step Functions passes on:

    {"Etag": "\"<32 hex digits>\"", "Key": "<key>", "LastModified": <epoch seconds>, "Size": <bytes>,
     "StorageClass": "STANDARD"}

The local store has no ETag to give: it derives an opaque one from the file's identity, size and modification time
(S3's own ETag is not an MD5 of the data for multipart or KMS-encrypted objects either, so nothing may rely on that),
which changes whenever the file does, without reading the data. Parameters: Bucket (required), Prefix. ReaderConfig:
MaxItems. An empty prefix is a Map over no items, as in AWS; a missing bucket fails with NoSuchBucket.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hpc.engine import checks
from hpc.engine.item_reader import objects

PARAMETERS = ("Bucket", "Prefix")
REQUIRED = ("Bucket",)
STORAGE_CLASS = "STANDARD"


def check_config(config: dict[str, Any], where: str) -> None:
    checks.only(config, ("MaxItems", "MaxItemsPath"), where)
    objects.check_max_items(config, where)


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[Any]:
    bucket, prefix = objects.parameters(reader, data, context, PARAMETERS)
    store = objects.store_for(store_root)
    if not (store.root / bucket).is_dir():
        raise objects.failed(
            f"The specified bucket does not exist. (Service: S3, Status Code: 404, Error Code: NoSuchBucket) "
            f"Bucket: {bucket}"
        )
    entries = itertools.starmap(entry, store.walk(bucket, prefix))  # no Python frame between the walk and entry
    try:
        yield from objects.capped(entries, reader.get("ReaderConfig", {}))
    except PermissionError as error:
        raise objects.failed(
            f"Access Denied (Service: S3, Status Code: 403, Error Code: AccessDenied) listing {bucket}/{prefix}: "
            f"{error.filename}"
        ) from None


def entry(key: str, stat: os.stat_result) -> dict[str, Any]:
    import hashlib  # here: a run without a listing reader never pays for it

    identity = b"%d:%d:%d:%d" % (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return {
        "Etag": '"' + hashlib.md5(identity, usedforsecurity=False).hexdigest() + '"',
        "Key": key,
        "LastModified": int(stat.st_mtime),
        "Size": stat.st_size,
        "StorageClass": STORAGE_CLASS,
    }

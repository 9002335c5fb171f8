"""ItemReader `arn:aws:states:::s3:getObject`: the Map's items from one object in the local store.

InputType JSON (the object is one JSON array) or JSONL (one JSON value per line; blank lines skipped), capped by
ReaderConfig.MaxItems. Parameters Bucket and Key may be static or `.$` paths/intrinsics on the Map's input. The
object is read through handlers.store.LocalStore, the store the handlers themselves write with, so the start
handler's `items/<execution>.json` is found exactly where S3 would have it. A missing or malformed object fails the
Map with States.ItemReaderFailed. CSV, Parquet, manifests and listObjectsV2 are refused by validation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from handlers.store import LocalStore, ObjectMissing
from hpc.engine import templates
from hpc.engine.errors import StatesError


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> list[Any]:
    parameters = templates.evaluate(reader["Parameters"], data, context)
    bucket, key = parameters.get("Bucket"), parameters.get("Key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise StatesError("States.ItemReaderFailed", f"Bucket and Key must be strings, got {bucket!r} and {key!r}")
    config = reader.get("ReaderConfig", {})
    try:
        with LocalStore(store_root).open(bucket, key) as stream:
            body = stream.read()
    except ObjectMissing as error:
        raise StatesError("States.ItemReaderFailed", f"The specified key does not exist: {error}") from None
    except (OSError, ValueError) as error:
        raise StatesError("States.ItemReaderFailed", f"Cannot read s3://{bucket}/{key}: {error}") from None
    try:
        if config.get("InputType") == "JSONL":
            items = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        else:
            items = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise StatesError(
            "States.ItemReaderFailed", f"s3://{bucket}/{key} is not valid {config.get('InputType')}: {error}"
        ) from None
    if not isinstance(items, list):
        # AWS's fixed text for a JSON object (or any other value) where an array was expected.
        raise StatesError("States.ItemReaderFailed", "Attempting to map over non-iterable node.", located=True)
    if "MaxItems" in config:
        items = items[: config["MaxItems"]]
    return items

"""ItemReader `arn:aws:states:::s3:getObject`: the Map's items from one object in the local store, as a stream.

InputType JSON (the object is one JSON array) or JSONL (one JSON value per line; blank lines skipped), capped by
ReaderConfig.MaxItems. Parameters Bucket and Key may be static or `.$` paths/intrinsics on the Map's input. The
object is read through handlers.store.LocalStore, the store the handlers themselves write with, so the start
handler's `items/<execution>.json` is found exactly where S3 would have it. Items are yielded as they are parsed
(handlers.results.json_array, the reader the sum function streams result files with), so a Map over 10^7 items never
holds them all. A missing object fails the Map with States.ItemReaderFailed before any child starts; a malformed one
fails it when the reading gets there. CSV, Parquet, manifests and listObjectsV2 are refused by validation.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from handlers.results import CorruptResults, json_array_runs
from handlers.store import LocalStore, ObjectMissing
from hpc.engine import templates
from hpc.engine.errors import StatesError

# json_array's complaint when the object holds another JSON value (object, string, number, true, false, null).
_NOT_AN_ARRAY = re.compile(r"expected a JSON array, found '[{\"0-9tfn-]")


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[Any]:
    parameters = templates.evaluate(reader["Parameters"], data, context)
    bucket, key = parameters.get("Bucket"), parameters.get("Key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise StatesError("States.ItemReaderFailed", f"Bucket and Key must be strings, got {bucket!r} and {key!r}")
    config = reader.get("ReaderConfig", {})
    try:
        stream = LocalStore(store_root).open(bucket, key)
    except ObjectMissing as error:
        raise StatesError("States.ItemReaderFailed", f"The specified key does not exist: {error}") from None
    except (OSError, ValueError) as error:
        raise StatesError("States.ItemReaderFailed", f"Cannot read s3://{bucket}/{key}: {error}") from None
    items = itertools.chain.from_iterable(_runs(stream, bucket, key, config.get("InputType")))
    return itertools.islice(items, config["MaxItems"]) if "MaxItems" in config else items


def _runs(stream: IO[bytes], bucket: str, key: str, input_type: str | None) -> Iterator[list[Any]]:
    """The items in runs (lists), so that iterating them costs no Python call per item."""
    try:
        if input_type == "JSONL":
            for line in stream:
                if line.strip():
                    yield [json.loads(line)]
        else:
            yield from json_array_runs(stream)
    except CorruptResults as error:
        if _NOT_AN_ARRAY.search(str(error)):
            # AWS's fixed text for a JSON object (or any other value) where an array was expected.
            raise StatesError(
                "States.ItemReaderFailed", "Attempting to map over non-iterable node.", located=True
            ) from None
        raise StatesError("States.ItemReaderFailed", f"s3://{bucket}/{key} is not valid JSON: {error}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise StatesError(
            "States.ItemReaderFailed", f"s3://{bucket}/{key} is not valid {input_type}: {error}"
        ) from None
    except OSError as error:
        raise StatesError("States.ItemReaderFailed", f"Cannot read s3://{bucket}/{key}: {error}") from None
    finally:
        stream.close()

"""ResultWriter `arn:aws:states:::s3:putObject`: a Map Run's child records, written as AWS writes them.

Under `<Prefix>/<mapRunId>/` in the bucket: SUCCEEDED_n.json, FAILED_n.json and PENDING_n.json, each a JSON array of
child records (n from 0, a new file whenever the next record would take the current one past 5 GB; a kind without
records gets no file), then manifest.json:

    {"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [{"Key", "Size"}], "PENDING": [], "SUCCEEDED": []}}

where every kind is present, as an empty list when it has no file. Records arrive already encoded (the workers build
them), so writing is concatenation. Files go through handlers.store.LocalStore, the store the sum handler reads. A
write that fails raises States.ResultWriterFailed. WriterConfig (COMPACT/FLATTEN, JSONL) is refused by validation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from handlers.store import LocalStore
from hpc.engine.errors import StatesError

KINDS = ("FAILED", "PENDING", "SUCCEEDED")
MAX_FILE_BYTES = 5 * 1024**3


def result_directory(prefix: str, map_run_id: str) -> str:
    return f"{prefix.rstrip('/')}/{map_run_id}" if prefix else map_run_id


def split_files(records: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    """JSON arrays of the given encoded records, each at most `max_bytes` unless a single record is larger."""
    current: list[bytes] = []
    size = 2
    for record in records:
        if current and size + len(record) + 1 > max_bytes:
            yield b"[" + b",".join(current) + b"]"
            current, size = [], 2
        current.append(record)
        size += len(record) + (1 if len(current) > 1 else 0)
    if current:
        yield b"[" + b",".join(current) + b"]"


def write_results(
    store_root: Path,
    bucket: str,
    prefix: str,
    map_run_id: str,
    map_run_arn: str,
    records: dict[str, list[bytes]],
    *,
    max_file_bytes: int | None = None,
) -> str:
    """Write the result files and the manifest; the manifest's key."""
    store = LocalStore(store_root)
    directory = result_directory(prefix, map_run_id)
    files: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    try:
        for kind in ("SUCCEEDED", "FAILED", "PENDING"):
            limit = max_file_bytes or MAX_FILE_BYTES
            for number, body in enumerate(split_files(records.get(kind, []), limit)):
                key = f"{directory}/{kind}_{number}.json"
                store.put(bucket, key, body)
                files[kind].append({"Key": key, "Size": len(body)})
        manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
        manifest_key = f"{directory}/manifest.json"
        store.put(bucket, manifest_key, json.dumps(manifest, separators=(",", ":")).encode())
    except (OSError, ValueError) as error:
        raise StatesError(
            "States.ResultWriterFailed", f"Cannot write results to s3://{bucket}/{directory}/: {error}"
        ) from None
    return manifest_key

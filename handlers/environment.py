"""The functions' environment variables, typed, with their defaults in one place.

The stack sets them from the same settings that build the state machine (hpc/settings.py), so the start function's
limit and the sum function's tolerance match the Map's. A missing or malformed value is a deployment fault, not a user
error, so it raises RuntimeError rather than one of the named errors.
"""

from __future__ import annotations

import json
import os

DEFAULT_MAX_ITEMS = 1_000_000
DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 0.0


def results_bucket() -> str:
    bucket = os.environ.get("RESULTS_BUCKET")
    if not bucket:
        raise RuntimeError("environment variable RESULTS_BUCKET is not set: it must name the results bucket")
    return bucket


def max_items() -> int:
    value = _read("MAX_ITEMS", DEFAULT_MAX_ITEMS, int)
    if value < 1:
        raise RuntimeError(f"environment variable MAX_ITEMS={value} must be at least 1")
    return int(value)


def tolerated_failure_percentage() -> float:
    value = _read("TOLERATED_FAILURE_PERCENTAGE", DEFAULT_TOLERATED_FAILURE_PERCENTAGE, float)
    if not 0 <= value <= 100:
        raise RuntimeError(f"environment variable TOLERATED_FAILURE_PERCENTAGE={value} must be between 0 and 100")
    return float(value)


def _read(name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise RuntimeError(f"environment variable {name}={raw!r} is not a {kind.__name__}") from None


def data_buckets() -> list[str]:
    """DATA_BUCKETS: a JSON array of the `dataBuckets` entries the stack may read (see handlers/datasets.py)."""
    raw = os.environ.get("DATA_BUCKETS", "") or "[]"
    try:
        entries = json.loads(raw)
    except ValueError:
        raise RuntimeError(f"environment variable DATA_BUCKETS={raw!r} is not a JSON array") from None
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        raise RuntimeError(f"environment variable DATA_BUCKETS={raw!r} must be a JSON array of strings")
    return entries

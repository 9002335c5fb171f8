"""Step Functions' payload quota (256 KiB of UTF-8 JSON) and how the local engine measures and enforces it."""

from __future__ import annotations

import json
from typing import Any

from hpc.engine.errors import StatesError

MAX_PAYLOAD_BYTES = 262_144


def to_json(value: Any) -> str:
    """Compact JSON, as Step Functions stores payloads (and as they are counted against the quota)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def payload_size(value: Any) -> int:
    return len(to_json(value).encode())


def check_payload(value: Any, state: str, what: str) -> None:
    """States.DataLimitExceeded when `value` is over the quota; `what` says which payload, for the message."""
    size = payload_size(value)
    if size > MAX_PAYLOAD_BYTES:
        raise StatesError(
            "States.DataLimitExceeded",
            f"The {what} of state '{state}' has a size of {size} bytes, exceeding the maximum of {MAX_PAYLOAD_BYTES} "
            "bytes (256 KiB). Keep large data in S3 and pass references, or trim it with OutputPath/ResultSelector.",
        )

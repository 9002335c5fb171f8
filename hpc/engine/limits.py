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


def check_payload(value: Any, state: str, what: str = "result") -> None:
    """States.DataLimitExceeded when `value` is over the quota, with AWS's fixed cause for a state's result/output.

    `what` names any other payload (e.g. "input after Parameters"), for which AWS's wording is not known.
    """
    size = payload_size(value)
    if size > MAX_PAYLOAD_BYTES:
        raise StatesError("States.DataLimitExceeded", data_limit_cause(state, what))


def data_limit_cause(state: str, what: str = "result") -> str:
    if what in ("result", "output"):
        return (
            f"The state/task '{state}' returned a result with a size exceeding the maximum number of bytes service "
            "limit."
        )
    return f"The {what} of state/task '{state}' has a size exceeding the maximum number of bytes service limit."

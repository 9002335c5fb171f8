"""Turns command-line options into a job (the execution input) and checks what StartExecution itself would refuse."""

from __future__ import annotations

import json
from typing import Any

# StartExecution refuses an input over 256 KiB; so does the local engine, and we say so before starting anything.
MAX_INPUT_BYTES = 256 * 1024


class InvalidExecutionInput(ValueError):
    """The execution input is not a JSON object within Step Functions' size limit."""


def build_input(*, size: int | None, workload: str | None, raw_input: str | None) -> dict[str, Any]:
    """`--input` JSON first, then `--size` and `--workload` on top of it."""
    job: Any = {}
    if raw_input is not None:
        try:
            job = json.loads(raw_input)
        except json.JSONDecodeError as error:
            raise InvalidExecutionInput(f"--input is not valid JSON ({error.msg} at position {error.pos})") from None
        if not isinstance(job, dict):
            raise InvalidExecutionInput("--input must be a JSON object, e.g. '{\"size\": 1024}'")
    if size is not None:
        job["size"] = size
    if workload is not None:
        job["workload"] = workload
    check_input_size(job)
    return job


def check_input_size(job: Any) -> None:
    try:
        encoded = len(json.dumps(job, allow_nan=False).encode())
    except ValueError:  # Python's json reads NaN and Infinity (and 1e400 as inf); JSON, and StartExecution, do not
        raise InvalidExecutionInput("the input holds NaN or Infinity, which is not JSON; use a finite number") from None
    if encoded > MAX_INPUT_BYTES:
        raise InvalidExecutionInput(
            f"the input is {encoded:,} bytes; Step Functions accepts at most {MAX_INPUT_BYTES:,} "
            "(put large data in S3 and pass its location instead)"
        )

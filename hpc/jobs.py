"""Turns command-line options into a job (the execution input) and checks what StartExecution itself would refuse."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

from hpc.outcome import Refused

# StartExecution refuses an input over 256 KiB; so does the local engine, and we say so before starting anything.
MAX_INPUT_BYTES = 256 * 1024


class InvalidExecutionInput(Refused):
    """The execution input is not a JSON object within Step Functions' size limit."""


def build_input(*, size: int | None, workload: str | None, raw_input: str | None) -> dict[str, Any]:
    """`--input` JSON first, then `--size` and `--workload` on top of it."""
    job: Any = {}
    if raw_input is not None:
        job = parse_json(raw_input)
        if not isinstance(job, dict):
            raise InvalidExecutionInput("--input must be a JSON object, e.g. '{\"size\": 1024}'")
    if size is not None:
        job["size"] = size
    if workload is not None:
        job["workload"] = workload
    check_input_size(job)
    return job


def parse_json(text: str) -> Any:
    """Strict JSON: Python's reader takes NaN and Infinity, and turns 1e400 into infinity; JSON and Step Functions
    (which reads numbers as doubles) have neither, so each is refused naming what was written."""
    try:
        return json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise InvalidExecutionInput(f"--input is not valid JSON ({error.msg} at position {error.pos})") from None


def _not_json(literal: str) -> NoReturn:
    raise InvalidExecutionInput(f"--input holds {literal}, which is not JSON; use a finite number")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise InvalidExecutionInput(
            f"--input holds the number {literal}, beyond the largest a double holds (about 1.8e308); Step Functions "
            "reads JSON numbers as doubles"
        )
    return value


def check_input_size(job: Any) -> None:
    try:
        encoded = len(json.dumps(job, allow_nan=False).encode())
    except ValueError:  # NaN or infinity put into a job by code rather than parsed from --input
        raise InvalidExecutionInput("the input holds NaN or Infinity, which is not JSON; use a finite number") from None
    if encoded > MAX_INPUT_BYTES:
        raise InvalidExecutionInput(
            f"the input is {encoded:,} bytes; Step Functions accepts at most {MAX_INPUT_BYTES:,} "
            "(put large data in S3 and pass its location instead)"
        )

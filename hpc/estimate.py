"""`hpc estimate`: a modeled AWS bill for one run, beside the original design running the same job.

The model counts what AWS bills: executions and state transitions (Standard) or requests and duration (Express),
Lambda requests and GB-seconds, and S3 requests. Compute time is not guessed: the workload's own kernel is timed on
this machine over the run's real batches (a sample, when the whole job would take too long), and assumed to run at
the same speed on one Lambda vCPU. Every price and assumption is printed with the estimate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from hpc.settings import Settings


@dataclass(frozen=True)
class Prices:
    """US East (N. Virginia) list prices in USD; check them before quoting (see docs/AWS-FACTS in the README)."""

    standard_transition: float = 0.025 / 1000
    express_request: float = 1.00 / 1_000_000
    express_gb_hour: float = 0.06
    lambda_request: float = 0.20 / 1_000_000
    lambda_gb_second_arm64: float = 0.0000133334
    lambda_gb_second_x86_64: float = 0.0000166667
    s3_put: float = 0.005 / 1000
    s3_get: float = 0.0004 / 1000


# Assumptions, printed with every estimate.
INVOCATION_OVERHEAD_SECONDS = 0.020  # handler entry, JSON (de)serialisation, logging: billed Lambda time per call
START_SECONDS = 0.3  # validating input and writing the item list to S3
SUM_SECONDS_PER_RESULT_FILE_MB = 0.05  # streaming one MB of result records
EXPRESS_BILLED_MEMORY_GB = 0.0625  # Express bills 64 MB steps; a child's state is far smaller
STANDARD_TRANSITIONS_PER_CHILD = 2  # entering the child's task state and finishing the execution
STANDARD_TRANSITIONS_PARENT = 4  # Start, Compute, Sum, and the execution's end
SAMPLE_BUDGET_SECONDS = 2.0  # longest this command spends timing the kernel before extrapolating

# The original design's kernel is O(i^4) in the byte length i; measured on one core: 9.14 s at i = 400.
ORIGINAL_KERNEL_SECONDS_AT_400 = 9.14
ORIGINAL_MEMORY_MB = 4092
ORIGINAL_ARCHITECTURE = "x86_64"


@dataclass(frozen=True)
class RunShape:
    """What a run consists of, in the units AWS bills."""

    label: str
    items: int
    children: int
    execution_type: str
    architecture: str
    compute_memory_mb: int
    compute_seconds: float  # total billed compute Lambda time, all children
    start_memory_mb: int
    sum_memory_mb: int
    result_megabytes: float
    retries: int = 0


@dataclass(frozen=True)
class Bill:
    shape: RunShape
    state_transitions: int
    express_requests: int
    lambda_requests: int
    lambda_gb_seconds: float
    s3_requests: int
    dollars: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.dollars.values())


def bill(shape: RunShape, prices: Prices) -> Bill:
    lambda_requests = shape.children + shape.retries + 2
    sum_seconds = INVOCATION_OVERHEAD_SECONDS + shape.result_megabytes * SUM_SECONDS_PER_RESULT_FILE_MB
    gb_seconds = (
        shape.compute_seconds * shape.compute_memory_mb / 1024
        + START_SECONDS * shape.start_memory_mb / 1024
        + sum_seconds * shape.sum_memory_mb / 1024
    )
    gb_second_price = (
        prices.lambda_gb_second_arm64 if shape.architecture == "arm64" else prices.lambda_gb_second_x86_64
    )
    transitions = STANDARD_TRANSITIONS_PARENT
    express_requests = 0
    express_dollars = 0.0
    if shape.execution_type == "EXPRESS":
        express_requests = shape.children
        child_hours = (shape.compute_seconds + shape.children * INVOCATION_OVERHEAD_SECONDS) / 3600
        express_dollars = express_requests * prices.express_request + (
            child_hours * EXPRESS_BILLED_MEMORY_GB * prices.express_gb_hour
        )
    else:
        transitions += (shape.children + shape.retries) * STANDARD_TRANSITIONS_PER_CHILD
    result_files = 2 + math.ceil(shape.result_megabytes / 5120)  # manifest + one SUCCEEDED file per 5 GB
    puts, gets = 1 + result_files, 1 + result_files
    return Bill(
        shape=shape,
        state_transitions=transitions,
        express_requests=express_requests,
        lambda_requests=lambda_requests,
        lambda_gb_seconds=gb_seconds,
        s3_requests=puts + gets,
        dollars={
            "step functions": transitions * prices.standard_transition + express_dollars,
            "lambda requests": lambda_requests * prices.lambda_request,
            "lambda duration": gb_seconds * gb_second_price,
            "s3 requests": puts * prices.s3_put + gets * prices.s3_get,
        },
    )


def measured_compute_seconds(workload: Any, params: dict[str, Any], batches: Sequence[list[Any]]) -> float:
    """Total kernel time over all batches, timing as many (spread evenly) as fit in SAMPLE_BUDGET_SECONDS."""
    if not batches:
        return 0.0
    order = _spread(len(batches))
    timed: list[tuple[int, float]] = []
    spent = 0.0
    for index in order:
        started = time.perf_counter()
        workload.compute(batches[index], params)
        seconds = time.perf_counter() - started
        timed.append((len(batches[index]), seconds))
        spent += seconds
        if spent > SAMPLE_BUDGET_SECONDS:
            break
    items_timed = sum(count for count, _ in timed)
    seconds_per_item = sum(seconds for _, seconds in timed) / max(items_timed, 1)
    total_items = sum(len(batch) for batch in batches)
    return seconds_per_item * total_items + INVOCATION_OVERHEAD_SECONDS * len(batches)


def original_compute_seconds(items: Iterable[int]) -> float:
    """The original kernel's time per item, from its O(i^4) growth and a measured point."""
    return sum(ORIGINAL_KERNEL_SECONDS_AT_400 * (max(i, 1) / 400) ** 4 + INVOCATION_OVERHEAD_SECONDS for i in items)


def parse_price_overrides(pairs: Sequence[str]) -> Prices:
    known = {f.name for f in fields(Prices)}
    changes: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in known:
            raise ValueError(f"unknown price {name!r}; known: {', '.join(sorted(known))}")
        try:
            changes[name] = float(value)
        except ValueError:
            raise ValueError(f"price {name} must be a number of USD, got {value!r}") from None
    return replace(Prices(), **changes)


def _spread(count: int) -> list[int]:
    """Indexes 0..count-1, ordered so any prefix samples the whole range (first, last, middle, ...)."""
    order: list[int] = []
    seen: set[int] = set()
    step = count
    while len(order) < count:
        for index in range(0, count, max(step, 1)):
            if index not in seen:
                seen.add(index)
                order.append(index)
        if count - 1 not in seen:
            seen.add(count - 1)
            order.append(count - 1)
        step //= 2
        if step == 0:
            step = 1
    return order

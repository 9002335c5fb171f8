"""`hpc estimate`: a modeled AWS bill for one run, beside the original design running the same job.

The model counts what AWS bills: executions and state transitions (Standard) or requests and duration (Express),
Lambda requests and GB-seconds, and S3 requests. Compute time is not guessed: the workload's own kernel is timed on
this machine over the run's real batches (a sample, when the whole job would take too long), and assumed to run at
the same speed on one Lambda vCPU. Every price and assumption is printed with the estimate.
"""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from hpc.outcome import Refused
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
RESULT_RECORD_OVERHEAD_BYTES = 900  # a ResultWriter record's ARNs, dates and status around the output

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
    gb_second_price = prices.lambda_gb_second_arm64 if shape.architecture == "arm64" else prices.lambda_gb_second_x86_64
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


@dataclass(frozen=True)
class KernelTiming:
    seconds_per_item: float
    output_bytes_per_item: float
    batches_timed: int


def time_kernel(workload: Any, params: dict[str, Any], batches: Sequence[list[Any]]) -> KernelTiming:
    """Kernel time per item over the run's batches, timing as many (spread evenly) as fit in SAMPLE_BUDGET_SECONDS.

    Each batch is timed as a fresh Lambda container runs it: the workload module is re-imported first, so nothing a
    previous batch left in it (s3-keys resumes its recurrence, for one) makes the estimate optimistic.
    """
    items_timed, seconds, output_bytes, timed = 0, 0.0, 0, 0
    for index in _spread(len(batches)):
        importlib.reload(workload)
        started = time.perf_counter()
        partial = workload.compute(batches[index], params)
        seconds += time.perf_counter() - started
        output_bytes += len(json.dumps({"items": len(batches[index]), "partial": partial}))
        items_timed += len(batches[index])
        timed += 1
        if seconds > SAMPLE_BUDGET_SECONDS:
            break
    return KernelTiming(seconds / max(items_timed, 1), output_bytes / max(items_timed, 1), timed)


def original_compute_seconds(items: Iterable[int]) -> float:
    """The original kernel's total time over `items`, from its O(i^4) growth and a measured point."""
    return sum(ORIGINAL_KERNEL_SECONDS_AT_400 * (i / 400) ** 4 + INVOCATION_OVERHEAD_SECONDS for i in items)


def estimate_report(job: dict[str, Any], settings: Settings, prices: Prices) -> str:
    """The printed estimate: this configuration beside the original design's, then the prices and assumptions."""
    from handlers.errors import InvalidInput
    from handlers.workloads import get, params_for, sources
    from hpc.requirements import check_installed

    workload = get(job.get("workload", "s3-keys"))
    params = params_for(workload, job, max_items=settings.max_items)
    if sources(workload):
        # Its items are the data, which estimate would have to list or read to time: that is the run itself.
        raise InvalidInput(
            f"hpc estimate models jobs of generated items; {workload.NAME!r} reads data ({params['data']}), whose "
            "cost depends on that data: run it on a sample locally (hpc run) to see its time"
        )
    check_installed(job)  # the kernel is timed in this interpreter
    items = list(workload.items(params))
    size = settings.max_items_per_batch
    batches = [items[start : start + size] for start in range(0, len(items), size)]
    timing = time_kernel(workload, params, batches)
    record_bytes = RESULT_RECORD_OVERHEAD_BYTES + timing.output_bytes_per_item * size

    ours = bill(
        RunShape(
            label=f"this stack ({settings.state_machine_name})",
            items=len(items),
            children=len(batches),
            execution_type=settings.execution_type,
            architecture="arm64",
            compute_memory_mb=settings.compute_memory_mb,
            compute_seconds=timing.seconds_per_item * len(items) + INVOCATION_OVERHEAD_SECONDS * len(batches),
            start_memory_mb=settings.start_memory_mb,
            sum_memory_mb=settings.sum_memory_mb,
            result_megabytes=len(batches) * record_bytes / 1e6,
        ),
        prices,
    )
    if workload.NAME == "s3-keys":
        original_seconds = original_compute_seconds(items)
        kernel_note = "its O(i^4) kernel"
    else:
        original_seconds = (timing.seconds_per_item + INVOCATION_OVERHEAD_SECONDS) * len(items)
        kernel_note = "this workload's kernel"
    original = bill(
        RunShape(
            label="original design",
            items=len(items),
            children=len(items),
            execution_type="STANDARD",
            architecture=ORIGINAL_ARCHITECTURE,
            compute_memory_mb=ORIGINAL_MEMORY_MB,
            compute_seconds=original_seconds,
            start_memory_mb=128,
            sum_memory_mb=ORIGINAL_MEMORY_MB,
            result_megabytes=len(items) * (RESULT_RECORD_OVERHEAD_BYTES + timing.output_bytes_per_item) / 1e6,
        ),
        prices,
    )
    return _render(ours, original, prices, timing, kernel_note)


def _render(ours: Bill, original: Bill, prices: Prices, timing: KernelTiming, kernel_note: str) -> str:
    rows: list[tuple[str, str, str]] = [
        ("", ours.shape.label, original.shape.label),
        ("items", f"{ours.shape.items:,}", f"{original.shape.items:,}"),
        ("child executions", f"{ours.shape.children:,}", f"{original.shape.children:,}"),
        ("child type", ours.shape.execution_type, original.shape.execution_type),
        (
            "lambda",
            f"{ours.shape.compute_memory_mb} MB {ours.shape.architecture}",
            f"{original.shape.compute_memory_mb} MB {original.shape.architecture}",
        ),
        ("compute time", _seconds(ours.shape.compute_seconds), _seconds(original.shape.compute_seconds)),
        ("state transitions", f"{ours.state_transitions:,}", f"{original.state_transitions:,}"),
        ("express requests", f"{ours.express_requests:,}", f"{original.express_requests:,}"),
        ("lambda requests", f"{ours.lambda_requests:,}", f"{original.lambda_requests:,}"),
        ("lambda GB-seconds", f"{ours.lambda_gb_seconds:,.2f}", f"{original.lambda_gb_seconds:,.2f}"),
        ("s3 requests", f"{ours.s3_requests:,}", f"{original.s3_requests:,}"),
    ]
    rows += [(f"$ {name}", f"{ours.dollars[name]:.6f}", f"{original.dollars[name]:.6f}") for name in ours.dollars]
    rows.append(("$ total", f"{ours.total:.6f}", f"{original.total:.6f}"))
    width = max(len(row[1]) for row in rows) + 2
    lines = [f"{label:<20}{a:>{width}}  {b:>18}" for label, a, b in rows]
    lines += [
        "",
        f"Compute time: this stack's kernel timed here on {timing.batches_timed} batch(es), "
        f"{timing.seconds_per_item * 1e3:.4f} ms per item, assumed equal on one Lambda vCPU; "
        f"original: {kernel_note}.",
        f"Assumed per call: {INVOCATION_OVERHEAD_SECONDS * 1e3:.0f} ms overhead; start {START_SECONDS} s; "
        f"{STANDARD_TRANSITIONS_PER_CHILD} transitions per Standard child, {STANDARD_TRANSITIONS_PARENT} per parent.",
        "Prices (USD, override with --price NAME=USD): "
        + ", ".join(f"{field.name}={getattr(prices, field.name):.10g}" for field in fields(Prices)),
    ]
    return "\n".join(lines)


def _seconds(seconds: float) -> str:
    return f"{seconds:,.3f} s" if seconds < 3600 else f"{seconds / 3600:,.2f} h"


class InvalidPrice(Refused):
    """A `--price NAME=USD` that names no price or is not a finite, non-negative number of dollars."""


def parse_price_overrides(pairs: Sequence[str]) -> Prices:
    known = {f.name for f in fields(Prices)}
    changes: dict[str, float] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator:
            raise InvalidPrice(f"--price takes NAME=USD, e.g. lambda_request=0.0000002, got {pair!r}")
        if name not in known:
            raise InvalidPrice(f"unknown price {name!r}; known: {', '.join(sorted(known))}")
        try:
            price = float(value)
        except ValueError:
            price = math.nan
        if not math.isfinite(price) or price < 0:
            raise InvalidPrice(f"price {name} must be a finite number of USD, 0 or more, got {value!r}")
        changes[name] = price
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

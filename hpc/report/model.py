"""What a run report shows, whether the run was local or in the cloud: the run's facts and one span per child.

Built by hpc.report.local (from the engine's ChildSpan sink) or hpc.report.cloud (from a finished execution's
ResultWriter records and DescribeMapRun); drawn by hpc.report.figures and laid out by hpc.report.page. Nothing here
imports a plotting library.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from hpc.engine.spans import ChildSpan
from hpc.estimate import INVOCATION_OVERHEAD_SECONDS, RESULT_RECORD_OVERHEAD_BYTES, Bill, Prices, RunShape, bill

SUCCEEDED = "SUCCEEDED"


@dataclass(frozen=True)
class Memory:
    """Memory (MB) of the three functions, what the modeled bill needs beyond the spans."""

    start: int
    compute: int
    sum: int


@dataclass(frozen=True)
class RunData:
    """One finished run. Times are epoch seconds; `spans` holds every child that ran (children never started, the
    PENDING ones, are only counted, in `pending_items`)."""

    source: str  # "local" or "cloud"
    name: str  # the execution's name (local runs: the engine's generated name)
    job: dict[str, Any]
    settings: dict[str, Any]  # settings in force, as config keys (or the Map Run's own fields in the cloud)
    status: str
    started: float
    stopped: float
    spans: list[ChildSpan]
    total_items: int
    pending_items: int
    lane_label: str  # what the timeline's rows are: "worker" locally, "child, by start order" in the cloud
    execution_type: str
    memory: Memory
    error: str | None = None
    cause: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def wall_seconds(self) -> float:
        return self.stopped - self.started

    @property
    def children(self) -> int:
        return len(self.spans)

    def count(self, *, succeeded: bool, unit: str = "children") -> int:
        chosen = [span for span in self.spans if (span.status == SUCCEEDED) == succeeded]
        return len(chosen) if unit == "children" else sum(span.items for span in chosen)

    @property
    def retries(self) -> int | None:
        """Retries over all children; None when the source does not record them (cloud result records)."""
        if any(span.attempts is None for span in self.spans):
            return None
        return sum((span.attempts or 1) - 1 for span in self.spans)

    def durations(self) -> list[float]:
        return [span.stopped - span.started for span in self.spans]

    def median_duration(self) -> float:
        return statistics.median(self.durations()) if self.spans else 0.0

    def estimated_bill(self, prices: Prices | None = None) -> Bill:
        """hpc.estimate's model of the AWS bill, fed with this run's measured child time as compute Lambda time."""
        compute_seconds = sum(self.durations()) + INVOCATION_OVERHEAD_SECONDS * self.children
        return bill(
            RunShape(
                label=self.name,
                items=self.total_items,
                children=self.children,
                execution_type=self.execution_type,
                architecture="arm64",
                compute_memory_mb=self.memory.compute,
                compute_seconds=compute_seconds,
                start_memory_mb=self.memory.start,
                sum_memory_mb=self.memory.sum,
                result_megabytes=self.children * RESULT_RECORD_OVERHEAD_BYTES / 1e6,
                retries=self.retries or 0,
            ),
            prices or Prices(),
        )

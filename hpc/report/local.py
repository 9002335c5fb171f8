"""A local run as RunData: the engine's ChildSpan sink and final Map counts, collected while `hpc run` runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hpc.engine.spans import ChildSpan
from hpc.progress import MapProgress
from hpc.report.model import Memory, RunData
from hpc.settings import Settings


class Recorder:
    """Hand `on_child` and `on_progress` to the engine; `started`/`stopped` bracket the execution (epoch seconds).
    `forward` still receives every progress report (the progress bar)."""

    def __init__(self, forward: Callable[[MapProgress], None] | None = None) -> None:
        self.forward = forward
        self.spans: list[ChildSpan] = []
        self.last_counts: MapProgress | None = None
        self.started = self.stopped = 0.0

    def on_child(self, span: ChildSpan) -> None:
        self.spans.append(span)

    def on_progress(self, counts: MapProgress) -> None:
        self.last_counts = counts
        if self.forward is not None:
            self.forward(counts)

    def __enter__(self) -> Recorder:
        self.started = time.time()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped = time.time()


def local_run_data(job: dict[str, Any], settings: Settings, result: Any, recorder: Recorder) -> RunData:
    """`result` is the engine's ExecutionResult."""
    ran_items = sum(span.items for span in recorder.spans)
    counts = recorder.last_counts
    total = counts.total if counts is not None else ran_items
    output = result.output if isinstance(result.output, dict) else {}
    return RunData(
        source="local",
        name=result.name,
        job=job,
        settings=settings.as_config(),
        status=result.status,
        started=recorder.started,
        stopped=recorder.stopped,
        spans=sorted(recorder.spans, key=lambda span: span.index),
        total_items=total,
        pending_items=max(0, total - ran_items),
        lane_label="worker",
        execution_type=settings.execution_type,
        memory=Memory(settings.start_memory_mb, settings.compute_memory_mb, settings.sum_memory_mb),
        error=result.error,
        cause=result.cause,
        result=output,
    )

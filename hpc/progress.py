"""Progress of a Map Run, in DescribeMapRun's item counts: one shape whether the run is local or in AWS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MapProgress:
    """Item counts of a running Map Run (DescribeMapRun's itemCounts; `failed` includes timed out and aborted)."""

    total: int
    succeeded: int
    failed: int
    running: int
    pending: int

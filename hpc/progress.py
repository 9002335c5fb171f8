"""Progress of a Map Run, in DescribeMapRun's item counts: one shape whether the run is local or in AWS, and the bar
that shows it.

tqdm draws the bar (well kept, cheap to import, imported only once there is something to show). Rate and ETA are
computed here rather than by tqdm: the counts arrive as totals from a poll, not as increments, and the first poll
often reports a whole batch finished a few microseconds after the bar appears, which tqdm would show as millions of
items a second and an ETA of zero. Here the clock starts when the run starts, and neither figure is shown before
MIN_SECONDS have passed and some items are done.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, NamedTuple

MIN_SECONDS = 1.0  # before this, a rate is a guess: show none


class MapProgress(NamedTuple):
    """Item counts of a running Map Run (DescribeMapRun's itemCounts; `failed` includes timed out and aborted)."""

    total: int
    succeeded: int
    failed: int
    running: int
    pending: int


def rate_and_eta(done: int, total: int, elapsed: float) -> tuple[float, float] | None:
    """Items a second since the run started and seconds left at that rate; None while there is too little to go on."""
    if elapsed < MIN_SECONDS or done <= 0:
        return None
    rate = done / elapsed
    return rate, max(total - done, 0) / rate


def describe(counts: MapProgress, elapsed: float) -> str:
    """The text beside the bar: rate and ETA once known, then failures and children running."""
    parts = []
    known = rate_and_eta(counts.succeeded + counts.failed, counts.total, elapsed)
    if known is not None:
        rate, eta = known
        parts.append(f"{rate:,.0f} item/s, ETA {_clock(eta)}")
    parts.append(f"failed {counts.failed:,}, running {counts.running:,}")
    return ", ".join(parts)


def _clock(seconds: float) -> str:
    """MM:SS, or H:MM:SS from an hour up."""
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class ProgressBar:
    """A bar on stderr fed with Map item counts; silent when disabled or when stderr is not a terminal."""

    def __init__(self, *, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.clock = clock
        self.started = clock()
        self.bar: Any = None

    def __enter__(self) -> Callable[[MapProgress], None] | None:
        self.started = self.clock()
        return self.update if self.enabled else None

    def update(self, counts: MapProgress) -> None:
        if self.bar is None:
            from tqdm import tqdm

            bar_format = "{desc}{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}, {postfix}]"
            self.bar = tqdm(total=counts.total, unit="item", file=sys.stderr, leave=False, bar_format=bar_format)
            self.bar.start_t -= self.clock() - self.started  # its elapsed time counts from the run's start too
        self.bar.total = counts.total
        self.bar.n = counts.succeeded + counts.failed
        self.bar.set_postfix_str(describe(counts, self.clock() - self.started), refresh=False)
        self.bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

"""The report's three pictures, drawn with matplotlib from a RunData.

- timeline: one horizontal bar per child, from its start to its stop, on its row (the worker locally; in the cloud
  each child in start order), coloured by outcome; retried children get a tick at their stop, failed ones a cross;
- throughput: items finished over time (left axis) and how many children were running, on average over short
  intervals (right axis);
- durations: a histogram of child durations, with the median and the 99th percentile marked (stragglers sit right).

Time is seconds since the execution started. matplotlib is well kept and the usual choice for such plots; Figure
objects are made directly (no pyplot, no global state), so saving uses the Agg renderer and needs no display. Each
picture is PIXELS in size, whatever the run. The *_series functions are the data behind the pictures, kept plain so
that tests can compare them with what was drawn.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hpc.engine.spans import ChildSpan
from hpc.report.model import SUCCEEDED, RunData

DPI = 100
PIXELS = (1200, 500)
OUTCOMES = {  # gid of the bars' collection: (legend label, colour)
    "succeeded": ("succeeded", "#2a7ab0"),
    "retried": ("succeeded after retries", "#e69f00"),
    "failed": ("failed", "#c0392b"),
}
HISTOGRAM_BINS = 40
CONCURRENCY_INTERVALS = 200
RUNNING_LABEL = "children running (average)"
TIME_AXIS = "seconds since the execution started"


def outcome(span: ChildSpan) -> str:
    if span.status != SUCCEEDED:
        return "failed"
    return "retried" if (span.attempts or 1) > 1 else "succeeded"


def timeline_series(run: RunData) -> dict[str, list[tuple[tuple[float, float], tuple[float, float]]]]:
    """Per outcome, one segment ((start, row), (stop, row)) per child."""
    bars: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {key: [] for key in OUTCOMES}
    for span in run.spans:
        row = float(span.worker)
        bars[outcome(span)].append(((span.started - run.started, row), (span.stopped - run.started, row)))
    return bars


def throughput_series(run: RunData) -> tuple[list[float], list[int]]:
    """Items finished (any outcome) at each child's stop, starting from (0, 0)."""
    times, done = [0.0], [0]
    for span in sorted(run.spans, key=lambda s: s.stopped):
        times.append(span.stopped - run.started)
        done.append(done[-1] + span.items)
    return times, done


def concurrency_series(run: RunData, intervals: int = CONCURRENCY_INTERVALS) -> tuple[list[float], list[float]]:
    """Children running on average in each of `intervals` equal slices of the wall time: (slice starts, averages).

    An average, not the instantaneous count: with 10^5 children the count flips every few microseconds and would
    draw a solid block; the average says how busy the workers were (2.0 on two workers: never idle).
    """
    width = max(run.wall_seconds, 1e-9) / intervals
    busy = [0.0] * intervals
    for span in run.spans:
        start, stop = span.started - run.started, span.stopped - run.started
        first, last = int(start / width), min(intervals - 1, int(stop / width))
        for index in range(max(0, first), last + 1):
            busy[index] += max(0.0, min(stop, (index + 1) * width) - max(start, index * width))
    return [index * width for index in range(intervals)], [seconds / width for seconds in busy]


def timeline(run: RunData) -> Figure:
    figure, axes = _figure()
    rows = max((span.worker for span in run.spans), default=0) + 1
    # A bar's thickness is most of its row's height, so a few workers get fat bars and 10^5 children thin lines.
    thickness = max(0.2, min(14.0, 0.75 * 0.7 * PIXELS[1] / rows * 72 / DPI))
    for key, segments in timeline_series(run).items():
        label, colour = OUTCOMES[key]
        bars = LineCollection(segments, linewidths=thickness, colors=colour, label=f"{label} ({len(segments):,})")
        bars.set_gid(key)
        axes.add_collection(bars)
    retried = [s for s in run.spans if (s.attempts or 1) > 1]
    failed = [s for s in run.spans if s.status != SUCCEEDED]
    if retried:
        _mark(axes, run, retried, marker="|", label="retried", gid="retried-marks")
    if failed:
        _mark(axes, run, failed, marker="x", label="failed", gid="failed-marks")
    axes.set_xlim(0, max(run.wall_seconds, max((s.stopped - run.started for s in run.spans), default=0), 1e-3))
    axes.set_ylim(rows - 0.5, -0.5)
    axes.set_xlabel(TIME_AXIS)
    axes.set_ylabel(run.lane_label)
    if rows <= 16:
        axes.set_yticks(range(rows))
    axes.set_title(f"{run.name}: {run.children:,} children ({run.total_items:,} items) on {_rows(run, rows)}")
    axes.legend(loc="upper right", fontsize="small")
    return figure


def throughput(run: RunData) -> Figure:
    figure, axes = _figure()
    running_axes = axes.twinx()
    starts, running = concurrency_series(run)
    width = starts[1] - starts[0] if len(starts) > 1 else run.wall_seconds
    bars = running_axes.bar(starts, running, width=width, align="edge", color="#e69f00", alpha=0.35, linewidth=0)
    bars.set_label(RUNNING_LABEL)
    running_axes.set_ylabel("children running (average per interval)")
    running_axes.set_ylim(0, max(running, default=0) * 1.15 + 0.5)
    running_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    times, done = throughput_series(run)
    axes.step(times, done, where="post", color="#2a7ab0", label="items finished", gid="items-finished")
    axes.set_zorder(running_axes.get_zorder() + 1)  # the curve in front of the concurrency bars
    axes.patch.set_visible(False)
    axes.set_xlabel(TIME_AXIS)
    axes.set_ylabel("items finished")
    axes.set_ylim(0, max(run.total_items, done[-1], 1) * 1.05)
    axes.set_xlim(0, max(run.wall_seconds, times[-1], 1e-3))
    rate = done[-1] / run.wall_seconds if run.wall_seconds > 0 else math.inf
    axes.set_title(f"{done[-1]:,} of {run.total_items:,} items finished; {rate:,.0f} items/s over the wall time")
    handles = axes.get_legend_handles_labels()[0] + running_axes.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="upper left", fontsize="small")
    return figure


def durations(run: RunData) -> Figure:
    """In milliseconds: a local child takes a fraction of one, a cloud child hundreds."""
    figure, axes = _figure()
    values = [seconds * 1e3 for seconds in run.durations()]
    if values:
        axes.hist(values, bins=min(HISTOGRAM_BINS, len(values)), color="#2a7ab0", gid="durations")
        ordered = sorted(values)
        median = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
        axes.axvline(median, color="black", linestyle="--", label=f"median {median:.3g} ms")
        axes.axvline(p99, color="#c0392b", linestyle=":", label=f"p99 {p99:.3g} ms")
        axes.legend(loc="upper right", fontsize="small")
    axes.set_xlabel("child duration (ms)")
    axes.set_ylabel("children")
    axes.set_title(f"durations of {len(values):,} children; the longest {max(values, default=0):.3g} ms")
    return figure


def save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI, format="png")
    return path


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(PIXELS[0] / DPI, PIXELS[1] / DPI), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _mark(axes: Axes, run: RunData, spans: list[ChildSpan], *, marker: str, label: str, gid: str) -> None:
    """A black marker at the stop of each of `spans`, above the bars."""
    stops = [span.stopped - run.started for span in spans]
    axes.scatter(
        stops, [span.worker for span in spans], marker=marker, s=40, color="black", label=label, gid=gid, zorder=3
    )


def _rows(run: RunData, rows: int) -> str:
    if run.source == "local":
        return f"{rows} worker{'s' if rows != 1 else ''}"
    return "rows in start order"

"""The report's pictures show the run's data: checked on what matplotlib was asked to draw, not on pixels."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("matplotlib")

from PIL import Image  # noqa: E402 - matplotlib's own dependency

from hpc.engine.spans import ChildSpan  # noqa: E402
from hpc.report import figures, write_report  # noqa: E402
from hpc.report.model import Memory, RunData  # noqa: E402

T0 = 1_700_000_000.0
# Two workers; child 3 failed, child 4 needed three tries; items 50 per child except the last.
SPANS = [
    ChildSpan(0, 0, T0 + 0.10, T0 + 0.50, "SUCCEEDED", 50, 1),
    ChildSpan(1, 1, T0 + 0.12, T0 + 0.30, "SUCCEEDED", 50, 1),
    ChildSpan(2, 1, T0 + 0.30, T0 + 0.90, "SUCCEEDED", 50, 1),
    ChildSpan(3, 0, T0 + 0.50, T0 + 0.55, "FAILED", 50, 1),
    ChildSpan(4, 0, T0 + 0.55, T0 + 1.40, "SUCCEEDED", 20, 3),
]


def run_data(spans=SPANS, *, pending_items=0, source="local") -> RunData:
    return RunData(
        source=source,
        name="exec-<1>",
        job={"size": 220 + pending_items},
        settings={"maxItemsPerBatch": 50},
        status="SUCCEEDED",
        started=T0,
        stopped=T0 + 1.5,
        spans=list(spans),
        total_items=sum(span.items for span in spans) + pending_items,
        pending_items=pending_items,
        lane_label="worker",
        execution_type="STANDARD",
        memory=Memory(256, 1769, 1024),
    )


def flat(values) -> list[float]:
    """Nested segments or offsets as one list of numbers (pytest.approx compares flat sequences)."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, list | tuple):
        return [number for value in values for number in flat(value)]
    return [values]


def collections_by_gid(axes):
    return {collection.get_gid(): collection for collection in axes.collections}


def test_timeline_draws_one_bar_per_child_from_its_start_to_its_stop_on_its_worker():
    figure = figures.timeline(run_data())
    (axes,) = figure.axes
    drawn = collections_by_gid(axes)
    bars = [tuple(flat(segment)) for key in figures.OUTCOMES for segment in drawn[key].get_segments()]
    expected = [(s.started - T0, s.worker, s.stopped - T0, s.worker) for s in SPANS]
    assert flat(sorted(bars)) == pytest.approx(flat(sorted(expected)), abs=1e-6)
    assert len(bars) == len(SPANS)


def test_timeline_colours_by_outcome_and_marks_retries_and_failures():
    axes = figures.timeline(run_data()).axes[0]
    drawn = collections_by_gid(axes)
    assert [len(drawn[key].get_segments()) for key in ("succeeded", "retried", "failed")] == [3, 1, 1]
    assert flat(drawn["failed-marks"].get_offsets()) == pytest.approx([0.55, 0], abs=1e-6)
    assert flat(drawn["retried-marks"].get_offsets()) == pytest.approx([1.40, 0], abs=1e-6)
    colours = {key: tuple(drawn[key].get_colors()[0]) for key in figures.OUTCOMES}
    assert len(set(colours.values())) == 3


def test_throughput_curve_ends_at_the_item_count():
    figure = figures.throughput(run_data())
    lines = {line.get_gid(): line for axes in figure.axes for line in axes.get_lines()}
    finished = lines["items-finished"]
    assert list(finished.get_xdata()) == pytest.approx([0.0, 0.30, 0.50, 0.55, 0.90, 1.40], abs=1e-6)
    assert list(finished.get_ydata()) == [0, 50, 100, 150, 200, 220]


def test_concurrency_is_the_average_number_of_children_running_in_each_interval():
    # Thirds of the 1.5 s wall time: [0, 0.5) holds 0.4 + 0.18 + 0.2 s of children, [0.5, 1) 0.4 + 0.05 + 0.45 s,
    # [1, 1.5) 0.4 s.
    starts, running = figures.concurrency_series(run_data(), intervals=3)
    assert starts == pytest.approx([0.0, 0.5, 1.0])
    assert running == pytest.approx([1.56, 1.8, 0.8], abs=1e-5)
    # AND the picture draws exactly the default series: busy time adds up to the children's total duration
    figure = figures.throughput(run_data())
    (bars,) = [container for container in figure.axes[1].containers if container.get_label() == figures.RUNNING_LABEL]
    starts, running = figures.concurrency_series(run_data())
    assert [bar.get_height() for bar in bars] == pytest.approx(running)
    assert [bar.get_x() for bar in bars] == pytest.approx(starts)
    width = bars[0].get_width()
    assert sum(running) * width == pytest.approx(sum(s.stopped - s.started for s in SPANS), abs=1e-5)
    assert max(running) <= 2 + 1e-9  # two workers


def test_throughput_of_a_run_with_children_never_started_stops_short_of_the_total():
    figure = figures.throughput(run_data(pending_items=80))
    finished = next(line for line in figure.axes[0].get_lines() if line.get_gid() == "items-finished")
    assert finished.get_ydata()[-1] == 220
    assert "220 of 300 items" in figure.axes[0].get_title()


def test_duration_histogram_counts_every_child():
    axes = figures.durations(run_data()).axes[0]
    heights = [patch.get_height() for patch in axes.patches]
    assert sum(heights) == len(SPANS)
    lefts = [patch.get_x() for patch in axes.patches]
    assert min(lefts) == pytest.approx(50, abs=1e-3)  # the shortest child, in milliseconds
    assert max(patch.get_x() + patch.get_width() for patch in axes.patches) == pytest.approx(850, abs=1e-3)


def test_cloud_timeline_rows_are_start_order():
    spans = [ChildSpan(rank, rank, T0 + rank * 0.1, T0 + rank * 0.1 + 0.05, "SUCCEEDED", 1, None) for rank in range(30)]
    axes = figures.timeline(run_data(spans, source="cloud")).axes[0]
    rows = [segment[0][1] for segment in collections_by_gid(axes)["succeeded"].get_segments()]
    assert rows == list(range(30))
    assert axes.get_ylim() == (29.5, -0.5)  # first started at the top


def test_report_writes_three_pngs_of_the_fixed_size_and_a_page_embedding_them(tmp_path):
    page = write_report(run_data(), tmp_path / "out")
    for name in ("timeline", "throughput", "durations"):
        with Image.open(tmp_path / "out" / f"{name}.png") as image:
            assert (image.format, image.size) == ("PNG", figures.PIXELS)
    text = page.read_text()
    assert text.count('src="data:image/png;base64,') == 3
    assert "exec-&lt;1&gt;" in text and "exec-<1>" not in text  # names are escaped
    outside_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert "file:" not in outside_images and "http" not in outside_images and "<script" not in outside_images


def test_an_empty_map_still_gives_a_report(tmp_path):
    empty = run_data([])
    page = write_report(empty, tmp_path)
    assert page.exists()
    assert figures.throughput_series(empty) == ([0.0], [0])

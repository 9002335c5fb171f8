"""A local run's report: the spans the engine recorded become the pictures, and agree with the run's result files."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

pytest.importorskip("matplotlib")

from hpc.local import run_locally  # noqa: E402
from hpc.report import figures  # noqa: E402
from hpc.report.local import Recorder, local_run_data  # noqa: E402
from hpc.settings import Settings  # noqa: E402


def _epoch(date: str) -> float:
    return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()


def test_local_report_data_has_one_bar_per_batch_matching_the_result_records(tmp_path):
    # GIVEN 300 items in batches of 50 on two workers
    job = {"workload": "sum-squares", "size": 300}
    settings = Settings(max_items_per_batch=50)
    # WHEN it runs with a recorder
    with Recorder() as recorder:
        result = run_locally(
            job, settings, store=tmp_path, workers=2, on_progress=recorder.on_progress, on_child=recorder.on_child
        )
    run = local_run_data(job, settings, result, recorder)
    # THEN the timeline has one bar per child (6 batches), on worker lanes 0 and 1
    assert result.status == "SUCCEEDED"
    bars = figures.timeline_series(run)
    segments = [segment for key in figures.OUTCOMES for segment in bars[key]]
    assert len(segments) == run.children == 6
    assert {segment[0][1] for segment in segments} <= {0.0, 1.0}
    # AND each bar spans its child's StartDate..StopDate as the ResultWriter recorded them, to the millisecond either
    # way (a record's dates are read from the clock just inside or outside the span's own readings, and truncated)
    # (a record names its child by its input: batch k holds lengths 50k..50k+49)
    (records_file,) = tmp_path.glob("hpc-local/results/*/*/SUCCEEDED_0.json")
    records = json.loads(records_file.read_text())
    by_child = {json.loads(record["Input"])["Items"][0] // 50: record for record in records}
    assert sorted(segments) == sorted(
        ((span.started - run.started, span.worker), (span.stopped - run.started, span.worker)) for span in run.spans
    )
    for span in run.spans:
        record = by_child[span.index]
        assert span.started - 0.001 <= _epoch(record["StartDate"]) <= span.stopped + 0.001
        assert span.started - 0.001 <= _epoch(record["StopDate"]) <= span.stopped + 0.001
    # AND the throughput curve ends at the item count, the run's wall time brackets every child
    assert figures.throughput_series(run)[1][-1] == run.total_items == 300
    assert all(run.started <= span.started <= span.stopped <= run.stopped for span in run.spans)
    assert run.pending_items == 0

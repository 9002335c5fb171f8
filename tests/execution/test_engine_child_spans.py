"""The child-timing hook: one ChildSpan per finished Map child, saying when, on which worker, how it ended, how many
items it held and how many tries it took; the same times the ResultWriter records carry."""

from __future__ import annotations

import json
from datetime import datetime

from test_engine_map import map_state, result_files
from toy_machine import machine, task

from hpc.engine.spans import ChildSpan


def _epoch(date: str) -> float:
    return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()


def test_each_finished_child_gives_one_span_matching_its_result_record(make_engine, tmp_path):
    # GIVEN 10 items in batches of 3 on two workers
    spans: list[ChildSpan] = []
    state = map_state("square", ItemBatcher={"MaxItemsPerBatch": 3})
    # WHEN the Map runs with a span sink
    result = make_engine(machine(("Map", state)), workers=2).run({"items": list(range(10))}, on_child=spans.append)
    # THEN there is one span per child, in the Map Run's child indices, holding the batch's items
    assert result.status == "SUCCEEDED"
    assert sorted(span.index for span in spans) == [0, 1, 2, 3]
    assert [span.items for span in sorted(spans, key=lambda s: s.index)] == [3, 3, 3, 1]
    assert {span.status for span in spans} == {"SUCCEEDED"}
    assert {span.attempts for span in spans} == {1}
    assert {span.worker for span in spans} <= {0, 1}
    # AND each span encloses the times its ResultWriter record gives (records have millisecond resolution)
    # (a record names its child by its input: batch k holds items 3k..3k+2)
    records = result_files(tmp_path / "store", result.output)["SUCCEEDED"]
    by_child = {json.loads(record["Input"])["Items"][0] // 3: record for record in records}
    for span in spans:
        record = by_child[span.index]
        assert span.started <= span.stopped
        assert span.started - 0.001 <= _epoch(record["StartDate"]) <= span.stopped
        assert span.started - 0.001 <= _epoch(record["StopDate"]) <= span.stopped


def test_spans_count_retries_and_report_failures(make_engine):
    # GIVEN a child processor that retries throttling, children failing 0 or 2 times before success, and one that
    # never succeeds; every failure tolerated
    retry = [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3}]
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {"Work": task("flaky", Retry=retry, OutputPath="$.Payload")},
    }
    state = map_state(ItemProcessor=processor, ToleratedFailurePercentage=100)
    items = [
        {"key": "steady", "failures": 0, "error": "Throttled"},
        {"key": "twice", "failures": 2, "error": "Throttled"},
        {"key": "broken", "failures": 1, "error": "Boom"},
    ]
    spans: list[ChildSpan] = []
    # WHEN the Map runs
    result = make_engine(machine(("Map", state)), workers=2).run({"items": items}, on_child=spans.append)
    # THEN the spans say how many tries each child took and which one failed
    assert result.status == "SUCCEEDED"
    by_index = {span.index: (span.status, span.attempts) for span in spans}
    assert by_index == {0: ("SUCCEEDED", 1), 1: ("SUCCEEDED", 3), 2: ("FAILED", 1)}


def test_worker_lanes_are_small_stable_ids_of_the_worker_processes(make_engine):
    # GIVEN children that overlap in time on three workers
    spans: list[ChildSpan] = []
    engine = make_engine(machine(("Map", map_state("concurrent"))), workers=3)
    # WHEN 12 children run
    engine.run({"items": list(range(12))}, on_child=spans.append)
    # THEN every span names a lane 0..2, and spans of one lane never overlap (a worker runs one child at a time)
    assert len(spans) == 12
    assert {span.worker for span in spans} <= {0, 1, 2}
    assert len({span.worker for span in spans}) > 1
    for lane in {span.worker for span in spans}:
        runs = sorted((s.started, s.stopped) for s in spans if s.worker == lane)
        assert all(previous[1] <= following[0] for previous, following in zip(runs, runs[1:], strict=False))


def test_a_child_that_fails_before_it_runs_gives_a_span_of_one_attempt(make_engine, tmp_path):
    # GIVEN a child whose input is over 256 KiB: it fails before any state of it runs
    (tmp_path / "store" / "b").mkdir(parents=True)
    (tmp_path / "store" / "b" / "k.json").write_text(json.dumps([{"v": "x"}, {"v": "y" * 262_144}]))
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k.json"},
    }
    spans: list[ChildSpan] = []
    state = map_state(ItemsPath=None, ItemReader=reader, ToleratedFailurePercentage=50)
    result = make_engine(machine(("Map", state)), workers=1).run({}, on_child=spans.append)
    assert result.status == "SUCCEEDED"
    assert sorted((span.index, span.status, span.attempts) for span in spans) == [(0, "SUCCEEDED", 1), (1, "FAILED", 1)]

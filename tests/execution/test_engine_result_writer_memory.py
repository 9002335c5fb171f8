"""The ResultWriter streams: records are spooled as they arrive, written in child order as AWS-format JSON arrays split
at the size limit, atomically, and the parent's memory does not hold them; no spool or half file outlives a run."""

from __future__ import annotations

import json
import os
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_map import map_state, result_files
from toy_machine import machine, read_object

from handlers.store import LocalStore
from hpc.engine import result_writer
from hpc.engine.errors import StatesError


def reference_split(records: list[bytes], limit: int) -> list[bytes]:
    """The split rule spelled out slowly: a new file when adding the record would take the array past `limit`."""
    files: list[list[bytes]] = []
    for record in records:
        if files and len(b"[" + b",".join([*files[-1], record]) + b"]") > limit:
            files.append([])
        if not files:
            files.append([])
        files[-1].append(record)
    return [b"[" + b",".join(members) + b"]" for members in files]


def files_in(store: Path) -> list[str]:
    return sorted(path.relative_to(store).as_posix() for path in store.rglob("*") if path.is_file())


def open_descriptors_under(directory: Path) -> list[str]:
    """What this process's open file descriptors point to inside `directory` (unnamed files show as deleted)."""
    targets = []
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{descriptor}")
        except OSError:
            continue
        if target.startswith(str(directory.resolve())):
            targets.append(target)
    return targets


def assert_nothing_temporary_left(store: Path) -> None:
    assert [name for name in files_in(store) if Path(name).name.startswith(".")] == []
    assert open_descriptors_under(store) == []


# ---- result_writer on its own ----


def test_each_kind_is_one_json_array_of_its_records_with_a_manifest(tmp_path):
    # GIVEN encoded records of two kinds
    succeeded = [b'{"a":1}', b'{"b":"\xc3\xa9"}', b"{}"]
    failed = [b'{"Error":"E"}']
    # WHEN they are written
    key = result_writer.write_results(
        tmp_path, "bucket", "runs/x/", "run-1", "arn:run", {"SUCCEEDED": iter(succeeded), "FAILED": failed}
    )
    # THEN each file is the records joined by commas in brackets, and the manifest lists every kind
    base = tmp_path / "bucket" / "runs/x/run-1"
    succeeded_body, failed_body = b'[{"a":1},{"b":"\xc3\xa9"},{}]', b'[{"Error":"E"}]'
    assert (base / "SUCCEEDED_0.json").read_bytes() == succeeded_body
    assert (base / "FAILED_0.json").read_bytes() == failed_body
    assert key == "runs/x/run-1/manifest.json"
    assert (tmp_path / "bucket" / key).read_bytes() == json.dumps(
        {
            "DestinationBucket": "bucket",
            "MapRunArn": "arn:run",
            "ResultFiles": {
                "FAILED": [{"Key": "runs/x/run-1/FAILED_0.json", "Size": len(failed_body)}],
                "PENDING": [],
                "SUCCEEDED": [{"Key": "runs/x/run-1/SUCCEEDED_0.json", "Size": len(succeeded_body)}],
            },
        },
        separators=(",", ":"),
    ).encode()
    assert_nothing_temporary_left(tmp_path)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=60), max_size=25),
    limit=st.integers(min_value=2, max_value=200),
)
def test_files_split_at_the_limit_as_the_reference_rule_does(sizes, limit):
    records = [json.dumps("x" * size).encode() for size in sizes]
    with tempfile.TemporaryDirectory() as directory:
        store = Path(directory)
        key = result_writer.write_results(store, "b", "", "run", "arn", {"PENDING": records}, max_file_bytes=limit)
        manifest = read_object(store, "b", key)
        written = [(store / "b" / entry["Key"]).read_bytes() for entry in manifest["ResultFiles"]["PENDING"]]
        assert written == reference_split(records, limit)
        assert [entry["Key"] for entry in manifest["ResultFiles"]["PENDING"]] == [
            f"run/PENDING_{n}.json" for n in range(len(written))
        ]
        assert [entry["Size"] for entry in manifest["ResultFiles"]["PENDING"]] == [len(body) for body in written]


def chunks_of(children: range, lengths: list[int]) -> list[list[int]]:
    chunks, start = [], 0
    for length in lengths:
        if start < len(children):
            chunks.append(list(children[start : start + length]))
        start += length
    return chunks


@settings(max_examples=80, deadline=None)
@given(
    arrivals=st.lists(st.integers(1, 8), min_size=30, max_size=30)
    .map(lambda lengths: chunks_of(range(30), lengths))
    .flatmap(st.permutations)  # workers return chunks of consecutive children, in an order of their own
    .flatmap(
        lambda chunks: st.lists(
            st.tuples(st.sampled_from([0, 1, 2, 2, 2, 2]), st.integers(0, 60)), min_size=30, max_size=30
        ).map(lambda drawn: [(child, *drawn[child]) for chunk in chunks for child in chunk])
    ),
    limit=st.integers(min_value=2, max_value=300),
    run_bytes=st.sampled_from([1, 50, 1 << 20]),
)
def test_runs_read_from_the_spool_split_as_their_records_would(arrivals, limit, run_bytes):
    # GIVEN records arriving in an order of their own, with three statuses, some next to each other in the spool
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(result_writer, "RUN_BYTES", run_bytes)
        written_as_runs(arrivals, limit)


def written_as_runs(arrivals: list[tuple[int, int, int]], limit: int) -> None:
    records = {child: (status, json.dumps("x" * size).encode()) for child, status, size in arrivals}
    with tempfile.TemporaryDirectory() as directory:
        store = Path(directory)
        with result_writer.RecordSpool(store / "spool", 30) as spool:
            for child, status, _ in arrivals:
                spool.add(child, status, records[child][1])
            kinds = {kind: spool.joined(status) for status, kind in enumerate(result_writer.KINDS)}
            key = result_writer.write_results(store, "b", "", "run", "arn", kinds, max_file_bytes=limit)
        manifest = read_object(store, "b", key)
        # THEN each kind's files are what its records in child order, one by one, make
        for status, kind in enumerate(result_writer.KINDS):
            in_order = [records[child][1] for child in range(30) if records[child][0] == status]
            written = [(store / "b" / entry["Key"]).read_bytes() for entry in manifest["ResultFiles"][kind]]
            assert written == (reference_split(in_order, limit) if in_order else [])


@settings(max_examples=80, deadline=None)
@given(
    arrivals=st.lists(st.integers(1, 8), min_size=30, max_size=30)
    .map(lambda lengths: chunks_of(range(30), lengths))
    .flatmap(st.permutations)
    .flatmap(
        lambda chunks: st.lists(
            st.tuples(st.sampled_from([0, 1, 2, 2, 2, 2]), st.integers(0, 60)), min_size=30, max_size=30
        ).map(lambda drawn: [(child, *drawn[child]) for chunk in chunks for child in chunk])
    ),
    held_bytes=st.sampled_from([0, 70, 1 << 20]),
    missing=st.sampled_from([None, 0, 17, 29]),
    linkable=st.booleans(),
)
def test_the_succeeded_file_made_as_children_report_is_the_one_written_at_the_end(
    arrivals, held_bytes, missing, linkable
):
    # GIVEN records arriving out of order (some child perhaps never reporting), SUCCEEDED ones put in order as their
    # turn comes, waiting in memory up to a limit, the rest spooled; and a system that can or cannot link the file
    arrivals = [arrival for arrival in arrivals if arrival[0] != missing]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(result_writer, "HELD_BYTES", held_bytes)
        if not linkable:
            patch.setattr(result_writer.os, "link", fail_to_link)
        linked, written = results_both_ways(arrivals)
    # THEN every kind's files are those written record by record in child order, linked or not
    assert linked == written


def fail_to_link(*args, **kwargs):
    raise OSError("no unnamed files here")


def results_both_ways(arrivals: list[tuple[int, int, int]]) -> tuple[dict, dict]:
    records = {child: (status, json.dumps("x" * size).encode()) for child, status, size in arrivals}
    made = []
    for ordered in (2, None):  # SUCCEEDED's status here is 2; None: no ordered file at all
        with tempfile.TemporaryDirectory() as directory:
            store = Path(directory)
            with result_writer.RecordSpool(store / "spool", 0, ordered=ordered) as spool:
                for child, status, _ in arrivals:
                    spool.add(child, status, records[child][1])
                kinds = {kind: spool.joined(status) for status, kind in enumerate(result_writer.KINDS)}
                whole = ("SUCCEEDED", spool.link_whole) if ordered is not None else None
                key = result_writer.write_results(store, "b", "", "run", "arn", kinds, max_file_bytes=300, whole=whole)
            manifest = read_object(store, "b", key)
            made.append(
                {
                    kind: [(store / "b" / entry["Key"]).read_bytes() for entry in manifest["ResultFiles"][kind]]
                    for kind in result_writer.KINDS
                }
            )
            assert_nothing_temporary_left(store)
    return made[0], made[1]


def test_a_map_whose_children_all_succeed_links_its_succeeded_file_into_place(tmp_path, monkeypatch):
    # GIVEN a spool whose SUCCEEDED records all reported, out of order
    copied = []
    monkeypatch.setattr(result_writer, "write_kind", lambda *args: copied.append(args[3]) or [])
    with result_writer.RecordSpool(tmp_path / "spool", 0, ordered=0) as spool:
        for child in (1, 0, 3, 2):
            spool.add(child, 0, b'"%d"' % child)
        kinds = {"SUCCEEDED": spool.joined(0)}
        key = result_writer.write_results(tmp_path, "b", "", "run", "arn", kinds, whole=("SUCCEEDED", spool.link_whole))
    # THEN the file that grew as they reported is the result file, in child order, and no record was copied into it
    assert (tmp_path / "b" / "run" / "SUCCEEDED_0.json").read_bytes() == b'["0","1","2","3"]'
    assert read_object(tmp_path, "b", key)["ResultFiles"]["SUCCEEDED"] == [{"Key": "run/SUCCEEDED_0.json", "Size": 17}]
    assert "SUCCEEDED" not in copied


def test_a_write_that_fails_leaves_no_half_file(tmp_path):
    # GIVEN records whose source fails after two of them
    def failing_records():
        yield b"1"
        yield b"2"
        raise OSError("disk full")

    # WHEN they are written
    with pytest.raises(StatesError) as raised:
        result_writer.write_results(tmp_path, "b", "p", "run", "arn", {"SUCCEEDED": failing_records()})
    # THEN the Map's error names the write, and neither a half file nor its temporary is left
    assert raised.value.error == "States.ResultWriterFailed"
    assert files_in(tmp_path) == []


def test_a_listing_taken_during_a_write_never_shows_a_partial_file(tmp_path):
    # GIVEN records whose source lists the store (as the sum function would) before handing over each record
    listings = []

    def records_listing_as_they_go(kind):
        for n in range(3):
            listings.append(sorted(key for key, _ in LocalStore(tmp_path).list("b", "")))
            yield json.dumps({kind: n}).encode()

    # WHEN the files are written
    records = {kind: records_listing_as_they_go(kind) for kind in ("SUCCEEDED", "FAILED")}
    key = result_writer.write_results(tmp_path, "b", "p", "run", "arn", records, max_file_bytes=20)
    # THEN every listing shows only complete files (one record each at this limit): never the file being written
    succeeded = [f"p/run/SUCCEEDED_{n}.json" for n in range(3)]
    failed = [f"p/run/FAILED_{n}.json" for n in range(3)]
    assert listings == [[], [], succeeded[:1], succeeded, succeeded, [failed[0], *succeeded]]
    # AND the manifest comes last
    assert sorted(key for key, _ in LocalStore(tmp_path).list("b", "")) == sorted([*failed, *succeeded, key])
    assert_nothing_temporary_left(tmp_path)


def test_a_prefix_without_a_trailing_slash_and_an_empty_prefix_name_the_same_layout(tmp_path):
    assert result_writer.write_results(tmp_path, "b", "p/q", "run", "arn", {}) == "p/q/run/manifest.json"
    assert result_writer.write_results(tmp_path, "b", "", "run", "arn", {}) == "run/manifest.json"


def test_the_spool_is_an_unnamed_file_in_the_directory_it_is_given(tmp_path):
    # Beside the store, on its file system: not in /tmp, which may be a small RAM disk
    with result_writer.RecordSpool(tmp_path / "store", 1) as spool:
        spool.add(0, 0, b"{}")
        [spool_file] = open_descriptors_under(tmp_path / "store")
        assert spool_file.endswith("(deleted)")  # never linked into the store's tree
    assert open_descriptors_under(tmp_path / "store") == []


def test_the_spool_grows_for_children_past_its_first_count(tmp_path):
    # A streamed item list does not say how many children there will be
    with result_writer.RecordSpool(tmp_path, 0) as spool:
        spool.add(5000, 1, b"late")
        spool.add(0, 1, b"first")
        spool.add(2, 0, b"other")
        assert list(spool.records(1)) == [b"first", b"late"]
        assert list(spool.records(0)) == [b"other"]


def test_result_files_split_at_the_5_gb_aws_writes():
    assert result_writer.MAX_FILE_BYTES == 5 * 1024**3


def test_spool_gives_records_back_by_status_in_child_order(tmp_path):
    # GIVEN records arriving out of child order, some larger than one read of the spool
    spool_directory = tmp_path / "store"
    big = result_writer.RUN_BYTES + 10
    arrivals = [(3, 0, b"c" * 5), (0, 0, b"a" * big), (2, 1, b"F2"), (5, 0, b"e"), (1, 0, b"b" * 7), (4, 1, b"F" * big)]
    with result_writer.RecordSpool(spool_directory, 7) as spool:
        for child, status, record in arrivals:
            spool.add(child, status, record)
        # THEN each status's records come back in child order (child 6 never reported: in neither)
        assert list(spool.records(0)) == [b"a" * big, b"b" * 7, b"c" * 5, b"e"]
        assert list(spool.records(1)) == [b"F2", b"F" * big]
        # AND the spool never appears as a file in the store
        assert files_in(spool_directory) == []
    assert open_descriptors_under(spool_directory) == []


# ---- through the engine ----


def test_records_are_written_in_child_order(make_engine, tmp_path):
    # GIVEN two workers finishing children in an order of their own
    engine = make_engine(machine(("Map", map_state())), workers=2)
    # WHEN 60 children run
    result = engine.run({"items": list(range(60))})
    # THEN the SUCCEEDED file lists them by item index, and nothing temporary is left
    records = result_files(tmp_path / "store", result.output)["SUCCEEDED"]
    assert [json.loads(record["Input"]) for record in records] == list(range(60))
    assert_nothing_temporary_left(tmp_path / "store")


def test_split_files_keep_child_order_across_files(make_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(result_writer, "MAX_FILE_BYTES", 3000)
    result = make_engine(machine(("Map", map_state()))).run({"items": list(range(40))})
    manifest = read_object(tmp_path / "store", "results", result.output["ResultWriterDetails"]["Key"])
    assert len(manifest["ResultFiles"]["SUCCEEDED"]) > 1
    records = result_files(tmp_path / "store", result.output)["SUCCEEDED"]
    assert [json.loads(record["Input"]) for record in records] == list(range(40))


def test_a_failed_map_writes_its_files_and_leaves_no_spool(make_engine, tmp_path):
    # GIVEN one worker and item 2 of 6 failing, with no failure tolerated
    state = map_state("square", ItemSelector={"item.$": "$$.Map.Item.Value", "fail.$": "$.fail"})
    result = make_engine(machine(("Map", state)), workers=1).run({"items": list(range(6)), "fail": [2]})
    # THEN the Map fails, its final files are there, and no spool or temporary file is
    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    names = sorted(Path(name).name for name in files_in(tmp_path / "store"))
    assert names == ["FAILED_0.json", "PENDING_0.json", "SUCCEEDED_0.json", "manifest.json"]
    assert_nothing_temporary_left(tmp_path / "store")


def test_a_map_error_leaves_no_spool(make_engine, tmp_path):
    # GIVEN an ItemSelector that cannot be evaluated: the Map's own error, no result files
    state = map_state(ItemSelector={"value.$": "$.missing"})
    result = make_engine(machine(("Map", state))).run({"items": [1, 2]})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "$.missing" in result.cause
    assert files_in(tmp_path / "store") == []
    assert open_descriptors_under(tmp_path / "store") == []


def test_a_dead_worker_leaves_no_spool_and_no_result_files(make_engine, tmp_path):
    selector = {"item.$": "$$.Map.Item.Value", "die_on": 4, "how": "kill"}
    result = make_engine(machine(("Map", map_state("die", ItemSelector=selector)))).run({"items": list(range(8))})
    assert (result.status, result.error) == ("FAILED", "Local.WorkerDied")
    assert files_in(tmp_path / "store") == []
    assert open_descriptors_under(tmp_path / "store") == []


def test_an_interrupted_map_leaves_no_spool(make_engine, tmp_path, fake_dir):
    engine = make_engine(machine(("Map", map_state("sleepy"))))

    def interrupt(progress):
        if list(fake_dir.glob("pid-*")):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine.run({"items": list(range(4))}, on_progress=interrupt)
    assert files_in(tmp_path / "store") == []
    assert open_descriptors_under(tmp_path / "store") == []


def test_parent_memory_does_not_hold_the_records(make_engine, tmp_path):
    # GIVEN 1,000 children each returning a 20 KB output: 20 MB of records
    children, output_bytes = 1000, 20_000
    state = map_state("big", ItemSelector={"bytes": output_bytes, "index.$": "$$.Map.Item.Index"})
    engine = make_engine(machine(("Map", state)))
    # WHEN they run with the parent's allocations traced
    tracemalloc.start()
    try:
        result = engine.run({"items": list(range(children))})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # THEN every record was written, yet the parent's peak stayed far below what holding them would take
    assert result.status == "SUCCEEDED"
    manifest = read_object(tmp_path / "store", "results", result.output["ResultWriterDetails"]["Key"])
    written = sum(entry["Size"] for entry in manifest["ResultFiles"]["SUCCEEDED"])
    assert written > children * output_bytes
    assert peak < children * output_bytes / 4, f"peak {peak:,} bytes for {written:,} bytes of records"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400_000), max_size=40), st.sampled_from([30, 1000, 300_000, 10**9]))
def test_files_hold_every_record_in_order_each_within_the_limit_unless_alone(tmp_path_factory, pads, limit):
    # GIVEN records of any sizes, some larger than a write's worth, and a file size limit
    records = [json.dumps({"i": i, "pad": "x" * pad}).encode() for i, pad in enumerate(pads)]
    root = tmp_path_factory.mktemp("results")
    # WHEN they are written
    key = result_writer.write_results(root, "b", "p", "run", "arn", {"SUCCEEDED": records}, max_file_bytes=limit)
    # THEN the files, in the manifest's order, hold them all in order; each file is valid JSON of its listed size,
    # within the limit unless it holds a single record
    read = []
    for entry in json.loads((root / "b" / key).read_text())["ResultFiles"]["SUCCEEDED"]:
        data = (root / "b" / entry["Key"]).read_bytes()
        assert len(data) == entry["Size"]
        held = json.loads(data)
        assert len(data) <= limit or len(held) == 1
        read += held
    assert read == [json.loads(record) for record in records]

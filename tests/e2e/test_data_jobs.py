"""Data jobs through `hpc run` on local data: a folder for object-digest, a CSV or JSON Lines file for csv-stats, and
every kind of bad data refused by name (the object, and the line where there is one), never half-summed.

Expected answers are computed here from the files with hashlib and statistics, sharing no code with the workloads.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import statistics
from pathlib import Path
from typing import Any

import pytest

from hpc.cli import EXIT_FAILED, EXIT_USAGE, main
from hpc.engine.item_reader import listing

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("HPC_LOCAL_STORE", raising=False)


def run(capsys: pytest.CaptureFixture[str], job: dict[str, Any], *options: str) -> tuple[int, Any, str]:
    batches = ["--set", "maxItemsPerBatch=7", "--set", "maxRowsPerBatch=7"]
    code = main(["run", "--input", json.dumps(job), "--json", "--no-progress", *batches, *options])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def make_folder(root: Path, count: int) -> dict[str, bytes]:
    draw = random.Random(5)
    files = {}
    for number in range(count):
        key = f"{draw.choice(['a', 'b/c', 'b-d'])}/file-{number}.txt"
        files[key] = bytes(draw.randrange(256) for _ in range(draw.randrange(0, 3000)))
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(files[key])
    return files


def test_object_digest_of_a_local_folder_matches_sha256sum(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    files = make_folder(tmp_path, 60)
    code, output, _ = run(capsys, {"workload": "object-digest", "data": str(tmp_path)})
    assert code == 0
    listing_text = "".join(
        f"{hashlib.sha256(files[key]).hexdigest()}  {key}\n" for key in sorted(files, key=str.encode)
    )
    assert output["result"] == hashlib.sha256(listing_text.encode()).hexdigest()
    assert (output["items"], output["objects"], output["bytes"]) == (60, 60, sum(map(len, files.values())))
    assert output["lines"] == sum(body.count(b"\n") for body in files.values())


def write_csv(path: Path, rows: int) -> list[dict[str, str]]:
    draw = random.Random(3)
    made = [
        {"x": f"{draw.gauss(100, 15):.6f}", "y": str(draw.randrange(-50, 50)), "name": draw.choice(["a", "b,c", ""])}
        for _ in range(rows)
    ]
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, ["x", "y", "name"])
        writer.writeheader()
        writer.writerows(made)
    return made


def test_csv_stats_of_a_local_csv_matches_one_pass_over_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    rows = write_csv(tmp_path / "t.csv", 500)
    code, output, _ = run(capsys, {"workload": "csv-stats", "data": str(tmp_path / "t.csv")})
    assert code == 0 and output["items"] == 500
    for column in ("x", "y"):
        values = [float(row[column]) for row in rows]
        stats = output["result"][column]
        assert stats["count"] == 500
        assert stats["mean"] == pytest.approx(statistics.fmean(values), rel=1e-12)
        assert stats["variance"] == pytest.approx(statistics.variance(values), rel=1e-9)
        assert (stats["min"], stats["max"]) == (min(values), max(values))
    assert output["result"]["name"]["non_numeric"] + output["result"]["name"]["empty"] == 500


def test_batches_filled_to_the_byte_cap_still_fit_the_compute_task(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # GIVEN small rows and no item cap to speak of: every batch is cut by bytes, within a row of the cap
    rows = write_csv(tmp_path / "t.csv", 12_000)
    code, output, err = run(
        capsys, {"workload": "csv-stats", "data": str(tmp_path / "t.csv")}, "--set", "maxRowsPerBatch=100000"
    )
    # THEN the compute task's input (the batch inside its Parameters) stays under Step Functions' 256 KiB too
    assert code == 0, err
    assert output["items"] == len(rows) and output["result"]["y"]["count"] == len(rows)


def test_csv_stats_reads_json_lines_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "t.jsonl").write_text("".join(json.dumps({"v": value}) + "\n" for value in range(1, 101)))
    code, output, _ = run(capsys, {"workload": "csv-stats", "data": str(tmp_path / "t.jsonl")})
    assert code == 0
    assert (output["result"]["v"]["count"], output["result"]["v"]["mean"]) == (100, 50.5)


def test_a_large_result_is_fetched_from_the_store_transparently(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # 600 objects: the per-object list passes 64 KiB, so the sum stores the output and `hpc run` fetches it
    make_folder(tmp_path / "data", 600)
    code, output, _ = run(
        capsys, {"workload": "object-digest", "data": str(tmp_path / "data")}, "--store", str(tmp_path / "s")
    )
    assert code == 0 and len(output["files"]) == 600 and "result_object" not in output
    [stored] = (tmp_path / "s" / "hpc-local" / "outputs").glob("*/result.json")
    # AND --json prints the stored JSON as it is (not decoded and encoded again); --save writes it whole
    main(["run", "--input", json.dumps({"workload": "object-digest", "data": str(tmp_path / "data")}), "--json"])
    assert capsys.readouterr().out == stored.read_text() + "\n"
    main(
        [
            "run",
            "--workload",
            "object-digest",
            "--input",
            json.dumps({"data": str(tmp_path / "data")}),
            "--save",
            str(tmp_path / "all.json"),
        ]
    )
    assert json.loads((tmp_path / "all.json").read_text()) == output


# ---- bad data: a clear error naming the object, nothing half-summed -------------------------------------------


def test_a_missing_local_file_or_folder_is_refused_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, {"workload": "csv-stats", "data": str(tmp_path / "nope.csv")})
    assert code == EXIT_USAGE and "nope.csv" in err and "no such file or folder" in err


def test_a_missing_object_in_the_store_fails_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "lake").mkdir()
    job = {"workload": "csv-stats", "data": "s3://lake/missing.csv"}
    code, _, err = run(capsys, job, "--store", str(tmp_path), "--set", "dataBuckets=lake")
    assert code == EXIT_FAILED
    assert "States.ItemReaderFailed" in err and "NoSuchKey" in err and "s3://lake/missing.csv" in err


def test_an_empty_folder_is_refused_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, {"workload": "object-digest", "data": str(tmp_path / "empty")})
    assert code == EXIT_USAGE and "holds no items" in err and "s3://local-data/" in err


def test_a_prefix_with_no_objects_is_refused_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "lake" / "other").mkdir(parents=True)
    (tmp_path / "lake" / "other" / "x").write_text("x")
    job = {"workload": "object-digest", "data": "s3://lake/logs/"}
    code, _, err = run(capsys, job, "--store", str(tmp_path), "--set", "dataBuckets=lake")
    assert code == EXIT_USAGE and "s3://lake/logs/ holds no items" in err


def test_a_ragged_row_is_padded_as_aws_does_and_shows_in_the_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # AWS's CSV reader gives a short row empty strings and drops a long row's extra fields (it does not fail), so the
    # short row's missing cells appear as "empty" in the column they are missing from.
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3\n5,6,7\n")
    code, output, _ = run(capsys, {"workload": "csv-stats", "data": str(tmp_path / "t.csv")})
    assert code == 0
    assert (output["result"]["b"]["count"], output["result"]["b"]["empty"], output["result"]["a"]["count"]) == (2, 1, 3)


def test_a_malformed_json_line_fails_naming_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "t.jsonl").write_text('{"v": 1}\n{"v": 2}\n{"v": \n{"v": 4}\n')
    code, output, err = run(capsys, {"workload": "csv-stats", "data": str(tmp_path / "t.jsonl")})
    assert (code, output) == (EXIT_FAILED, None)
    assert err.startswith("error: States.ItemReaderFailed: An error occurred while executing the state 'ComputeLines'")
    assert f"{tmp_path / 't.jsonl'} line 3 is not valid JSON: Expecting value: line 1 column 7" in err


def test_a_binary_file_for_csv_stats_fails_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "t.csv").write_bytes(b"a,b\n" + bytes(range(256)) * 4)
    code, output, err = run(capsys, {"workload": "csv-stats", "data": str(tmp_path / "t.csv")})
    assert (code, output) == (EXIT_FAILED, None)
    # bytes 0..10 end the first line of data; byte 128, on the next line, is not UTF-8
    assert f"{tmp_path / 't.csv'} line 3 is not UTF-8 text" in err


def test_an_object_deleted_between_listing_and_reading_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    # GIVEN a folder whose file "b/gone.txt" disappears right after the Map's listing has produced its entry
    make_folder(tmp_path, 20)
    (tmp_path / "b" / "gone.txt").write_text("soon gone\n")
    listed = listing.listed

    def listed_then_delete(key: str, stat: Any) -> listing.Listed:
        produced = listed(key, stat)
        if key == "b/gone.txt":
            (tmp_path / key).unlink()
        return produced

    monkeypatch.setattr(listing, "listed", listed_then_delete)
    # WHEN digested THEN the run fails naming the object, and gives no digest
    code, output, err = run(capsys, {"workload": "object-digest", "data": str(tmp_path)})
    assert (code, output) == (EXIT_FAILED, None)
    assert "ItemsFailed" in err and f"ObjectMissing: {tmp_path / 'b' / 'gone.txt'} does not exist" in err


def test_a_bucket_the_stack_may_not_read_is_refused_naming_the_config_key(capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, {"workload": "csv-stats", "data": "s3://someone-elses/t.csv"})
    assert code == EXIT_USAGE
    assert (
        "InvalidInput: this stack may not read s3://someone-elses/t.csv: add it to the stack config key dataBuckets"
        in err
    )


def test_workloads_lists_the_data_field_for_data_workloads(capsys: pytest.CaptureFixture[str]):
    assert main(["workloads"]) == 0
    listing = capsys.readouterr().out
    section = listing.split("object-digest:")[1].split("\n", 1)[1].split("s3-keys")[0]
    assert "    data " in section and "size" not in section
    assert "    size " in listing.split("sum-squares:")[1]


def test_estimate_refuses_a_data_job_in_one_line(capsys: pytest.CaptureFixture[str]):
    code = main(["estimate", "--input", json.dumps({"workload": "csv-stats", "data": "s3://lake/t.csv"})])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and "hpc estimate models jobs of generated items" in err and "Traceback" not in err

"""`hpc report EXECUTION` on the deployed definition on moto: the report is built from the execution's ResultWriter
files (written in AWS's documented record format by tests/execution/moto_result_writer.py, since moto itself writes
only an empty manifest), DescribeExecution, DescribeMapRun, the definition and the functions' configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("matplotlib")

from moto_stack import BUCKET, SETTINGS, MotoStack  # noqa: E402
from test_cloud_run import connect  # noqa: E402

from hpc.cli import EXIT_FAILED, main  # noqa: E402
from hpc.report import figures  # noqa: E402
from hpc.report.cloud import cloud_run_data  # noqa: E402

BASE = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def aws_date(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def give_records_known_times(stack: MotoStack, name: str) -> list[tuple[float, float]]:
    """Rewrite the run's SUCCEEDED records with distinct StartDate/StopDate (as AWS would record them); the times."""
    (key,) = [
        entry["Key"]
        for entry in stack.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"results/{name}/")["Contents"]
        if entry["Key"].endswith("SUCCEEDED_0.json")
    ]
    records = json.loads(stack.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    times = []
    for position, record in enumerate(reversed(records)):  # file order is not start order
        start = BASE + timedelta(milliseconds=250 * position)
        stop = start + timedelta(milliseconds=100 + 40 * position)
        record["StartDate"], record["StopDate"] = aws_date(start), aws_date(stop)
        times.append((start.timestamp(), stop.timestamp()))
    stack.s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(records).encode())
    return sorted(times)


def clients(stack: MotoStack):
    import boto3

    return {"sfn": stack.sfn, "s3": stack.s3, "lambda_client": boto3.client("lambda")}


def test_cloud_report_draws_each_child_from_its_result_record(stack: MotoStack):
    # GIVEN a finished 6-item execution (unbatched on moto) whose records carry known start and stop times
    described = stack.run({"workload": "sum-squares", "size": 6})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    times = give_records_known_times(stack, described["name"])
    # WHEN its report data is read back from AWS
    run = cloud_run_data(described["executionArn"], **clients(stack))
    # THEN there is one bar per child, in start order, from its StartDate to its StopDate
    bars = sorted(segment for key in figures.OUTCOMES for segment in figures.timeline_series(run)[key])
    assert len(bars) == run.children == 6
    for row, ((start, y0), (stop, y1)) in enumerate(bars):
        assert (y0, y1) == (row, row)
        assert (start + run.started, stop + run.started) == pytest.approx(times[row], abs=1e-3)
    # AND the counts and settings are AWS's: 6 items, the Map Run's concurrency, the function's memory
    assert figures.throughput_series(run)[1][-1] == run.total_items == 6
    assert run.settings["MaxConcurrency"] == SETTINGS.max_concurrency
    assert run.settings["MaxItemsPerBatch"] == 1
    assert run.memory.compute == 128  # what moto's create_function gave the compute function (no MemorySize set)
    assert run.result["result"] == "55"  # 0² + 1² + ... + 5²
    assert run.retries is None  # result records do not say


def test_hpc_report_writes_the_pictures_and_page_for_a_finished_execution(stack: MotoStack, tmp_path, capsys):
    described = stack.run({"size": 5})
    give_records_known_times(stack, described["name"])
    code = main(["report", described["executionArn"], "--out", str(tmp_path / "r")])
    assert code == 0, capsys.readouterr().err
    assert sorted(path.name for path in (tmp_path / "r").iterdir()) == [
        "durations.png",
        "report.html",
        "throughput.png",
        "timeline.png",
    ]
    page = (tmp_path / "r" / "report.html").read_text()
    assert described["name"] in page and "in AWS Step Functions" in page


def test_hpc_report_on_an_execution_that_never_reached_its_map_says_so(stack: MotoStack, capsys):
    described = stack.run({"size": -1})  # refused by the start function
    code = main(["report", described["executionArn"]])
    assert code == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: ReportError: ") and "no Map Run" in err


def test_run_cloud_with_report_reports_on_the_execution_it_ran(stack: MotoStack, tmp_path, monkeypatch, capsys):
    connect(stack, monkeypatch)  # hpc.cloud on an AWS-like moto client, polls shortened
    arguments = ["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--size", "4", "--no-progress"]
    code = main([*arguments, "--report", str(tmp_path / "r")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"report: {tmp_path / 'r' / 'report.html'}" in captured.err
    page = (tmp_path / "r" / "report.html").read_text()
    assert "in AWS Step Functions" in page and "4 succeeded, 0 failed" in page


def test_run_cloud_with_report_on_an_execution_without_a_map_still_prints_the_runs_error(
    stack: MotoStack, tmp_path, monkeypatch, capsys
):
    connect(stack, monkeypatch)
    arguments = ["run", "--cloud", "--state-machine-arn", stack.state_machine_arn, "--no-progress"]
    code = main([*arguments, "--input", '{"workload": "no-such-workload", "size": 3}', "--report", str(tmp_path)])
    err = capsys.readouterr().err
    assert "warning: no report: " in err and "no Map Run" in err
    assert "error: InvalidInput: " in err and "no-such-workload" in err
    assert code == 2

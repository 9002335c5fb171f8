"""Faults injected into a local `hpc run` (see faulty_compute.py): the answer is exact, or there is no answer.

The engine-level mechanics are proven in tests/execution (test_engine_errors.py: Retry and Catch;
test_engine_map.py: tolerance, FAILED and PENDING records; test_engine_faults.py: dead workers, Ctrl-C) and the sum's
refusals in tests/unit/test_handler_sum.py. Here each fault goes through what a user runs: the `hpc` command, the
project's definition, the real handlers, and the command's output and exit status.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from command import HANG_SECONDS, REPO, assert_clean_refusal, bare_s3_keys_total, hpc
from terminal import as_from_a_terminal

EXIT_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 1, 3, 130


def sum_of_squares(n: int) -> int:
    """0^2 + 1^2 + ... + (n-1)^2, in closed form."""
    return (n - 1) * n * (2 * n - 1) // 6


def calls(log_dir: Path) -> list[dict[str, Any]]:
    """Every compute call of the run, as logged by faulty_compute: pid, items, fault."""
    path = log_dir / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # a zombie (exited, not yet reaped) runs nothing
    return stat.exists() and stat.read_text().rsplit(") ", 1)[1][0] != "Z"


# ---- transient faults: retried, exact answer ------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 8])
def test_transient_errors_and_throttling_are_retried_and_the_answer_stays_exact(batch: int, tmp_path: Path):
    # GIVEN a compute function that fails transiently on item 3 (once) and 17 (once) and is throttled on item 8 (twice)
    faults = {"transient": {"3": 1, "17": 1}, "throttled": {"8": 2}, "log": str(tmp_path)}
    # WHEN the default job of 40 items runs, one item or 8 items per child
    done = hpc("run", "--size", "40", "--set", f"maxItemsPerBatch={batch}", "--json", faults=faults)
    # THEN it succeeds with exactly the independent reference's total
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert (output["complete"], output["items"], output["result"]) == (True, 40, bare_s3_keys_total(40))
    # AND every call that held a faulty item was made once more per injected failure, every other call once
    injected = {3: 1, 17: 1, 8: 2}
    per_item = Counter(item for call in calls(tmp_path) for item in call["items"])
    for item in range(40):
        batch_items = range(item - item % batch, item - item % batch + batch)
        assert per_item[item] == 1 + sum(injected.get(other, 0) for other in batch_items), item
    faults_seen = Counter(call["fault"] for call in calls(tmp_path) if call["fault"])
    assert faults_seen == {"transient": 2, "throttled": 2}


def test_retries_stop_at_the_policys_max_attempts_and_the_item_is_named(tmp_path: Path):
    # GIVEN item 5 fails transiently every time, and the Retry policy allows 2 retries
    faults = {"transient": {"5": 1000}, "log": str(tmp_path)}
    # WHEN a job of 8 items runs, one item per child
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "8", "--set", "maxItemsPerBatch=1", "--set", "retryMaxAttempts=2",
        faults=faults,
    )  # fmt: skip
    # THEN item 5 was tried exactly 1 + 2 times, and the run failed naming it and its error, with no total
    assert [call["items"] for call in calls(tmp_path)].count([5]) == 3
    assert_clean_refusal(done, "ItemsFailed", EXIT_FAILED)
    assert "of 8 items failed" in done.stderr
    assert "item 5: TransientError: injected transient failure" in done.stderr


# ---- permanent faults: the run fails naming the items, never a total ------------------------------------------------


def test_permanent_failure_ends_the_run_naming_the_failed_item_never_a_total(tmp_path: Path):
    # GIVEN items 2 and 5 of 8 always fail; one worker, so item 2 fails first and the Map stops starting children
    faults = {"permanent": [2, 5], "log": str(tmp_path)}
    # WHEN the job runs, one item per child
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "8", "--set", "maxItemsPerBatch=1", "--workers", "1", "--json",
        faults=faults,
    )  # fmt: skip
    # THEN it exits 1 with ItemsFailed naming item 2 and its error; nothing on stdout, so no total anywhere
    assert_clean_refusal(done, "ItemsFailed", EXIT_FAILED)
    assert "1 of 8 items failed" in done.stderr
    assert "item 2: ValueError: injected permanent failure on item 2" in done.stderr
    # AND the children not started after the failure are counted, not silently dropped
    started = {item for call in calls(tmp_path) for item in call["items"]}
    assert f"{8 - len(started)} never started" in done.stderr


def test_permanent_failure_in_a_batch_names_the_batch(tmp_path: Path):
    # GIVEN items 5 and 6 always fail, and children hold 4 items each
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "16", "--set", "maxItemsPerBatch=4", "--json",
        faults={"permanent": [5, 6]},
    )  # fmt: skip
    # THEN the failed batch, items 4..7, is named with its error and all its items count as failed
    assert_clean_refusal(done, "ItemsFailed", EXIT_FAILED)
    assert "4 of 16 items failed" in done.stderr
    assert "items 4..7: ValueError: injected permanent failure on item 5" in done.stderr


# ---- tolerated failures: reported, marked incomplete ----------------------------------------------------------------


def test_tolerated_failure_is_reported_and_the_result_marked_incomplete():
    # GIVEN item 3 of 20 always fails, and the deployment tolerates 10% failed items
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "20", "--set", "maxItemsPerBatch=1",
        "--set", "toleratedFailurePercentage=10", "--json",
        faults={"permanent": [3]},
    )  # fmt: skip
    # THEN the command exits 3 and warns that the result is not exact
    assert done.returncode == EXIT_INCOMPLETE, done.stderr
    assert "this result is NOT exact" in done.stderr and "Traceback" not in done.stderr
    # AND the output is marked incomplete, has no "result", and its partial sum leaves out exactly item 3
    output = json.loads(done.stdout)
    assert output["complete"] is False
    assert "result" not in output
    assert output["partial_result"] == str(sum_of_squares(20) - 3 * 3)
    assert (output["items_covered"], output["items_failed"], output["items_expected"]) == (19, 1, 20)
    (failure,) = output["failed"]
    assert (failure["label"], failure["items"], failure["Error"]) == ("item 3", [3], "ValueError")


def test_failures_past_the_tolerance_end_the_run_naming_every_failed_item():
    # GIVEN 3 of 20 items fail (15%) while 10% is tolerated: the third failure crosses the threshold
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "20", "--set", "maxItemsPerBatch=1",
        "--set", "toleratedFailurePercentage=10", "--json",
        faults={"permanent": [3, 4, 5]},
    )  # fmt: skip
    # THEN the run fails with ItemsFailed naming all three, and gives no total, not even a partial one
    assert_clean_refusal(done, "ItemsFailed", EXIT_FAILED)
    assert "3 of 20 items failed" in done.stderr
    for item in (3, 4, 5):
        assert f"item {item}: ValueError: injected permanent failure on item {item}" in done.stderr


# ---- damaged results: the sum refuses ----------------------------------------------------------------------------


DAMAGE = [("missing", "does not exist"), ("truncated", "truncated or corrupt")]


@pytest.mark.parametrize(("damage", "complaint"), DAMAGE)
def test_a_missing_or_truncated_result_file_makes_the_sum_refuse(damage: str, complaint: str, tmp_path: Path):
    # GIVEN the Map's first SUCCEEDED result file is lost or cut in half before the sum reads it
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "8", "--store", str(tmp_path), "--json",
        faults={"damage": damage},
    )  # fmt: skip
    # THEN the sum refuses with IncompleteResults naming that file, and no total is printed
    assert_clean_refusal(done, "IncompleteResults", EXIT_FAILED)
    assert "/SUCCEEDED_0.json" in done.stderr and complaint in done.stderr


# ---- the local engine's own faults: a killed worker, Ctrl-C ----------------------------------------------------


def test_a_killed_worker_is_reported_never_a_hang(tmp_path: Path):
    # GIVEN the worker process that computes item 5 is killed (SIGKILL) while it runs
    faults = {"kill": [5], "log": str(tmp_path)}
    # WHEN the job runs (a hang would hit the subprocess timeout and fail the test)
    done = hpc(
        "run", "--workload", "sum-squares", "--size", "8", "--set", "maxItemsPerBatch=1", "--workers", "2",
        faults=faults,
    )  # fmt: skip
    # THEN the run fails with Local.WorkerDied, saying how the worker died and which item it held
    assert_clean_refusal(done, "Local.WorkerDied", EXIT_FAILED)
    assert "was killed by SIGKILL" in done.stderr
    assert "(item 5 of 8: [5])" in done.stderr
    # AND no worker process outlived the run
    pids = {call["pid"] for call in calls(tmp_path)}
    assert pids and not any(alive(pid) for pid in pids)


def children(pid: int) -> list[int]:
    """Live child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def ignores_sigint(pid: int) -> bool:
    """Whether the process has set SIGINT to be ignored (the engine's workers do, first thing)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))


SLOW_JOB = {"workload": "monte-carlo-pi", "size": 4, "samples_per_item": 10_000_000}  # seconds an item


def start_slow_run(*options: str, **popen: Any) -> tuple[subprocess.Popen, list[int]]:
    """`hpc run` of SLOW_JOB on two workers, returned once both workers are up (they ignore SIGINT, so only the
    parent handles a signal), with their pids."""
    command = [sys.executable, "-m", "hpc.cli", "run", "--input", json.dumps(SLOW_JOB), "--set", "maxItemsPerBatch=1"]
    command += ["--workers", "2", *options]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
        **popen,
    )
    deadline = time.monotonic() + HANG_SECONDS
    workers: list[int] = []
    while time.monotonic() < deadline and process.poll() is None:
        workers = [pid for pid in children(process.pid) if ignores_sigint(pid)]
        if len(workers) == 2:
            return process, workers
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(f"the run should have started two workers, found {workers}")


def test_ctrl_c_stops_the_run_and_its_workers(tmp_path: Path):
    # GIVEN `hpc run` on items that take seconds each, in its own process group as a terminal would run it
    process, workers = start_slow_run("--store", str(tmp_path), start_new_session=True)
    try:
        # WHEN the terminal sends Ctrl-C to the process group
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=HANG_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # THEN the command stops with status 130 and says so, without a traceback or a result
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert stderr == "error: interrupted; the run and its workers were stopped\n"
    assert stdout == ""
    # AND its workers are gone
    assert not any(alive(pid) for pid in workers)


def test_sigterm_stops_the_run_and_its_workers_and_removes_the_temporary_folder(tmp_path: Path):
    # GIVEN `hpc run` without --store (its files in a temporary folder, here under tmp_path) on items taking seconds
    process, workers = start_slow_run(env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        assert [path.name[:8] for path in tmp_path.iterdir()] == ["hpc-run-"]  # the run's temporary folder
        # WHEN SIGTERM is sent to the command alone, as `timeout` and `kill` do
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=HANG_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # THEN it exits 143 (128 + SIGTERM) saying so, without a traceback or a result
    assert process.returncode == 143, stderr
    assert stderr == "error: terminated (SIGTERM); the run was stopped and its temporary files removed\n"
    assert stdout == ""
    # AND its workers are gone, and so is its temporary folder, as after Ctrl-C
    assert not any(alive(pid) for pid in workers)
    assert list(tmp_path.iterdir()) == []

"""`hpc run` on this machine and `hpc estimate`, as a user types them.

Most cases call hpc.cli.main in this process (fast, output captured); one runs the installed console script in a new
process. Expected totals never come from the code under test: the s3-keys totals from benchmarks/bare_s3_keys.py (a
standalone recurrence) run as its own process, the Monte Carlo estimate from the random streams its workload
documents (`random.Random(f"{seed}:{item}")`, two draws a point).
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from command import HANG_SECONDS, bare_s3_keys_total

from hpc.cli import EXIT_USAGE, main

REPO = Path(__file__).resolve().parents[2]
HPC = Path(sys.executable).with_name("hpc")


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """`hpc` reads Pulumi.dev.yaml from the working directory, as it does for a user in the project."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("HPC_LOCAL_STORE", raising=False)


def printed_fields(stdout: str) -> dict[str, str]:
    """`hpc run`'s text output: one field a line, the name padded to 16 characters."""
    return {line[:16].strip(): line[16:] for line in stdout.splitlines()}


def result_files(store: Path) -> list[Path]:
    return sorted((store / "hpc-local" / "results").rglob("*.json"))


def test_run_with_defaults_prints_the_exact_2206_digit_total_items_and_wall_time(capsys: pytest.CaptureFixture[str]):
    # GIVEN the bare recurrence's total for the default size, 1024
    expected = bare_s3_keys_total(1024)
    assert len(expected) == 2206
    # WHEN `hpc run` runs with no job options
    code = main(["run", "--no-progress"])
    # THEN it prints that total, digit for digit, with the item count and the wall time
    printed = capsys.readouterr()
    assert code == 0, printed.err
    fields = printed_fields(printed.out)
    assert fields["result"] == expected
    assert fields["items"] == "1024"
    assert fields["digits"] == "2206"
    assert fields["complete"] == "True"
    assert re.fullmatch(r"\d+\.\d{3} s", fields["wall time"])


def test_console_script_prints_json_with_big_integers_as_strings():
    # WHEN the installed `hpc` command runs in its own process with --json
    done = subprocess.run(
        [str(HPC), "run", "--size", "1024", "--json", "--no-progress"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        check=False,
    )
    # THEN it exits 0 and prints one JSON object whose big total is a decimal string, equal to the bare total
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert isinstance(output["result"], str)
    assert output["result"] == bare_s3_keys_total(1024)
    assert output["items"] == 1024 and output["complete"] is True


def reference_pi(size: int, samples_per_item: int, seed: int) -> float:
    """4 * inside / samples over the documented per-item streams."""
    inside = 0
    for item in range(size):
        draw = random.Random(f"{seed}:{item}").random
        for _ in range(samples_per_item):
            x, y = draw(), draw()
            inside += x * x + y * y <= 1.0
    return 4.0 * inside / (size * samples_per_item)


def test_monte_carlo_pi_run_matches_its_documented_random_streams(capsys: pytest.CaptureFixture[str]):
    # WHEN the Monte Carlo workload runs 8 items of 1000 points each
    code = main(
        [
            "run",
            "--workload",
            "monte-carlo-pi",
            "--input",
            '{"size": 8, "samples_per_item": 1000}',
            "--json",
            "--no-progress",
        ]
    )
    # THEN its estimate is the one the documented streams give (seed 0), over 8000 points
    printed = capsys.readouterr()
    assert code == 0, printed.err
    output = json.loads(printed.out)
    assert output["workload"] == "monte-carlo-pi" and output["items"] == 8
    assert output["samples"] == 8000
    assert output["result"] == pytest.approx(reference_pi(8, 1000, seed=0), rel=1e-12)
    # AND its standard error is the Bernoulli one for that estimate
    fraction = output["result"] / 4
    assert output["standard_error"] == pytest.approx(4 * math.sqrt(fraction * (1 - fraction) / 8000), rel=1e-9)


def test_unbatched_run_gives_the_same_total_as_a_batched_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # GIVEN the same 60-item job, run with batches of 16 items and with one item per child
    totals, records = {}, {}
    for batch in (16, 1):
        store = tmp_path / f"batch-{batch}"
        code = main(["run", "--size", "60", "--set", f"maxItemsPerBatch={batch}", "--store", str(store), "--json"])
        assert code == 0, capsys.readouterr().err
        totals[batch] = json.loads(capsys.readouterr().out)["result"]
        (succeeded,) = [path for path in result_files(store) if path.name.startswith("SUCCEEDED_")]
        records[batch] = len(json.loads(succeeded.read_bytes()))
    # THEN the setting took effect: 4 children of up to 16 items, then 60 children of one
    assert records == {16: 4, 1: 60}
    # AND both totals are the bare recurrence's
    assert totals[16] == totals[1] == bare_s3_keys_total(60)


def test_run_with_store_keeps_the_manifest_and_result_file_in_aws_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # WHEN a 5-item job runs with --store DIR
    store = tmp_path / "kept"
    code = main(["run", "--size", "5", "--store", str(store), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    # THEN DIR/hpc-local/results/<execution>/<map run>/ holds manifest.json and SUCCEEDED_0.json
    files = result_files(store)
    assert [path.name for path in files] == ["SUCCEEDED_0.json", "manifest.json"]
    results_root = store / "hpc-local" / "results"
    assert all(len(path.relative_to(results_root).parts) == 3 for path in files)
    assert files[0].parent == files[1].parent
    # AND the manifest lists that file with its size, under the documented ResultFiles keys
    manifest = json.loads(files[1].read_bytes())
    key = files[0].relative_to(store / "hpc-local").as_posix()
    listed = {"Key": key, "Size": files[0].stat().st_size}
    assert manifest["ResultFiles"] == {"FAILED": [], "PENDING": [], "SUCCEEDED": [listed]}
    # AND its records carry Input and Output as JSON strings covering the 5 items
    records = json.loads(files[0].read_bytes())
    assert all(isinstance(record["Input"], str) and isinstance(record["Output"], str) for record in records)
    assert sum(json.loads(record["Output"])["items"] for record in records) == 5
    # AND the item list the Map read is kept too
    assert [json.loads(path.read_bytes()) for path in (store / "hpc-local" / "items").glob("*.json")] == [
        [0, 1, 2, 3, 4]
    ]


def test_run_with_unknown_setting_exits_2_naming_invalid_settings(capsys: pytest.CaptureFixture[str]):
    code = main(["run", "--size", "3", "--set", "noSuchSetting=1"])
    printed = capsys.readouterr()
    assert code == EXIT_USAGE == 2
    assert printed.err.startswith("error: InvalidSettings: ") and "noSuchSetting" in printed.err
    assert printed.out == ""


def test_estimate_prints_both_designs_and_the_price_list(capsys: pytest.CaptureFixture[str]):
    code = main(["estimate", "--size", "1024"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    header = printed.out.splitlines()[0]
    assert "this stack" in header and "original design" in header
    items_row = next(line for line in printed.out.splitlines() if line.startswith("items"))
    assert items_row.split()[1:] == ["1,024", "1,024"]
    assert "$ total" in printed.out
    (prices,) = [line for line in printed.out.splitlines() if line.startswith("Prices")]
    for name in ("standard_transition", "lambda_request", "s3_put", "s3_get"):
        assert f"{name}=" in prices


def test_estimate_with_unknown_price_exits_2(capsys: pytest.CaptureFixture[str]):
    code = main(["estimate", "--size", "1024", "--price", "bogus=1"])
    printed = capsys.readouterr()
    assert code == EXIT_USAGE
    assert "InvalidPrice" in printed.err and "bogus" in printed.err
    assert printed.out == ""


def test_workloads_lists_every_workload_with_its_fields(capsys):
    from handlers.workloads import registry

    # WHEN the workloads are listed
    assert main(["workloads"]) == 0
    printed = capsys.readouterr().out
    # THEN each discovered workload appears with its description and every option it accepts
    for name, workload in registry().items():
        assert f"{name}" in printed and workload.DESCRIPTION in printed
        assert all(option in printed for option in workload.OPTIONS)
    assert "s3-keys (default)" in printed

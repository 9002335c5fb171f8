import pytest

from hpc.estimate import (
    Prices,
    RunShape,
    bill,
    estimate_report,
    original_compute_seconds,
    parse_price_overrides,
)
from hpc.settings import Settings


def shape(**changes):
    base = dict(
        label="x", items=1000, children=10, execution_type="STANDARD", architecture="arm64",
        compute_memory_mb=1024, compute_seconds=100.0, start_memory_mb=1024, sum_memory_mb=1024, result_megabytes=0.0,
    )  # fmt: skip
    return RunShape(**{**base, **changes})


def test_standard_children_pay_per_transition_and_express_children_per_request():
    prices = Prices()
    standard = bill(shape(), prices)
    express = bill(shape(execution_type="EXPRESS"), prices)
    assert standard.state_transitions > express.state_transitions
    assert standard.express_requests == 0 and express.express_requests == 10


def test_lambda_duration_follows_gb_seconds_and_architecture():
    arm = bill(shape(), Prices())
    x86 = bill(shape(architecture="x86_64"), Prices())
    # 100 s at 1 GB of compute, plus the start and sum calls
    assert arm.lambda_gb_seconds == pytest.approx(100 + 0.3 + 0.02)
    assert x86.dollars["lambda duration"] / arm.dollars["lambda duration"] == pytest.approx(0.0000166667 / 0.0000133334)


def test_original_kernel_time_grows_with_the_fourth_power():
    assert original_compute_seconds([800]) - original_compute_seconds([0]) == pytest.approx(9.14 * 16, rel=1e-3)


def test_price_overrides_are_named_and_checked():
    assert parse_price_overrides(["lambda_request=0.5"]).lambda_request == 0.5
    with pytest.raises(ValueError, match="unknown price"):
        parse_price_overrides(["free_lunch=0"])
    with pytest.raises(ValueError, match="must be a finite number of USD, 0 or more"):
        parse_price_overrides(["s3_get=cheap"])


def test_report_shows_batching_saves_children_against_the_original():
    report = estimate_report({"size": 1024}, Settings(max_items_per_batch=128), Prices())
    children = next(line for line in report.splitlines() if line.startswith("child executions"))
    assert children.split()[2:] == ["8", "1,024"]
    assert "original design" in report and "--price" in report


def test_kernel_is_timed_as_in_a_fresh_container(tmp_path, monkeypatch):
    from hpc.estimate import time_kernel

    # GIVEN a workload that keeps state between calls, as a warm container would (and notes what it saw)
    log = tmp_path / "calls.txt"
    (tmp_path / "stateful_workload.py").write_text(
        "NAME = 'stateful'\n"
        "calls_before = 0\n"
        "def compute(items, params):\n"
        "    global calls_before\n"
        f"    with open({str(log)!r}, 'a') as out:\n"
        "        out.write(f'{calls_before}\\n')\n"
        "    calls_before += 1\n"
        "    return '0'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import stateful_workload

    # WHEN the estimate times three batches
    time_kernel(stateful_workload, {}, [[0], [1], [2]])
    # THEN every batch ran in a freshly imported module, with no state from the batch before
    assert log.read_text().split() == ["0", "0", "0"]

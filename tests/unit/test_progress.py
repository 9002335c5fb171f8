"""The progress bar's rate and ETA: counted from the run's start, and not shown before there is something to go on."""

from __future__ import annotations

import io

import pytest

from hpc import progress
from hpc.progress import MapProgress, ProgressBar, describe, rate_and_eta


def counts(done: int, total: int = 1024, failed: int = 0, running: int = 8) -> MapProgress:
    return MapProgress(total=total, succeeded=done - failed, failed=failed, running=running, pending=0)


def test_no_rate_or_eta_in_the_first_second_or_before_anything_is_done():
    # A whole first batch reported microseconds after the bar appeared is not 34 million items a second.
    assert rate_and_eta(done=128, total=1024, elapsed=0.000004) is None
    assert rate_and_eta(done=128, total=1024, elapsed=progress.MIN_SECONDS * 0.99) is None
    assert rate_and_eta(done=0, total=1024, elapsed=30.0) is None


def test_rate_and_eta_are_the_average_since_the_run_started():
    rate, eta = rate_and_eta(done=256, total=1024, elapsed=2.0)
    assert (rate, eta) == (128.0, 6.0)
    assert rate_and_eta(done=1024, total=1024, elapsed=4.0) == (256.0, 0.0)


def test_the_text_beside_the_bar():
    assert describe(counts(128), elapsed=0.001) == "failed 0, running 8"
    assert describe(counts(300, failed=2), elapsed=2.0) == "150 item/s, ETA 00:05, failed 2, running 8"
    assert describe(counts(10, total=100_000), elapsed=10.0) == "1 item/s, ETA 27:46:30, failed 0, running 8"


def test_the_bar_counts_from_when_the_run_started(monkeypatch: pytest.MonkeyPatch):
    # GIVEN a terminal, and a clock the test moves: the run starts at t=100, its first counts arrive at t=103
    stderr = io.StringIO()
    monkeypatch.setattr(stderr, "isatty", lambda: True)
    monkeypatch.setattr(progress.sys, "stderr", stderr)
    now = [100.0]
    bar = ProgressBar(enabled=True, clock=lambda: now[0])
    with bar as update:
        assert update is not None
        now[0] = 103.0
        update(counts(384))
        # THEN the rate is 384 items over the 3 s since the start, not over the moment since the bar appeared
        assert bar.bar.postfix == "128 item/s, ETA 00:05, failed 0, running 8"
        assert bar.bar.n == 384 and bar.bar.total == 1024


def test_the_bar_is_silent_when_disabled_or_not_on_a_terminal(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(progress.sys, "stderr", io.StringIO())
    with ProgressBar(enabled=True) as update:
        assert update is None
    with ProgressBar(enabled=False) as update:
        assert update is None

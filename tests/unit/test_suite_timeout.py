"""The suite's per-test timeout (pytest-timeout): a test that loops fails, named, instead of hanging CI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

LOOPING_TEST = """
def test_loops_forever():
    while True:
        pass
"""


def test_the_suite_has_a_per_test_timeout_below_the_ci_budget(request: pytest.FixtureRequest):
    timeout = float(request.config.getini("timeout"))
    assert 30 <= timeout <= 300, "generous for a loaded 2-core machine, yet far below a CI job's limit"


def test_a_looping_test_fails_fast_and_is_named(tmp_path: Path):
    # GIVEN a test that never ends, run by pytest with this suite's plugins and a 1-second timeout
    (tmp_path / "test_loop.py").write_text(LOOPING_TEST)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "timeout=1", "test_loop.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # THEN it fails within seconds, naming the test and the timeout
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Timeout" in done.stdout
    assert "FAILED test_loop.py::test_loops_forever" in done.stdout

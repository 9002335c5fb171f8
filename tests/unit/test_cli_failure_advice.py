"""The engine reports AWS's own cause texts; the command adds what a user can do about them, on its own line."""

from __future__ import annotations

import pytest

from hpc import cli
from hpc.commands import run


def test_data_limit_failure_prints_aws_cause_then_advice(capsys: pytest.CaptureFixture[str]):
    cause = "The state/task 'Sum' returned a result with a size exceeding the maximum number of bytes service limit."
    code = run.report("FAILED", None, "States.DataLimitExceeded", cause, 0.0, {}, as_json=False)
    err = capsys.readouterr().err.splitlines()
    assert code == cli.EXIT_FAILED
    assert err[0] == f"error: States.DataLimitExceeded: {cause}"
    assert err[1].startswith("hint: ") and "S3" in err[1]


def test_other_failures_get_no_advice(capsys: pytest.CaptureFixture[str]):
    run.report("FAILED", None, "States.Runtime", "x", 0.0, {}, as_json=False)
    assert "hint" not in capsys.readouterr().err

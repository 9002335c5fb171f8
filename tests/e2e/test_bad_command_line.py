"""The bad-input matrix of the command line: every command, every way a user can get it wrong.

Each case is refused before anything starts, with exactly one line on stderr, `error: <Name>: <what to change>`, the
documented exit status (2: refused; README "Exit status"), nothing on stdout and no traceback. The run's own input
(refused by the start function) is covered by test_bad_input.py; the Pulumi program's config by
tests/stack/test_stack_config.py, through the same hpc.stack_config code that reads the stack file here.
"""

from __future__ import annotations

import importlib.abc
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from command import REPO, assert_clean_refusal, hpc

from hpc.cli import EXIT_INTERRUPTED, EXIT_USAGE, main
from hpc.outcome import EXIT_CLOSED_OUTPUT

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:hpc-dev"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    error: str
    message: str  # a regular expression the one-line message matches


CASES = [
    # ---- hpc (no command, unknown command) and hpc workloads
    Case("no-command", (), "UsageError", r"hpc: the following arguments are required: COMMAND"),
    Case("unknown-command", ("frobnicate",), "UsageError", r"invalid choice: 'frobnicate'"),
    Case("workloads-with-an-option", ("workloads", "--size", "3"), "UsageError", r"unrecognized arguments: --size 3"),
    # ---- hpc run: options
    Case("size-not-a-number", ("run", "--size", "ten"), "UsageError", r"argument --size: invalid int value: 'ten'"),
    Case("zero-workers", ("run", "--workers", "0"), "UsageError", r"--workers: must be at least 1, got 0"),
    Case("negative-workers", ("run", "--workers", "-1"), "UsageError", r"--workers: must be at least 1, got -1"),
    Case("set-without-equals", ("run", "--set", "maxItems"), "UsageError", r"--set takes KEY=VALUE"),
    Case("set-with-cloud", ("run", "--cloud", "--set", "maxItems=5"), "UsageError", r"--set shape\(s\) a local run"),
    Case("bogus-set-with-cloud", ("run", "--cloud", "--set", "bogus=1"), "UsageError", r"--set shape\(s\)"),
    Case("store-with-cloud", ("run", "--cloud", "--store", "kept"), "UsageError", r"--store shape\(s\) a local run"),
    Case("workers-with-cloud", ("run", "--cloud", "--workers", "2"), "UsageError", r"--workers shape\(s\)"),
    Case("arn-without-cloud", ("run", "--state-machine-arn", ARN), "UsageError", r"add --cloud to run on it"),
    Case(
        "stack-and-arn",
        ("run", "--cloud", "--stack", "dev", "--state-machine-arn", ARN),
        "UsageError",
        r"--stack and --state-machine-arn both choose the state machine",
    ),
    Case(
        "not-an-arn",
        ("run", "--cloud", "--state-machine-arn", "not-an-arn"),
        "InvalidStateMachineArn",
        r"'not-an-arn' is not a state machine ARN; expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME",
    ),
    Case("stack-typo", ("run", "--stack", "prdo"), "InvalidSettings", r"stack 'prdo' has no Pulumi.prdo.yaml in .*dev"),
    # ---- hpc run: input the command checks before starting (what StartExecution would refuse)
    Case(
        "number-beyond-a-double",
        ("run", "--input", '{"size": 1e400}'),
        "InvalidExecutionInput",
        r"--input holds the number 1e400, beyond the largest a double holds",
    ),
    Case("nan-literal", ("run", "--input", '{"size": NaN}'), "InvalidExecutionInput", r"--input holds NaN"),
    Case("infinity-literal", ("run", "--input", '{"size": -Infinity}'), "InvalidExecutionInput", r"holds -Infinity"),
    # ---- hpc run: settings overrides
    Case(
        "fractional-batch",
        ("run", "--set", "maxItemsPerBatch=2.5"),
        "InvalidSettings",
        r"setting 'maxItemsPerBatch' must be an integer, got '2.5'",
    ),
    Case(
        "infinite-backoff",
        ("run", "--set", "retryBackoffRate=inf"),
        "InvalidSettings",
        r"'retryBackoffRate' must be a finite number, got 'inf'",
    ),
    Case(
        "retention-cloudwatch-refuses",
        ("run", "--set", "logRetentionDays=2"),
        "InvalidSettings",
        r"'logRetentionDays' must be one of 1 or 3 or 5 .* \(the retention periods CloudWatch Logs accepts\), got 2",
    ),
    Case(
        "express-with-long-compute",
        ("run", "--set", "executionType=EXPRESS"),
        "InvalidSettings",
        r"'computeTimeoutSeconds' must be at most 300 with executionType EXPRESS .*got 900",
    ),
    Case(
        "setting-typo",
        ("run", "--set", "maxItemPerBatch=5"),
        "InvalidSettings",
        r"unknown setting 'maxItemPerBatch' \(did you mean 'maxItemsPerBatch'\?\)",
    ),
    Case(
        "name-too-long",
        ("run", "--set", "stateMachineName=" + "x" * 57),
        "InvalidSettings",
        r"'stateMachineName' must be 1 to 56 of A-Z a-z 0-9 _ -",
    ),
    # ---- hpc estimate: the job, checked as the start function checks it, and prices
    Case("estimate-negative-size", ("estimate", "--size", "-1"), "InvalidInput", r"size must be at least 1, got -1"),
    Case(
        "estimate-above-max-items",
        ("estimate", "--size", "10000000000"),
        "InvalidInput",
        r"size must be at most 1000000 items, the deployment's limit \(config key maxItems\)",
    ),
    Case(
        "estimate-above-s3-keys-cap",
        ("estimate", "--size", "140001"),
        "InvalidInput",
        r"size must be at most 140000 for workload 's3-keys', got 140001",
    ),
    Case("estimate-unknown-workload", ("estimate", "--workload", "nope"), "InvalidInput", r"unknown workload 'nope'"),
    Case(
        "estimate-bad-option",
        ("estimate", "--input", '{"size": 5, "lengths": "zz"}'),
        "InvalidInput",
        r"lengths must be one of 'original', 's3', got 'zz'",
    ),
    Case("negative-price", ("estimate", "--price", "s3_get=-1"), "InvalidPrice", r"s3_get must be a finite.*'-1'"),
    Case("nan-price", ("estimate", "--price", "s3_get=nan"), "InvalidPrice", r"s3_get must be a finite.*'nan'"),
    Case("infinite-price", ("estimate", "--price", "s3_get=inf"), "InvalidPrice", r"must be a finite.*'inf'"),
    Case("unknown-price", ("estimate", "--price", "free_lunch=0"), "InvalidPrice", r"unknown price 'free_lunch'"),
    Case("price-without-equals", ("estimate", "--price", "s3_get"), "InvalidPrice", r"--price takes NAME=USD"),
    Case("estimate-stack-typo", ("estimate", "--stack", "prdo"), "InvalidSettings", r"stack 'prdo' has no"),
]


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_command_refuses_bad_input_in_one_line_with_exit_2(case: Case, capsys: pytest.CaptureFixture[str]):
    # WHEN the command runs with the bad input
    code = main(list(case.args))
    printed = capsys.readouterr()
    # THEN one line names the error and what to change, exit 2, nothing on stdout
    assert code == EXIT_USAGE, printed.err
    assert printed.err.startswith(f"error: {case.error}: "), printed.err
    assert re.search(case.message, printed.err), printed.err
    assert printed.err.count("\n") == 1 and printed.out == ""


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[-5]], ids=lambda case: case.name)
def test_refusals_print_no_traceback_in_a_real_process(case: Case):
    assert_clean_refusal(hpc(*case.args), case.error, EXIT_USAGE)


# ---- --store ------------------------------------------------------------------------------------------------------


def test_store_that_is_a_file_is_refused_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for store, reason in [(a_file, "exists and is not a folder"), (a_file / "sub", "Not a directory")]:
        assert main(["run", "--size", "3", "--store", str(store)]) == EXIT_USAGE
        printed = capsys.readouterr()
        assert printed.err == f"error: UsageError: --store {store}: " + printed.err.split(": ", 3)[3]
        assert reason in printed.err and printed.out == ""
    assert a_file.read_text() == "mine"


@pytest.mark.parametrize("store", ["/proc/hpc-store", "/sys/fs/hpc-store"])
def test_store_in_a_virtual_file_system_is_refused(store: str, capsys: pytest.CaptureFixture[str]):
    assert main(["run", "--size", "3", "--store", store]) == EXIT_USAGE
    printed = capsys.readouterr()
    assert printed.err.startswith(f"error: UsageError: --store {store}: cannot keep files there (")
    assert printed.out == ""


def test_store_in_an_unwritable_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a folder this process may not write to (root may write anywhere, so the refusal the kernel would give
    # an ordinary user is given to the probe file)
    import tempfile

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    assert main(["run", "--size", "3", "--store", str(tmp_path)]) == EXIT_USAGE
    printed = capsys.readouterr()
    assert printed.err == f"error: UsageError: --store {tmp_path}: cannot keep files there (Permission denied)\n"


# ---- where the settings come from -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda path: path.write_text("- config\n- 1\n"),
            r"the top level must be a mapping with a 'config' key, got a list",
        ),
        (lambda path: path.mkdir(), r"cannot be read: Is a directory"),
        (lambda path: path.write_text("config:\n  - hpc:maxItems\n"), r"'config' must be a mapping .*got a list"),
        (lambda path: path.write_text("config: [unclosed\n"), r"is not valid YAML"),
        (
            lambda path: path.write_text("config:\n  hpc-step-functions:maxItemsPerBatch: 5\n"),
            r"'hpc-step-functions:maxItemsPerBatch' is in the project's namespace.*config set hpc:maxItemsPerBatch",
        ),
        (lambda path: path.write_text("config:\n  hpc:maxItemPerBatch: 5\n"), r"did you mean 'maxItemsPerBatch'"),
        (lambda path: path.write_text("config:\n  hpc:retryBackoffRate: .inf\n"), r"must be a finite number, got inf"),
        (lambda path: path.write_text("config:\n  hpc:maxItems: .inf\n"), r"'maxItems' must be an integer, got inf"),
    ],
    ids=["list", "folder", "config-list", "not-yaml", "project-namespace", "typo", "yaml-infinity", "int-infinity"],
)
def test_a_broken_stack_file_is_refused_naming_the_file(
    make, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "Pulumi.dev.yaml")
    for command in (["run", "--size", "3"], ["estimate", "--size", "3"]):
        assert main(command) == EXIT_USAGE
        printed = capsys.readouterr()
        assert printed.err.startswith(f"error: InvalidSettings: {tmp_path / 'Pulumi.dev.yaml'}"), printed.err
        assert re.search(message, printed.err), printed.err
        assert printed.err.count("\n") == 1 and printed.out == ""


def test_the_settings_in_force_and_their_source_are_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a folder with no stack file: the defaults are used, and the run says so
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--size", "3", "--no-progress", "--set", "maxItemsPerBatch=2"]) == 0
    settings_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("settings"))
    assert settings_line[16:] == (
        f"defaults for stack 'dev' (no Pulumi.dev.yaml in {tmp_path}) with --set maxItemsPerBatch=2"
    )
    # AND a stack file, when there is one, is named as the source, in estimates too
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  hpc:maxItemsPerBatch: 4\n")
    assert main(["estimate", "--size", "8", "--stack", "prod"]) == 0
    estimate = capsys.readouterr().out
    assert "Settings: Pulumi.prod.yaml (stack 'prod')." in estimate
    assert re.search(r"child executions\s+2\s", estimate)  # 8 items in batches of 4: the file's setting applied


# ---- closed output, interrupts, version ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["workloads"], ["run", "--size", "5", "--no-progress"], ["--version"]])
def test_output_closed_by_its_reader_ends_quietly(args: list[str]):
    # GIVEN the reader of the output gone before the command writes (as `hpc ... | head -0` leaves it), three times
    for _ in range(3):
        process = subprocess.Popen(
            [sys.executable, "-m", "hpc.cli", *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None
        process.stdout.close()
        _, stderr = process.communicate(timeout=60)
        # THEN it exits 141 (128 + SIGPIPE, as Unix tools do) and prints nothing, traceback least of all
        assert (process.returncode, stderr.decode()) == (EXIT_CLOSED_OUTPUT, "")


def test_ctrl_c_during_start_up_imports_is_an_interrupt_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN Ctrl-C arriving while the command's modules are being imported
    class InterruptedImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, *args: object) -> None:
            if name == "hpc.commands.parser":
                raise KeyboardInterrupt

    for module in [name for name in sys.modules if name.startswith("hpc.commands")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(sys, "meta_path", [InterruptedImport(), *sys.meta_path])
    # WHEN the command starts THEN it exits 130 with the interrupt's one line
    assert main(["workloads"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "error: interrupted; the run and its workers were stopped\n"


def test_version_is_printed(capsys: pytest.CaptureFixture[str]):
    assert main(["--version"]) == 0
    assert re.fullmatch(r"hpc \d+\.\d+\.\d+\n", capsys.readouterr().out)

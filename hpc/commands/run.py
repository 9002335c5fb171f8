"""`hpc run`: run a job (locally unless --cloud) and print its result.

Every option either applies in the chosen mode or is refused: `--set`, `--store` and `--workers` shape a local run
and mean nothing to a deployed stack (its settings are deployed), `--state-machine-arn` means nothing locally.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hpc.commands import options
from hpc.commands.parser import at_least_one
from hpc.outcome import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, UsageError

NAME = "run"
HELP = "run a job (locally unless --cloud) and print its result"
REFUSED_INPUT_ERROR = "InvalidInput"  # handlers.errors.InvalidInput, as the execution's error name
SHOWN_FIELD_CHARS = 200  # with --save, longer fields are only in the file
LOCAL_ONLY = ("set", "store", "workers")  # options (by dest) that shape a local run only
ADVICE = {
    "States.DataLimitExceeded": "a payload is over Step Functions' 256 KiB limit: keep large data in S3 and pass "
    "references, or trim results with ResultSelector/OutputPath",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_job_options(parser)
    parser.add_argument("--cloud", action="store_true", help="run on the deployed stack instead of this machine")
    parser.add_argument(
        "--state-machine-arn", metavar="ARN", help="with --cloud: the state machine to run (default: the stack output)"
    )
    parser.add_argument("--workers", type=at_least_one, metavar="N", help="local worker processes (default: all cores)")
    parser.add_argument("--store", type=Path, metavar="DIR", help="keep the local run's items and result files in DIR")
    parser.add_argument("--json", action="store_true", help="print the execution output as JSON")
    parser.add_argument(
        "--save", type=Path, metavar="FILE", help="write the whole output as JSON to FILE; print only its short fields"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--report", type=Path, metavar="DIR", help="write timeline/throughput/durations PNGs and report.html to DIR"
    )


def execute(args: argparse.Namespace) -> int:
    refuse_options_unused_in_this_mode(args)
    job = options.job(args)
    if args.report is not None:
        check_folder(args.report, "--report")
    started = time.perf_counter()
    report_data: Callable[[], Any] | None = None
    if args.cloud:
        result, fields = run_cloud(args, job)
    else:
        result, fields, report_data = run_local(args, job)
    elapsed = time.perf_counter() - started
    if args.report is not None:  # after the wall time is taken: drawing is not part of the run
        write_report(args.report, result, report_data)
    if args.save is not None and result.status == "SUCCEEDED":
        return save(args.save, result.output, elapsed, fields)
    return report(result.status, result.output, result.error, result.cause, elapsed, fields, as_json=args.json)


def save(path: Path, output: Any, elapsed: float, fields: dict[str, str]) -> int:
    """Write the whole output to `path` (a result of any size: hpc.local / hpc.cloud fetched a stored one); print the
    fields that fit on a line, and where the rest went."""
    from hpc.stored_output import json_text

    text = json_text(output)
    try:
        path.write_text(text + "\n")
    except OSError as error:
        print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    from handlers.inputs import encodes_within

    shown = {key: value for key, value in output.items() if encodes_within(value, SHOWN_FIELD_CHARS)}
    code = report("SUCCEEDED", shown, None, None, elapsed, fields, as_json=False)
    print(f"{'saved':<16}{path} ({len(text):,} bytes: every field)")
    return code


def refuse_options_unused_in_this_mode(args: argparse.Namespace) -> None:
    if args.cloud:
        given = [f"--{dest.replace('_', '-')}" for dest in LOCAL_ONLY if getattr(args, dest)]
        if given:
            raise UsageError(
                f"{', '.join(given)} shape(s) a local run only; with --cloud the deployed stack's settings apply "
                "(change them with `pulumi config set hpc:KEY VALUE` and `pulumi up`)"
            )
        if args.stack and args.state_machine_arn:
            raise UsageError("--stack and --state-machine-arn both choose the state machine; give one of them")
    elif args.state_machine_arn:
        raise UsageError("--state-machine-arn names a deployed state machine: add --cloud to run on it")


def run_local(args: argparse.Namespace, job: dict[str, Any]) -> tuple[Any, dict[str, str], Callable[[], Any] | None]:
    """The result, the fields printed with it, and (with --report) what builds the run's report data."""
    from hpc.local import run_locally
    from hpc.progress import ProgressBar

    stack = options.settings(args)
    if args.store is not None:
        check_folder(args.store, "--store")
    fields = {"settings": stack.source}
    if args.report is not None:
        result, report_data = run_local_recorded(args, job, stack.settings)
        return result, fields, report_data
    with ProgressBar(enabled=not args.no_progress) as progress:
        result = run_locally(job, stack.settings, store=args.store, workers=args.workers, on_progress=progress)
    return result, fields, None


def run_local_recorded(args: argparse.Namespace, job: dict[str, Any], settings: Any) -> tuple[Any, Callable[[], Any]]:
    """A local run recording its children's spans: the result, and what builds its report data from them."""
    from hpc.local import run_locally
    from hpc.progress import ProgressBar
    from hpc.report.local import Recorder, local_run_data

    with ProgressBar(enabled=not args.no_progress) as progress, Recorder(progress) as recorder:
        result = run_locally(
            job,
            settings,
            store=args.store,
            workers=args.workers,
            on_progress=recorder.on_progress,
            on_child=recorder.on_child,
        )
    return result, lambda: local_run_data(job, settings, result, recorder)


def write_report(directory: Path, result: Any, report_data: Callable[[], Any] | None) -> None:
    """The run's report into `directory`: from the recorded spans of a local run, else from AWS for the cloud
    execution `result` names."""
    if report_data is None:
        from hpc.commands.report import ReportError, write_cloud_report

        try:
            write_cloud_report(result.execution_arn, directory)
        except ReportError as error:  # e.g. the execution ended before its Map: the run's own outcome still prints
            print(f"warning: no report: {error}", file=sys.stderr)
        return
    from hpc import report as run_report

    print(f"report: {run_report.write_report(report_data(), directory)}", file=sys.stderr)


def run_cloud(args: argparse.Namespace, job: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    from hpc.cloud import check_state_machine_arn, run_in_cloud, state_machine_arn_from_stack
    from hpc.progress import ProgressBar

    if args.state_machine_arn is not None:
        check_state_machine_arn(args.state_machine_arn)  # refused before anything is looked up
    arn = args.state_machine_arn or state_machine_arn_from_stack(args.stack)

    def started(execution_arn: str) -> None:
        print(f"execution {execution_arn}", file=sys.stderr, flush=True)

    with ProgressBar(enabled=not args.no_progress) as progress:
        result = run_in_cloud(job, arn, on_progress=progress, on_started=started)
    return result, {"execution": result.execution_arn}


def check_folder(store: Path, option: str) -> None:
    """`--store` or `--report` must be a folder this process can create files in; refused (naming the option, the
    path and the reason) otherwise."""
    import tempfile

    try:
        store.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=store):
            pass
    except FileExistsError:
        raise UsageError(f"{option} {store}: exists and is not a folder") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"{option} {store}: cannot keep files there ({reason})") from None
    if not os.access(store, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {store}: the folder is not writable")


def report(
    status: str,
    output: Any,
    error: str | None,
    cause: str | None,
    elapsed: float,
    fields: dict[str, str],
    *,
    as_json: bool,
) -> int:
    """Print the result (text: one field a line; or the output as JSON) and choose the exit status."""
    if status != "SUCCEEDED":
        # The start function refusing the job is a refused input, like InvalidExecutionInput: exit 2, not 1.
        code = EXIT_USAGE if error == REFUSED_INPUT_ERROR else EXIT_FAILED
        print(f"error: {error}: {cause}" if cause else f"error: {error}", file=sys.stderr)
        if error in ADVICE:  # the cause is AWS's own text; what to do about it is ours
            print(f"hint: {ADVICE[error]}", file=sys.stderr)
        return code
    sys.set_int_max_str_digits(0)
    if as_json:
        from hpc.stored_output import json_text

        print(json_text(output))
    else:
        for key, value in {**output, **fields}.items():
            print(f"{key:<16}{json.dumps(value) if isinstance(value, dict | list) else value}")
        print(f"{'wall time':<16}{elapsed:.3f} s")
    if not output.get("complete", False):
        print("warning: some items failed within the tolerated percentage; this result is NOT exact", file=sys.stderr)
        return EXIT_INCOMPLETE
    return EXIT_OK

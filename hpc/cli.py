"""The `hpc` command: run a job locally or on the deployed stack, or estimate what a run costs.

argparse (standard library) parses the command line and tqdm draws progress: both well kept, both cheap to import,
which matters because `hpc run` is measured end to end against a bare Python process.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hpc.jobs import InvalidExecutionInput, build_input
from hpc.settings import InvalidSettings, Settings
from hpc.stack_config import load_settings

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 130
REFUSED_INPUT_ERROR = "InvalidInput"  # handlers.errors.InvalidInput, as the execution's error name


def main(argv: Sequence[str] | None = None) -> int:
    code = _main(argv)
    if argv is None:
        # The `hpc` process is about to end: spare the interpreter's shutdown a sweep of every object (~10 ms of a
        # 0.1 s local run). Not when main() is called with arguments from other code, which goes on running.
        gc.freeze()
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.command(args))
    except (InvalidExecutionInput, InvalidSettings) as error:
        return _fail(f"{type(error).__name__}: {error}", EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted; the run and its workers were stopped", EXIT_INTERRUPTED)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hpc", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a job (locally unless --cloud) and print its result")
    _add_job_options(run)
    run.add_argument("--cloud", action="store_true", help="run on the deployed stack instead of this machine")
    run.add_argument(
        "--state-machine-arn", metavar="ARN", help="with --cloud: state machine to run (default: stack output)"
    )
    run.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: all cores)")
    run.add_argument("--store", type=Path, metavar="DIR", help="keep the local run's items and result files in DIR")
    run.add_argument("--json", action="store_true", help="print the execution output as JSON")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument(
        "--report", type=Path, metavar="DIR", help="write timeline/throughput/durations PNGs and report.html to DIR"
    )
    run.set_defaults(command=_run)

    estimate = commands.add_parser("estimate", help="model the AWS cost of a run, beside the original design's")
    _add_job_options(estimate)
    estimate.add_argument(
        "--price", action="append", default=[], metavar="NAME=USD", help="override a price (see the printed table)"
    )
    estimate.set_defaults(command=_estimate)

    report = commands.add_parser("report", help="picture where a finished cloud execution's time went")
    report.add_argument("execution_arn", metavar="EXECUTION_ARN", help="the execution (as `hpc run --cloud` prints)")
    report.add_argument("--out", type=Path, metavar="DIR", help="where to write it (default: report-<execution name>)")
    report.set_defaults(command=_report_command)

    listing = commands.add_parser("workloads", help="list the workloads and the input fields each accepts")
    listing.set_defaults(command=_workloads)
    return parser


def _add_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, metavar="N", help='number of items (default input: {"size": 1024})')
    parser.add_argument("--workload", metavar="NAME", help="workload name (default s3-keys)")
    parser.add_argument("--input", metavar="JSON", help="the whole execution input as a JSON object")
    parser.add_argument("--stack", metavar="NAME", help="Pulumi stack whose settings to use (default dev)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting, e.g. maxItemsPerBatch=1000"
    )


def _job(args: argparse.Namespace) -> dict[str, Any]:
    size = args.size if args.size is not None or args.input is not None else 1024
    return build_input(size=size, workload=args.workload, raw_input=args.input)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.stack or "dev")
    overrides = {}
    for pair in args.set:
        key, separator, value = pair.partition("=")
        if not separator:
            raise InvalidSettings(f"--set takes KEY=VALUE, got {pair!r}")
        overrides[key] = value
    return settings.merged(overrides) if overrides else settings


def _run(args: argparse.Namespace) -> int:
    job = _job(args)
    started = time.perf_counter()
    if args.cloud:
        result = _run_cloud(args, job)
    elif args.report is not None:
        result = _run_local_with_report(args, job)
    else:
        from hpc.local import run_locally

        with _progress_bar(enabled=not args.no_progress) as progress:
            result = run_locally(job, _settings(args), store=args.store, workers=args.workers, on_progress=progress)
    elapsed = time.perf_counter() - started
    if args.cloud and args.report is not None:
        _write_cloud_report(result.execution_arn, args.report)
    return _report(result.status, result.output, result.error, result.cause, elapsed, as_json=args.json)


def _run_local_with_report(args: argparse.Namespace, job: dict[str, Any]) -> Any:
    from hpc.local import run_locally
    from hpc.report import write_report
    from hpc.report.local import Recorder, local_run_data

    settings = _settings(args)
    with _progress_bar(enabled=not args.no_progress) as progress, Recorder(progress) as recorder:
        result = run_locally(
            job,
            settings,
            store=args.store,
            workers=args.workers,
            on_progress=recorder.on_progress,
            on_child=recorder.on_child,
        )
    page = write_report(local_run_data(job, settings, result, recorder), args.report)
    print(f"report: {page}", file=sys.stderr)
    return result


def _report_command(args: argparse.Namespace) -> int:
    from hpc.cloud import region_of

    if region_of(args.execution_arn) is None or ":execution:" not in args.execution_arn:
        return _fail(
            f"InvalidArn: {args.execution_arn!r} is not an execution ARN (arn:aws:states:<region>:...)", EXIT_USAGE
        )
    name = args.execution_arn.rsplit(":", 1)[-1]
    return _write_cloud_report(args.execution_arn, args.out or Path(f"report-{name}"))


def _write_cloud_report(execution_arn: str, directory: Path) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from hpc.cloud import region_of
    from hpc.report import write_report
    from hpc.report.cloud import ReportError, cloud_run_data

    region = region_of(execution_arn)
    try:
        run = cloud_run_data(
            execution_arn,
            sfn=boto3.client("stepfunctions", region_name=region),
            s3=boto3.client("s3", region_name=region),
            lambda_client=boto3.client("lambda", region_name=region),
        )
    except (ReportError, BotoCoreError, ClientError) as error:
        return _fail(f"ReportError: {error}", EXIT_FAILED)
    print(f"report: {write_report(run, directory)}", file=sys.stderr)
    return 0


def _run_cloud(args: argparse.Namespace, job: dict[str, Any]) -> Any:
    from hpc.cloud import CloudError, run_in_cloud, state_machine_arn_from_stack

    try:
        arn = args.state_machine_arn or state_machine_arn_from_stack(args.stack)
        with _progress_bar(enabled=not args.no_progress) as progress:
            return run_in_cloud(job, arn, on_progress=progress)
    except CloudError as error:
        raise SystemExit(_fail(f"CloudError: {error}", EXIT_FAILED)) from None


_ADVICE = {
    "States.DataLimitExceeded": "a payload is over Step Functions' 256 KiB limit: keep large data in S3 and pass "
    "references, or trim results with ResultSelector/OutputPath",
}


def _report(status: str, output: Any, error: str | None, cause: str | None, elapsed: float, *, as_json: bool) -> int:
    if status != "SUCCEEDED":
        # The start function refusing the job is a refused input, like InvalidExecutionInput: exit 2, not 1.
        code = EXIT_USAGE if error == REFUSED_INPUT_ERROR else EXIT_FAILED
        failed = _fail(f"{error}: {cause}" if cause else str(error), code)
        if error in _ADVICE:  # the cause is AWS's own text; what to do about it is ours
            print(f"hint: {_ADVICE[error]}", file=sys.stderr)
        return failed
    sys.set_int_max_str_digits(0)
    if as_json:
        print(json.dumps(output))
    else:
        for key, value in output.items():
            print(f"{key:<16}{json.dumps(value) if isinstance(value, dict | list) else value}")
        print(f"{'wall time':<16}{elapsed:.3f} s")
    if not output.get("complete", False):
        print("warning: some items failed within the tolerated percentage; this result is NOT exact", file=sys.stderr)
        return EXIT_INCOMPLETE
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from hpc.estimate import estimate_report, parse_price_overrides

    try:
        prices = parse_price_overrides(args.price)
    except ValueError as error:
        return _fail(f"InvalidPrice: {error}", EXIT_USAGE)
    print(estimate_report(_job(args), _settings(args), prices))
    return 0


def _workloads(args: argparse.Namespace) -> int:
    from handlers.workloads import DEFAULT, registry

    for name, workload in sorted(registry().items()):
        print(f"{name}{' (default)' if name == DEFAULT else ''}: {workload.DESCRIPTION}")
        for field, description in {"size": "number of items (required)", **workload.OPTIONS}.items():
            print(f"    {field:<18}{description}")
    return 0


class _progress_bar:
    """A tqdm bar on stderr fed with Map item counts; silent when stderr is not a terminal."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def __enter__(self) -> Callable[[Any], None] | None:
        return self.update if self.enabled else None

    def update(self, counts: Any) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=counts.total, unit="item", file=sys.stderr, leave=False)
        self.bar.total = counts.total
        self.bar.n = counts.succeeded + counts.failed
        self.bar.set_postfix(failed=counts.failed, running=counts.running, refresh=False)
        self.bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Why batching wins, seen and measured: run reports of the default job and of 100,000 items with and without batching.

Runs, interleaved round by round on the same machine: the default job (`hpc run --size 1024`, Pulumi.dev.yaml's
settings: 8 batches of 128), and 100,000 sum-squares items batched (128 per child) and unbatched (maxItemsPerBatch=1:
one child per item). Each through the local engine with the report's span recorder, exactly as `hpc run --report`
does. Prints and records, per configuration, the median wall time and, from the spans, the children, the median
child duration and how busy the workers were (time inside children / (wall time x workers)).

With `--images DIR` (the README's, via `make report-images`) it also writes the timeline of the last round's
default job and unbatched run as DIR/timeline-default.png and DIR/timeline-100k-unbatched.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from benchmarks.report import publish
from hpc.local import run_locally
from hpc.report import write_report
from hpc.report.local import Recorder, local_run_data
from hpc.report.model import RunData
from hpc.stack_config import load_settings

CONFIGURATIONS = {  # label: (job, settings overrides, image name or None)
    "default job (s3-keys, 1,024 items, 128 per batch)": ({"size": 1024}, {}, "timeline-default.png"),
    "100,000 items, 128 per batch": ({"workload": "sum-squares", "size": 100_000}, {}, None),
    "100,000 items unbatched": (
        {"workload": "sum-squares", "size": 100_000},
        {"maxItemsPerBatch": 1},
        "timeline-100k-unbatched.png",
    ),
}


def run_once(label: str, job: dict, overrides: dict) -> RunData:
    settings = load_settings("dev")
    settings = settings.merged(overrides) if overrides else settings
    with Recorder() as recorder:
        result = run_locally(job, settings, on_progress=recorder.on_progress, on_child=recorder.on_child)
    if result.status != "SUCCEEDED":
        raise SystemExit(f"{label}: {result.error}: {result.cause}")
    return dataclasses.replace(local_run_data(job, settings, result, recorder), name=label)


def busy_fraction(run: RunData) -> float:
    workers = len({span.worker for span in run.spans}) or 1
    return sum(run.durations()) / (run.wall_seconds * workers)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.batching_timelines", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--images", type=Path, metavar="DIR", help="write the README's two timelines into DIR")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    runs: dict[str, list[RunData]] = {label: [] for label in CONFIGURATIONS}
    for _ in range(args.rounds):
        for label, (job, overrides, _image) in CONFIGURATIONS.items():
            runs[label].append(run_once(label, job, overrides))
    if args.images is not None:
        args.images.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            for label, (_job, _overrides, image) in CONFIGURATIONS.items():
                if image is not None:
                    write_report(runs[label][-1], Path(scratch) / image)
                    shutil.copyfile(Path(scratch) / image / "timeline.png", args.images / image)
    rows = [
        "| run | children | median wall s | median child ms | workers busy | items/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, measured in runs.items():
        wall = statistics.median(run.wall_seconds for run in measured)
        last = measured[-1]
        rows.append(
            f"| {label} | {last.children:,} | {wall:.3f} | {last.median_duration() * 1e3:.3f} | "
            f"{statistics.median(busy_fraction(run) for run in measured):.0%} | {last.total_items / wall:,.0f} |"
        )
    body = "\n".join(rows) + (
        f"\n\n{args.rounds} interleaved rounds on {os.cpu_count()} cores; wall time of the whole execution (start "
        "function, Map, sum). Median child and workers busy come from the run report's spans (the engine's ChildSpan "
        "sink): busy = time inside children / (wall time x workers)."
    )
    publish("Batching, seen in run reports", "batching_timelines", body, write=not args.no_write)


if __name__ == "__main__":
    main()

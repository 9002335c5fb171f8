"""Every benchmark in turn, each in its own process, each rewriting its section of benchmarks/RESULTS.md.

By default the kernel benchmark times the original only on items 300 and 400 (seconds), and the data benchmark runs on
small data, both printing without recording, so their recorded full tables (minutes, half an hour) are kept; --full
runs and records them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

QUICK_ARGUMENTS = {
    "kernel": ["--items", "300,400", "--no-write"],
    # the recorded data benchmark (1 GB of CSV, 10,000 files) takes half an hour on a loaded 2-core machine
    "data_jobs": ["--csv-mb", "64", "--small-csv-mb", "16", "--files", "1000", "--rounds", "1", "--no-write"],
}
BENCHMARKS = (
    "kernel", "end_to_end", "million", "sum_memory", "engine_memory", "batching_timelines", "engine_child",
    "s3_keys_scale", "pool_floor", "parent_memory", "child_cost", "peers", "numpy_workload", "data_jobs",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the kernel on its default items, recorded")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, metavar="NAME", help=f"a subset of {BENCHMARKS}")
    args = parser.parse_args()
    failed = []
    for name in args.only or BENCHMARKS:
        command = [sys.executable, "-m", f"benchmarks.{name}", *([] if args.full else QUICK_ARGUMENTS.get(name, []))]
        print(f"== {' '.join(['python', *command[1:]])}", flush=True)
        started = time.perf_counter()
        if subprocess.run(command, check=False).returncode != 0:
            failed.append(name)
        print(f"== {name}: {time.perf_counter() - started:.1f} s\n", flush=True)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

"""One million items of the trivial sum-squares workload through the local engine, ItemReader path included.

Goal: under 60 s on 2 cores. The total is checked against the closed form before the time is recorded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import publish

HPC = Path(sys.executable).with_name("hpc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="maxItemsPerBatch")
    args = parser.parse_args()
    command = [
        str(HPC), "run", "--workload", "sum-squares", "--size", str(args.size),
        "--set", f"maxItemsPerBatch={args.batch}", "--set", f"maxItems={max(args.size, 1)}", "--json", "--no-progress",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    n = args.size
    output = json.loads(done.stdout)
    if int(output["result"]) != (n - 1) * n * (2 * n - 1) // 6 or output["items"] != n:
        raise SystemExit(f"wrong total for {n} items: {output}")
    body = (
        f"| items | batch | children | wall s | items/s |\n|---|---|---|---|---|\n"
        f"| {n:,} | {args.batch} | {-(-n // args.batch):,} | {seconds:.1f} | {n / seconds:,.0f} |\n\n"
        "Whole `hpc run` process; total checked against (n-1)n(2n-1)/6. Goal: under 60 s on 2 cores."
    )
    publish("One million items on the local engine", "million", body)


if __name__ == "__main__":
    main()

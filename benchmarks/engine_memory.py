"""Peak memory of the `hpc run` process during an unbatched local run: what the ResultWriter path costs the parent.

Runs `hpc run --workload sum-squares --size N --set maxItemsPerBatch=1 --json --no-progress` (N children, one item
each) in a fresh Python process that calls hpc.cli.main and, on its way out, reports its own peak resident set (VmHWM
in /proc/self/status, else getrusage): the parent alone, not its worker processes. The run keeps its store in a
temporary directory (--store) so that the result files' total size can be reported and no spool file is left behind;
the printed total is checked against the closed form (n-1)n(2n-1)/6 before anything is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import publish
from benchmarks.sum_memory import peak_kib

PEAK_MARKER = "engine-memory-peak-kib"
# Measured with this benchmark on the engine that held every encoded record until the Map ended, then joined each
# kind into one bytes object per file (before the ResultWriter path spooled records to a file); kept for comparison.
BEFORE = {"size": 200_000, "peak_mib": 470.1, "seconds": 10.6, "result_mb": 138.1, "measured": "2026-11-25"}


def hpc_arguments(size: int, store: Path) -> list[str]:
    return [
        "run", "--workload", "sum-squares", "--size", str(size), "--set", "maxItemsPerBatch=1",
        "--set", f"maxItems={max(size, 1)}", "--store", str(store), "--json", "--no-progress",
    ]  # fmt: skip


def child(argv: list[str]) -> None:
    """Inside the fresh process: the `hpc` command, then this process's peak RSS on stderr."""
    from hpc.cli import main as hpc_main

    code = hpc_main(argv)
    sys.stdout.flush()
    print(f"{PEAK_MARKER} {peak_kib()}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def run_measured(arguments: list[str], size: int) -> tuple[float, float]:
    """`hpc <arguments>`, a sum-squares job of `size` items, in a fresh process that reports its own peak RSS; (peak
    MiB, wall seconds), once the printed total is checked against the closed form."""
    command = [sys.executable, "-m", "benchmarks.engine_memory", "--child", *arguments]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=dict(os.environ))
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hpc run failed ({done.returncode}):\n{done.stderr}")
    output = json.loads(done.stdout)
    if output["items"] != size or int(output["result"]) != (size - 1) * size * (2 * size - 1) // 6:
        raise SystemExit(f"wrong total for {size} items: {output}")
    [peak] = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith(PEAK_MARKER)]
    return peak / 1024, seconds


def measure(size: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hpc-engine-memory-") as directory:
        store = Path(directory)
        peak_mib, seconds = run_measured(hpc_arguments(size, store), size)
        files = [path for path in store.rglob("*") if path.is_file()]
        results = [path for path in files if path.name.startswith(("SUCCEEDED_", "FAILED_", "PENDING_"))]
        leftovers = [path.name for path in files if path.name.startswith(".")]
        if leftovers:
            raise SystemExit(f"the run left temporary files in its store: {leftovers[:5]}")
        return {
            "peak_mib": peak_mib,
            "seconds": seconds,
            "result_mb": sum(path.stat().st_size for path in results) / 1e6,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=200_000, help="items, one child each (default 200000)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    if args.size < 1:
        parser.error("--size must be at least 1")

    now = measure(args.size)
    rows = [
        "| engine | children | peak RSS MiB (parent) | result files MB | wall s |",
        "|---|---:|---:|---:|---:|",
    ]
    if BEFORE["measured"]:
        rows.append(
            f"| records held in memory, joined per file (measured {BEFORE['measured']}) | {BEFORE['size']:,} "
            f"| {BEFORE['peak_mib']:.1f} | {BEFORE['result_mb']:.1f} | {BEFORE['seconds']:.1f} |"
        )
    rows += [
        f"| records spooled to files as they arrive (this run) | {args.size:,} | {now['peak_mib']:.1f} "
        f"| {now['result_mb']:.1f} | {now['seconds']:.1f} |",
        "",
        f"`hpc run --workload sum-squares --size {args.size} --set maxItemsPerBatch=1 --json --no-progress` "
        "(plus `--store` on a temporary directory), in a fresh process that calls hpc.cli.main and reads its own "
        "VmHWM at exit: the parent's peak, not its workers'. Total checked against (n-1)n(2n-1)/6; the store "
        "checked for leftover temporary files. The first row is this benchmark run once on the engine before it "
        "spooled records (kept as constants in benchmarks/engine_memory.py); the second is this run.",
    ]
    body = "\n".join(rows)
    publish("Engine memory, unbatched", "engine_memory", body, write=not args.no_write)


if __name__ == "__main__":
    main()

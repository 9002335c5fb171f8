"""Batched sum-squares through `hpc run` against the floor for a process pool here: a bare ProcessPoolExecutor
map-reduce of the same workload kernel over the same batches (benchmarks/bare_pool.py), whole processes both.

Goals: at 10^6 items, `hpc run` within 2x the floor's wall time; at 10^7 items (maxItems raised, as AWS allows up to
100,000,000) the run is exact and within 2x the floor too. Interleaved runs, medians; totals checked against the
closed form (n-1)n(2n-1)/6 before anything is recorded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from benchmarks.processes import HPC, Timed, interleaved, load_average
from benchmarks.report import publish

HERE = Path(__file__).parent
GOAL = 2.0


def commands(size: int, batch: int) -> tuple[list[str], list[str]]:
    ours = [
        str(HPC), "run", "--workload", "sum-squares", "--size", str(size), "--set", f"maxItemsPerBatch={batch}",
        "--set", f"maxItems={size}", "--json", "--no-progress",
    ]  # fmt: skip
    bare = [sys.executable, str(HERE / "bare_pool.py"), str(size), str(batch)]
    return ours, bare


def measure(size: int, batch: int, repeat: int) -> dict[str, list[float]]:
    expected = (size - 1) * size * (2 * size - 1) // 6
    ours, bare = commands(size, batch)

    def check(done: dict[str, Timed]) -> None:
        if int(json.loads(done["ours"].stdout)["result"]) != expected or int(done["bare"].stdout) != expected:
            raise SystemExit(f"size {size}: a total is wrong; not timing it")

    runs = interleaved({"ours": ours, "bare": bare}, repeat, check)
    return {
        **{name: [done.wall for done in runs[name]] for name in runs},
        **{f"{name}_cpu": [done.cpu for done in runs[name]] for name in runs},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--batch", type=int, default=1000, help="maxItemsPerBatch, and the floor's batch size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    args = parser.parse_args()
    rows = [
        "| items | batch | `hpc run` wall s | floor wall s | ratio | `hpc run` CPU s | floor CPU s | goal |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for size in (int(text) for text in args.sizes.split(",")):
        m = {key: statistics.median(values) for key, values in measure(size, args.batch, args.repeat).items()}
        ratio = m["ours"] / m["bare"]
        verdicts.append(ratio <= GOAL)
        rows.append(
            f"| {size:,} | {args.batch} | {m['ours']:.2f} | {m['bare']:.2f} | **{ratio:.2f}x** | {m['ours_cpu']:.2f} "
            f"| {m['bare_cpu']:.2f} | at most {GOAL:g}x: {'met' if ratio <= GOAL else 'NOT met'} |"
        )
    rows += [
        "",
        f"Floor: `benchmarks/bare_pool.py SIZE {args.batch}`, a ProcessPoolExecutor on every core mapping the "
        "workload's own `compute` over the same batches (chunksize a quarter of the batches per worker) and "
        "combining the partials; no files, no JSON, no state machine. Ours: the whole pipeline (start function "
        "writing the item list, the ItemReader streaming it, the Distributed Map's children over the worker pool, "
        "ResultWriter files, the sum function reading them). Medians of "
        f"{args.repeat} interleaved runs; CPU includes worker processes. Load average (1 min) at the end: "
        f"{load_average()} on 2 cores (shared).",
    ]
    publish("Batched items vs a bare process pool", "pool_floor", "\n".join(rows), write=not args.no_write)


if __name__ == "__main__":
    main()

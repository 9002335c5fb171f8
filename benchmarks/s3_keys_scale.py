"""s3-keys at its largest size through `hpc run`, against a bare single-process script (the recurrence and one decimal
conversion), and how the CPU time of each grows with the size.

Goals: at size 60,000, `hpc run`'s wall time within 1.5x the bare script's; and its CPU time growing no faster than
the bare script's (the exponent k of CPU ~ size^k between the two largest sizes, ours no more than the bare one's plus
0.15 for measurement noise). Runs are interleaved (ours, bare, ours, bare, ...) and medians are compared, because the
machine is shared; both outputs are checked to be the same decimal number before anything is recorded.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

from benchmarks.processes import HPC, Timed, interleaved, load_average
from benchmarks.report import publish

HERE = Path(__file__).parent
WALL_GOAL = 1.5
GROWTH_SLACK = 0.15


def commands(size: int) -> tuple[list[str], list[str]]:
    ours = [str(HPC), "run", "--size", str(size), "--json", "--no-progress"]
    bare = [sys.executable, str(HERE / "bare_s3_keys.py"), str(size)]
    return ours, bare


def measure(size: int, repeat: int) -> dict[str, list[float]]:
    ours, bare = commands(size)

    def check(done: dict[str, Timed]) -> None:
        if json.loads(done["ours"].stdout)["result"] != done["bare"].stdout.strip():
            raise SystemExit(f"size {size}: hpc run and the bare script disagree; not timing a wrong answer")

    runs = interleaved({"ours": ours, "bare": bare}, repeat, check)
    return {f"{name}_{what}": [getattr(done, what) for done in runs[name]] for name in runs for what in ("wall", "cpu")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="15000,30000,60000", help="comma-separated sizes, the largest last")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    medians = {}
    for size in sizes:
        medians[size] = {key: statistics.median(values) for key, values in measure(size, args.repeat).items()}
    rows = ["| size | hpc run wall s | bare wall s | wall ratio | hpc run CPU s | bare CPU s | CPU ratio |"]
    rows.append("|---:|---:|---:|---:|---:|---:|---:|")
    for size, m in medians.items():
        rows.append(
            f"| {size:,} | {m['ours_wall']:.2f} | {m['bare_wall']:.2f} | {m['ours_wall'] / m['bare_wall']:.2f}x "
            f"| {m['ours_cpu']:.2f} | {m['bare_cpu']:.2f} | {m['ours_cpu'] / m['bare_cpu']:.2f}x |"
        )
    largest = medians[sizes[-1]]
    ratio = largest["ours_wall"] / largest["bare_wall"]
    lines = [*rows, ""]
    lines.append(
        f"Wall ratio at size {sizes[-1]:,}: **{ratio:.2f}x** (goal: at most {WALL_GOAL}x) "
        f"{'met' if ratio <= WALL_GOAL else 'NOT met'}."
    )
    if len(sizes) >= 2:
        small, large = medians[sizes[-2]], largest
        scale = math.log(sizes[-1] / sizes[-2])
        ours_k = math.log(large["ours_cpu"] / small["ours_cpu"]) / scale
        bare_k = math.log(large["bare_cpu"] / small["bare_cpu"]) / scale
        met = ours_k <= bare_k + GROWTH_SLACK
        lines.append(
            f"CPU growth from {sizes[-2]:,} to {sizes[-1]:,}: ours ~size^{ours_k:.2f}, bare ~size^{bare_k:.2f} "
            f"(goal: ours no faster than the bare script's, within {GROWTH_SLACK} for noise) "
            f"{'met' if met else 'NOT met'}."
        )
    lines.append(
        f"Medians of {args.repeat} interleaved runs per size; whole processes, CPU includes worker processes; both "
        f"printed the same decimal result. Load average (1 min) at the end: {load_average()} on 2 cores (shared)."
    )
    publish("s3-keys at size 60,000 vs a bare script", "s3_keys_scale", "\n".join(lines), write=not args.no_write)


if __name__ == "__main__":
    main()

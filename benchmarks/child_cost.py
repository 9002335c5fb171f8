"""CPU per unbatched Map child: the whole pipeline's CPU time (parent and workers: item list, reader, interpreter,
Lambda emulation, records, result files, sum) per child, as the marginal cost between two run sizes, so start-up
is not counted.

Runs `hpc run --workload sum-squares --size N --set maxItemsPerBatch=1` (one child per item) at a small and a large N,
interleaved and repeated; CPU is the process's and its workers' user+system time. Goal: at most 25 us per child.
"""

from __future__ import annotations

import argparse
import json
import statistics

from benchmarks.processes import HPC, commit_of, load_average, timed
from benchmarks.report import publish

GOAL_US = 25.0


def command(size: int) -> list[str]:
    return [
        str(HPC), "run", "--workload", "sum-squares", "--size", str(size), "--set", "maxItemsPerBatch=1",
        "--set", f"maxItems={size}", "--json", "--no-progress",
    ]  # fmt: skip


def run(size: int, source: str | None = None) -> float:
    done = timed(command(size), source)
    output = json.loads(done.stdout)
    if output["items"] != size or int(output["result"]) != (size - 1) * size * (2 * size - 1) // 6:
        raise SystemExit(f"wrong total for {size} items: {output}")
    return done.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    parser.add_argument("--before", metavar="DIR", help="a checkout of an earlier commit, measured interleaved too")
    args = parser.parse_args()
    sources = {
        "this commit": None,
        **({f"before: commit {commit_of(args.before)}": args.before} if args.before else {}),
    }
    cpu: dict[str, dict[int, list[float]]] = {name: {args.small: [], args.large: []} for name in sources}
    for _ in range(args.repeat):
        for name, source in sources.items():
            for size in (args.small, args.large):
                cpu[name][size].append(run(size, source))
    rows = [
        f"| code | CPU s, {args.small:,} children | CPU s, {args.large:,} children | CPU per child |",
        "|---|---:|---:|---:|",
    ]
    per_child: dict[str, float] = {}
    for name in sources:
        small, large = (statistics.median(cpu[name][size]) for size in (args.small, args.large))
        per_child[name] = (large - small) / (args.large - args.small) * 1e6
        rows.append(f"| {name} | {small:.2f} | {large:.2f} | {per_child[name]:.1f} us |")
    per_child_us = per_child["this commit"]
    body = (
        "\n".join(rows) + "\n\n"
        f"CPU per unbatched child: **{per_child_us:.1f} us** (goal: at most {GOAL_US:g} us) "
        f"{'met' if per_child_us <= GOAL_US else 'NOT met'}. Marginal whole-pipeline CPU (parent and workers, user "
        f"and system) between the two sizes, medians of {args.repeat} interleaved runs each; totals checked against "
        f"the closed form. Load average (1 min) at the end: {load_average()} on 2 cores (shared)."
    )
    publish("CPU per unbatched child", "child_cost", body, write=not args.no_write)


if __name__ == "__main__":
    main()

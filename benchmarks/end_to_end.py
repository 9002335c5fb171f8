"""`hpc run --size 1024` end to end (whole process, start-up included) against a bare single Python process.

Goal: the full local pipeline (definition, engine, process pool, S3-format files, streaming sum) within 3x of the
bare process (the same venv Python) computing the same total. Both print the total; the benchmark checks they agree
before timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from benchmarks.processes import HPC, commit_of, load_average, timed
from benchmarks.report import publish

HERE = Path(__file__).parent
GOAL = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    parser.add_argument(
        "--before", metavar="DIR", help="a checkout of an earlier commit, its `hpc run` interleaved too"
    )
    args = parser.parse_args()

    pipeline = [str(HPC), "run", "--size", str(args.size), "--json", "--no-progress"]
    bare = [sys.executable, str(HERE / "bare_s3_keys.py"), str(args.size)]
    sys.set_int_max_str_digits(0)
    out, bare_out = timed(pipeline).stdout, timed(bare).stdout
    if json.loads(out)["result"] != bare_out.strip():
        raise SystemExit("the pipeline and the bare process disagree; not timing a wrong answer")

    # Interleaved, so drift in the machine's load touches both alike.
    pipeline_runs, bare_runs, before_runs = [], [], []
    if args.before:
        timed(pipeline, source=args.before)  # its warm-up run
    for _ in range(args.repeat):
        pipeline_runs.append(timed(pipeline))
        bare_runs.append(timed(bare))
        if args.before:
            before_runs.append(timed(pipeline, source=args.before))
    pipeline_times, bare_times = [run.wall for run in pipeline_runs], [run.wall for run in bare_runs]
    ratio = statistics.median(pipeline_times) / statistics.median(bare_times)
    # CPU (user + system, workers included) is shown beside wall time: it moves far less with the machine's load.
    pipeline_cpu = statistics.median(run.cpu for run in pipeline_runs)
    bare_cpu = statistics.median(run.cpu for run in bare_runs)
    measured = {
        f"`hpc run --size {args.size}`": pipeline_runs,
        f"bare `bare_s3_keys.py {args.size}`": bare_runs,
        **({f"`hpc run` of the code before (commit {commit_of(args.before)})": before_runs} if args.before else {}),
    }
    rows = [
        "| process | median s | min s | median CPU s |",
        "|---|---|---|---|",
        *(
            f"| {name} | {statistics.median(run.wall for run in runs):.3f} | {min(run.wall for run in runs):.3f} "
            f"| {statistics.median(run.cpu for run in runs):.3f} |"
            for name, runs in measured.items()
        ),
        "",
        f"Ratio of medians: **{ratio:.1f}x** (goal: within {GOAL:g}x) {'met' if ratio <= GOAL else 'NOT met'}; "
        f"of CPU medians {pipeline_cpu / bare_cpu:.1f}x. "
        f"{args.repeat} runs each, interleaved; both printed the same {len(bare_out.strip()):,}-digit total. "
        f"Bytecode cache on for both, after one warm-up run each. Load average (1 min) at the end: {load_average()} "
        "on 2 cores (shared).",
    ]
    body = "\n".join(rows)
    publish("End to end: hpc run vs a bare process", "end_to_end", body, write=not args.no_write)


if __name__ == "__main__":
    main()

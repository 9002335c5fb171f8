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

from benchmarks.processes import HPC, load_average, timed
from benchmarks.report import publish

HERE = Path(__file__).parent
GOAL = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    args = parser.parse_args()

    pipeline = [str(HPC), "run", "--size", str(args.size), "--json", "--no-progress"]
    bare = [sys.executable, str(HERE / "bare_s3_keys.py"), str(args.size)]
    sys.set_int_max_str_digits(0)
    out, bare_out = timed(pipeline).stdout, timed(bare).stdout
    if json.loads(out)["result"] != bare_out.strip():
        raise SystemExit("the pipeline and the bare process disagree; not timing a wrong answer")

    # Interleaved, so drift in the machine's load touches both alike.
    pipeline_times, bare_times = [], []
    for _ in range(args.repeat):
        pipeline_times.append(timed(pipeline).wall)
        bare_times.append(timed(bare).wall)
    ratio = statistics.median(pipeline_times) / statistics.median(bare_times)
    rows = [
        "| process | median s | min s |",
        "|---|---|---|",
        f"| `hpc run --size {args.size}` | {statistics.median(pipeline_times):.3f} | {min(pipeline_times):.3f} |",
        f"| bare `bare_s3_keys.py {args.size}` | {statistics.median(bare_times):.3f} | {min(bare_times):.3f} |",
        "",
        f"Ratio of medians: **{ratio:.1f}x** (goal: within {GOAL:g}x) {'met' if ratio <= GOAL else 'NOT met'}. "
        f"{args.repeat} runs each, interleaved; both printed the same {len(bare_out.strip()):,}-digit total. "
        f"Bytecode cache on for both, after one warm-up run each. Load average (1 min) at the end: {load_average()} "
        "on 2 cores (shared).",
    ]
    body = "\n".join(rows)
    publish("End to end: hpc run vs a bare process", "end_to_end", body, write=not args.no_write)


if __name__ == "__main__":
    main()

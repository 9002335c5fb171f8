"""`hpc run --size 1024` end to end (whole process, start-up included) against a bare single Python process.

Goal: the full local pipeline (definition, engine, process pool, S3-format files, streaming sum) within 5x of the
bare process computing the same total. Both print the total; the benchmark checks they agree before timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import publish

HERE = Path(__file__).parent
HPC = Path(sys.executable).with_name("hpc")


# Both processes run as a user's would: with Python's bytecode cache on, even where the environment turns it off.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=ENVIRONMENT)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    pipeline = [str(HPC), "run", "--size", str(args.size), "--json", "--no-progress"]
    bare = [sys.executable, str(HERE / "bare_s3_keys.py"), str(args.size)]
    sys.set_int_max_str_digits(0)
    _, out = timed(pipeline)
    _, bare_out = timed(bare)
    if json.loads(out)["result"] != bare_out.strip():
        raise SystemExit("the pipeline and the bare process disagree; not timing a wrong answer")

    # Interleaved, so drift in the machine's load touches both alike.
    pipeline_times, bare_times = [], []
    for _ in range(args.repeat):
        pipeline_times.append(timed(pipeline)[0])
        bare_times.append(timed(bare)[0])
    ratio = statistics.median(pipeline_times) / statistics.median(bare_times)
    rows = [
        "| process | median s | min s |",
        "|---|---|---|",
        f"| `hpc run --size {args.size}` | {statistics.median(pipeline_times):.3f} | {min(pipeline_times):.3f} |",
        f"| bare `bare_s3_keys.py {args.size}` | {statistics.median(bare_times):.3f} | {min(bare_times):.3f} |",
        "",
        f"Ratio of medians: **{ratio:.1f}x** (goal: within 5x). {args.repeat} runs each; both printed the same "
        f"{len(bare_out.strip()):,}-digit total. Bytecode cache on for both, after one warm-up run each.",
    ]
    body = "\n".join(rows)
    publish("End to end: hpc run vs a bare process", "end_to_end", body)


if __name__ == "__main__":
    main()

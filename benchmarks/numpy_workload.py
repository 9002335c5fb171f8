"""The numpy workload (`asian-option`) against the same simulation in pure Python, whole `hpc run` processes.

Both runs price the same option with the same seed, items, paths and fixings; only the kernel differs (`"kernel":
"numpy"` or `"python"`, the latter drawing from random.Random, so the two prices agree within their standard errors,
not to the bit: checked before timing). Interleaved runs, medians. Also recorded, for the README's cost of a library:
the layer's size as built for Lambda, and numpy's import time in a fresh process here (a proxy for the extra cold
start on Lambda, which loads it from the layer on arm64: the absolute figure there will differ).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.processes import HPC, Timed, interleaved, load_average
from benchmarks.report import publish

REPO = Path(__file__).resolve().parents[1]


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def layer_sizes() -> tuple[int, int, list[str]]:
    from handlers.workloads import all_requirements
    from infra.cluster import ARCHITECTURE, RUNTIME
    from infra.layer import Target, build_layer, check_size

    os.chdir(REPO)  # the layer cache lives in the project directory, as for `pulumi up`
    requirements = all_requirements()
    layer_zip = build_layer(requirements, Target(RUNTIME, ARCHITECTURE))
    return layer_zip.stat().st_size, check_size(layer_zip, code_bytes=0), requirements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=32, help="items (default 32)")
    parser.add_argument("--paths", type=int, default=5_000, help="paths per item (default 5000)")
    parser.add_argument("--fixings", type=int, default=52, help="averaging dates (default 52, weekly)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    job = {"workload": "asian-option", "size": args.size, "paths_per_item": args.paths, "fixings": args.fixings}
    commands = {
        kernel: [str(HPC), "run", "--input", json.dumps({**job, "kernel": kernel}), "--json", "--no-progress"]
        for kernel in ("numpy", "python")
    }
    outputs: dict[str, dict] = {}

    def agree(round_: dict[str, Timed]) -> None:
        outputs.update({kernel: json.loads(done.stdout) for kernel, done in round_.items()})
        error = math.hypot(*(output["standard_error"] for output in outputs.values()))
        if abs(outputs["numpy"]["result"] - outputs["python"]["result"]) > 4 * error:
            raise SystemExit(f"the kernels disagree beyond 4 x {error:.2e}: {outputs}; not timing a wrong answer")

    runs = interleaved(commands, args.repeat, agree)
    times = {kernel: [done.wall for done in done_runs] for kernel, done_runs in runs.items()}
    error = math.hypot(*(output["standard_error"] for output in outputs.values()))
    difference = abs(outputs["numpy"]["result"] - outputs["python"]["result"])
    ratio = statistics.median(times["python"]) / statistics.median(times["numpy"])
    numpy_import = statistics.median(import_seconds("numpy") for _ in range(args.repeat * 2))
    baseline_import = statistics.median(import_seconds("json") for _ in range(args.repeat * 2))
    zipped, unzipped, requirements = layer_sizes()

    draws = args.size * args.paths * args.fixings
    rows = [
        f"Job: `{json.dumps(job)}` ({draws:,} normal draws), seed 0, local engine with every core.",
        "",
        "| kernel | median s | min s | price | standard error |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| `{kernel}` | {statistics.median(times[kernel]):.3f} | {min(times[kernel]):.3f} | "
            f"{outputs[kernel]['result']:.5f} | {outputs[kernel]['standard_error']:.5f} |"
            for kernel in ("numpy", "python")
        ),
        "",
        f"Pure Python / numpy, whole `hpc run` processes (start-up, engine, numpy import in each worker included): "
        f"**{ratio:.1f}x** (medians of {args.repeat} interleaved runs each). The prices differ by {difference:.1e}, "
        f"within 4 combined standard errors ({4 * error:.1e}): other random draws, the same estimator.",
        "",
        f"Cost of the library: the layer ({', '.join(requirements)}, python3.13 arm64) is {zipped / 2**20:.1f} MB "
        f"zipped, {unzipped / 2**20:.1f} MB unzipped of Lambda's 250 MB. `import numpy` in a fresh process here: "
        f"{numpy_import * 1000:.0f} ms (median of {args.repeat * 2}; `import json`: {baseline_import * 1000:.1f} ms) "
        "- a proxy for the extra cold start of the compute function, measured on this x86_64 machine, not on Lambda.",
        f"Load average (1 min) at the end: {load_average()} on {os.cpu_count()} cores.",
    ]
    publish("numpy workload: asian-option, numpy vs pure Python", "numpy_workload", "\n".join(rows))


if __name__ == "__main__":
    main()

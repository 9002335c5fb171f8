"""Peers in one interleaved run, on the same job: the local engine (batched, and unbatched like moto), a bare
ProcessPoolExecutor map-reduce with the same batches (the floor for a process pool here), and moto's Step Functions
interpreter running the same definition unbatched, one child per item, with the handlers served in-process.

Every contender computes `{"workload": "sum-squares", "size": N}` and its total is checked against the closed form.
The engine and the pool are timed as whole processes. moto is timed twice: its whole process (which includes
importing moto and boto3 and deploying the stack) and its execution alone, from StartExecution until the execution
has ended, which is the fairer per-item figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks.processes import HPC, load_average, timed
from benchmarks.report import publish

HERE = Path(__file__).parent
REPO = HERE.parent
BATCH = 128  # the deployed default maxItemsPerBatch
EXECUTION_MARKER = "moto-execution-seconds"


def moto_child(size: int) -> None:
    """Inside a fresh process: deploy the stack to moto, run the job, print the total and the execution's seconds."""
    import pytest

    sys.path.insert(0, str(REPO / "tests" / "execution"))
    from moto_stack import deploy_to_moto, mocked_aws

    with pytest.MonkeyPatch.context() as monkeypatch, mocked_aws(monkeypatch):
        stack = deploy_to_moto(None, monkeypatch)
        started = time.perf_counter()
        described = stack.run({"workload": "sum-squares", "size": size})
        seconds = time.perf_counter() - started
    if described["status"] != "SUCCEEDED":
        raise SystemExit(f"moto's execution ended {described['status']}: {described.get('cause')}")
    print(json.loads(described["output"])["result"])
    print(f"{EXECUTION_MARKER} {seconds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    parser.add_argument("--moto-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.moto_child is not None:
        moto_child(args.moto_child)
        return
    n = args.size
    expected = (n - 1) * n * (2 * n - 1) // 6
    run = [str(HPC), "run", "--workload", "sum-squares", "--size", str(n), "--json", "--no-progress"]
    pool = [sys.executable, str(HERE / "bare_pool.py"), str(n), str(BATCH)]
    moto = [sys.executable, "-m", "benchmarks.peers", "--moto-child", str(n)]
    contenders = {
        f"local engine, batches of {BATCH}": [*run, "--set", f"maxItemsPerBatch={BATCH}"],
        "local engine, unbatched (one child per item)": [*run, "--set", "maxItemsPerBatch=1"],
        f"bare ProcessPoolExecutor, batches of {BATCH}": pool,
        "moto Step Functions, unbatched (one child per item)": moto,
    }
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    moto_execution: list[float] = []
    for _ in range(args.repeat):
        for name, command in contenders.items():
            done = timed(command)
            lines = done.stdout.split("\n")
            total = json.loads(lines[0])["result"] if lines[0].startswith("{") else lines[0]
            if int(total) != expected:
                raise SystemExit(f"{name} gave {total}, not {expected}")
            walls[name].append(done.wall)
            moto_execution += [float(line.split()[1]) for line in lines if line.startswith(EXECUTION_MARKER)]
    floor = statistics.median(walls[f"bare ProcessPoolExecutor, batches of {BATCH}"])
    rows = ["| contender | median wall s | per item ms | vs the pool floor |", "|---|---:|---:|---:|"]
    for name, values in walls.items():
        wall = statistics.median(values)
        rows.append(f"| {name} (whole process) | {wall:.2f} | {wall / n * 1000:.3f} | {wall / floor:.1f}x |")
    execution = statistics.median(moto_execution)
    rows.append(
        f"| moto Step Functions, its execution alone | {execution:.2f} | {execution / n * 1000:.3f} | "
        f"{execution / floor:.1f}x |"
    )
    rows += [
        "",
        f"{n:,} items of sum-squares, {args.repeat} rounds, contenders interleaved within each round; every total "
        "checked. Same definition for the engine and moto (built by asl/); moto 5.2 ignores ItemBatcher, so it runs "
        "the unbatched definition, as the local engine's second row does. Load average (1 min) at the end: "
        f"{load_average()} on 2 cores (shared).",
    ]
    publish("Peers: local engine, bare process pool, moto", "peers", "\n".join(rows), write=not args.no_write)


if __name__ == "__main__":
    main()

"""CPU per unbatched Map child in the interpreter: this tree's engine against an earlier revision's, interleaved.

One child is what a Distributed Map worker does per item: a fresh Execution, and its ItemProcessor (the project's
compute Task: lambda:invoke with Payload.$ "$", OutputPath "$.Payload", a Retry rule) run on a trivial handler, so
the figure is the engine's own cost (context object, paths, payload checks, the Lambda emulation), not a kernel's.
Each revision runs in its own process (`git archive` of `--baseline`, default the commit before the engine's state
modules), rounds interleaved; the best round of each is reported.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.report import publish

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from hpc.engine.interpreter import Execution, Interpreter, Runtime
name = "arn:aws:lambda:local:000000000000:function:hpc-compute"
def handler(event, context):
    return {"sum": sum(event["Items"])}
task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": name, "Payload.$": "$"}, "OutputPath": "$.Payload",
        "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 3}], "End": True}
processor = {"StartAt": "Compute", "States": {"Compute": task}}
runtime = Runtime(handlers={name: handler})
count = int(sys.argv[2])
started = time.process_time()
for i in range(count):
    execution = Execution(name="c", arn="a", input={"Items": [i, i + 1]}, state_machine_arn="s", state_machine_name="m")
    Interpreter(processor, runtime).run(execution)
print((time.process_time() - started) / count * 1e6)
"""


def measure(tree: Path, children: int) -> float:
    done = subprocess.run([sys.executable, "-c", CHILD, str(tree), str(children)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the child benchmark failed on {tree}:\n{done.stderr}")
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="fa5374c", help="git revision to compare with (default: %(default)s)")
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch)
        archive = subprocess.run(
            ["git", "archive", args.baseline, "hpc", "handlers", "asl"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        rounds: dict[str, list[float]] = {"baseline": [], "this tree": []}
        for _ in range(args.rounds):
            rounds["baseline"].append(measure(baseline, args.children))
            rounds["this tree"].append(measure(ROOT, args.children))
    base, ours = min(rounds["baseline"]), min(rounds["this tree"])
    body = "\n".join(
        [
            "| engine | CPU µs per unbatched child (best of rounds) |",
            "|---|---:|",
            f"| baseline `{args.baseline}` | {base:.1f} |",
            f"| this tree | {ours:.1f} |",
            "",
            f"Ratio this tree / baseline: {ours / base:.2f} ({args.rounds} interleaved rounds of {args.children:,} "
            "children each, process CPU time, one process per round and revision).",
        ]
    )
    publish("Engine CPU per unbatched child", "engine_child", body, write=not args.no_write)


if __name__ == "__main__":
    main()

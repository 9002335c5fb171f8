"""Peak memory of the sum function reading a large Map run's result files, against loading them whole.

A Distributed Map's result files may hold gigabytes while the sum function has a fixed memory size, so it streams
them (handlers/results.py). This writes a synthetic run in the ResultWriter's format -- manifest.json and a few
SUCCEEDED_n.json files of unbatched sum-squares records, each with Input and Output as JSON strings, as the local
engine and AWS write them -- and then, each in a fresh Python process:

- imports handlers.sum and stops (the interpreter's floor);
- runs handlers.sum.handler over the run, with HPC_LOCAL_STORE pointing at it (the streaming sum);
- json.load()s every result file and sums the decoded outputs (what a naive reduce would do).

Each process reports its own peak resident set (VmHWM in /proc/self/status, else getrusage). The streaming sum's
total is checked against the closed form (n-1)n(2n-1)/6 before anything is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import publish
from handlers.store import LocalStore

BUCKET = "hpc-local"
EXECUTION = "sum-memory-benchmark"
MAP_RUN = "0b5c6a1e-6a5d-4c53-9d6e-51f0b0d3c0de"
MACHINE_ARN = "arn:aws:states:local:000000000000:stateMachine:local/compute"
MODES = ("floor", "stream", "load")


def job(items: int) -> dict[str, Any]:
    return {"workload": "sum-squares", "params": {"size": items}, "items": items}


def record(item: int, job_json: str) -> bytes:
    """One unbatched child's record, as the ResultWriter writes it: Input and Output are JSON strings."""
    name = f"{MAP_RUN[:24]}{item:012x}"
    return json.dumps(
        {
            "ExecutionArn": f"arn:aws:states:local:000000000000:execution:local/compute:{name}",
            "Input": f'{{"item":{item},"job":{job_json}}}',
            "InputDetails": {"Included": True},
            "Name": name,
            "Output": json.dumps({"items": 1, "partial": str(item * item)}, separators=(",", ":")),
            "OutputDetails": {"Included": True},
            "RedriveCount": 0,
            "RedriveStatus": "NOT_REDRIVABLE",
            "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
            "StartDate": "2026-01-01T00:00:00.000Z",
            "StateMachineArn": MACHINE_ARN,
            "Status": "SUCCEEDED",
            "StopDate": "2026-01-01T00:00:00.100Z",
        },
        separators=(",", ":"),
    ).encode()


def write_run(root: Path, target_bytes: int, files: int) -> tuple[str, int, int]:
    """Write a run of about `target_bytes` in `files` SUCCEEDED files; (manifest key, items, result bytes)."""
    store = LocalStore(root)
    sample = len(record(10**6, json.dumps(job(10**6), separators=(",", ":"))))
    items = max(files, target_bytes // (sample + 1))
    job_json = json.dumps(job(items), separators=(",", ":"))
    directory = f"results/{EXECUTION}/{MAP_RUN}"
    listed = []
    per_file = -(-items // files)
    for number, first in enumerate(range(0, items, per_file)):
        key = f"{directory}/SUCCEEDED_{number}.json"
        path = store.path(BUCKET, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:  # streamed: the writer need not hold a file of this size either
            out.write(b"[")
            for item in range(first, min(first + per_file, items)):
                if item != first:
                    out.write(b",")
                out.write(record(item, job_json))
            out.write(b"]")
        listed.append({"Key": key, "Size": path.stat().st_size})
    manifest = {
        "DestinationBucket": BUCKET,
        "MapRunArn": f"arn:aws:states:local:000000000000:mapRun:local/compute:{MAP_RUN}",
        "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": listed},
    }
    manifest_key = f"{directory}/manifest.json"
    store.put(BUCKET, manifest_key, json.dumps(manifest).encode())
    return manifest_key, items, sum(entry["Size"] for entry in listed)


def measure(mode: str, root: Path, manifest_key: str, items: int) -> dict[str, Any]:
    """Run one mode in a fresh Python process; its report (peak_kib, seconds, result)."""
    command = [sys.executable, "-m", "benchmarks.sum_memory", "--child", mode, str(root), manifest_key, str(items)]
    environment = {**os.environ, "HPC_LOCAL_STORE": str(root), "RESULTS_BUCKET": BUCKET}  # as the stack sets it
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} process failed:\n{done.stderr}")
    return json.loads(done.stdout)


def child(mode: str, root: Path, manifest_key: str, items: int) -> None:
    """Inside the fresh process: do one mode's work and print its report as JSON."""
    sys.set_int_max_str_digits(0)
    from handlers import sum as sum_function

    started = time.perf_counter()
    result = None
    if mode == "stream":
        event = {"job": job(items), "results": {"ResultWriterDetails": {"Bucket": BUCKET, "Key": manifest_key}}}
        output = sum_function.handler(event, None)
        if output.get("items") != items or output.get("complete") is not True:
            raise SystemExit(f"the sum did not cover the run: {output}")
        result = output["result"]
    elif mode == "load":
        manifest = json.loads((root / BUCKET / manifest_key).read_bytes())
        loaded = []
        for entry in manifest["ResultFiles"]["SUCCEEDED"]:
            with (root / BUCKET / entry["Key"]).open("rb") as source:
                loaded.append(json.load(source))
        result = str(sum(int(json.loads(each["Output"])["partial"]) for file in loaded for each in file))
    print(json.dumps({"peak_kib": peak_kib(), "seconds": time.perf_counter() - started, "result": result}))


def peak_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=300, help="total size of the result files (default 300)")
    parser.add_argument("--files", type=int, default=3, help="SUCCEEDED files to spread them over (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "ROOT", "MANIFEST", "ITEMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, root, manifest_key, items = args.child
        child(mode, Path(root), manifest_key, int(items))
        return
    if args.megabytes < 1 or args.files < 1:
        parser.error("--megabytes and --files must be at least 1")

    with tempfile.TemporaryDirectory(prefix="hpc-sum-memory-") as directory:
        root = Path(directory)
        written = time.perf_counter()
        manifest_key, items, result_bytes = write_run(root, args.megabytes * 10**6, args.files)
        print(f"wrote {result_bytes / 1e6:,.1f} MB, {items:,} records in {time.perf_counter() - written:.1f} s")
        reports = {mode: measure(mode, root, manifest_key, items) for mode in MODES}

    expected = (items - 1) * items * (2 * items - 1) // 6
    for mode in ("stream", "load"):
        if int(reports[mode]["result"]) != expected:
            raise SystemExit(f"{mode}: total {reports[mode]['result']} is not (n-1)n(2n-1)/6 = {expected}")
    mib = {mode: report["peak_kib"] / 1024 for mode, report in reports.items()}
    megabytes = result_bytes / 1e6
    rows = [
        "| process | peak RSS MiB | above floor MiB | seconds |",
        "|---|---:|---:|---:|",
        f"| Python with handlers.sum imported (floor) | {mib['floor']:.1f} | - | - |",
        f"| handlers.sum.handler, streaming | {mib['stream']:.1f} | {mib['stream'] - mib['floor']:.1f} "
        f"| {reports['stream']['seconds']:.1f} |",
        f"| json.load of every file, then sum | {mib['load']:.1f} | {mib['load'] - mib['floor']:.1f} "
        f"| {reports['load']['seconds']:.1f} |",
        "",
        f"Result files: {megabytes:,.1f} MB in {args.files} SUCCEEDED file(s), {items:,} unbatched sum-squares "
        f"records (ResultWriter format, Input and Output as JSON strings). The streaming sum's peak is "
        f"{mib['stream'] - mib['floor']:.1f} MiB above the interpreter's floor for {megabytes:,.0f} MB of results; "
        f"loading them whole takes {mib['load'] / mib['stream']:.0f}x its peak. Both totals checked against "
        "(n-1)n(2n-1)/6. Peak RSS is VmHWM read by each fresh process itself.",
    ]
    body = "\n".join(rows)
    publish("Sum streaming memory", "sum_memory", body, write=not args.no_write)


if __name__ == "__main__":
    main()

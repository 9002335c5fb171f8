"""Data jobs through `hpc run`: csv-stats over a generated CSV of at least 1 GB, object-digest over 10,000 generated
files, each against a single-process standard-library baseline doing the same computation on the same data
(benchmarks/bare_data_jobs.py), interleaved: baseline, hpc, baseline, hpc, ... in one run, so the ratio survives a
machine shared with other work (absolute times do not: the load average is printed with each figure).

Reported per job: MB/s of each (data bytes / wall seconds), the speed-up (baseline wall / hpc wall; goal >= 1.6 on
2 cores), CPU seconds of each (whole process trees), and the peak RSS of the largest single process of the run (the
engine's parent or a worker), at two data sizes to show whether memory follows the data size (object-digest: the
same number of files, ~10 KB and ~100 KB each). Each run's answer is
checked against the baseline's (counts and digest exactly, means and variances to 1e-9), so a fast wrong answer
cannot pass. Data is generated under /tmp (or --data DIR) and deleted afterwards.

    python -m benchmarks.data_jobs             # 1 GB CSV (and 256 MB for memory), 10,000 files of ~100 KB (and ~10 KB)
    python -m benchmarks.data_jobs --csv-mb 64 --small-csv-mb 16 --files 1000 --rounds 1 --no-write  # a quick look
    python -m benchmarks.data_jobs --jobs object-digest --no-write   # one job (each job has its RESULTS.md section)
    python -m benchmarks.data_jobs --jobs object-digest --before DIR  # and a checkout of an earlier commit beside it
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.processes import ENVIRONMENT, HPC, commit_of, load_average
from benchmarks.report import publish

BARE = Path(__file__).with_name("bare_data_jobs.py")
GOAL = 1.6
MB = 1_000_000
JOBS = ("object-digest", "csv-stats")


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_rss_mib: float
    output: dict


def measured(command: list[str], source: str | None = None) -> Run:
    """Run `command` under a wrapper process, so the wrapper's RUSAGE_CHILDREN is this command's process tree alone;
    `source`: a checkout of another commit whose code it runs instead (first on PYTHONPATH)."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - started\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'code': done.returncode, 'out': done.stdout, 'err': done.stderr[-2000:], 'wall': wall,\n"
        "  'cpu': usage.ru_utime + usage.ru_stime, 'rss_kib': usage.ru_maxrss}))\n"
    )
    environment = ENVIRONMENT if source is None else {**ENVIRONMENT, "PYTHONPATH": source}
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *command], capture_output=True, text=True, env=environment, cwd=source
    )
    report = json.loads(done.stdout)
    if report["code"] != 0:
        raise SystemExit(f"{' '.join(command)} failed ({report['code']}):\n{report['err']}")
    return Run(report["wall"], report["cpu"], report["rss_kib"] / 1024, json.loads(report["out"]))


def make_csv(path: Path, megabytes: int) -> int:
    """A CSV of about `megabytes` MB: 8 numeric columns and a text one, a 10 MB block of random rows repeated."""
    draw = random.Random(1)
    block = "".join(
        f"{draw.gauss(20, 5):.3f},{draw.gauss(1013, 8):.2f},{draw.uniform(0, 100):.1f},{draw.expovariate(0.1):.4f},"
        f"{draw.uniform(1, 500):.2f},{draw.randrange(1000)},{draw.gauss(0, 1):.6f},{draw.choice(['a', 'b', 'c', ''])}\n"
        for _ in range(150_000)
    ).encode()
    with path.open("wb") as out:
        out.write(b"id,temp,pressure,humidity,speed,price,qty,score,label\n"[3:])  # no id column: rows repeat
        written = 0
        while written < megabytes * MB:
            out.write(block)
            written += len(block)
    return path.stat().st_size


def make_files(folder: Path, count: int, mean_bytes: int) -> int:
    """`count` files in 100 folders, sizes around `mean_bytes`, contents from one random pool (cheap to generate)."""
    draw = random.Random(2)
    pool = draw.randbytes(4 * mean_bytes)
    total = 0
    for number in range(count):
        size = draw.randrange(mean_bytes // 2, mean_bytes * 3 // 2)
        start = draw.randrange(0, len(pool) - size)
        path = folder / f"part-{number % 100:02d}" / f"object-{number:06d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%d\n" % number + pool[start : start + size])
        total += path.stat().st_size
    return total


def hpc_command(workload: str, data: Path, settings: list[str]) -> list[str]:
    job = json.dumps({"workload": workload, "data": str(data)})
    chosen = [argument for setting in settings for argument in ("--set", setting)]
    return [str(HPC), "run", "--input", job, "--json", "--no-progress", *chosen]


def same_answer(workload: str, bare: dict, hpc: dict) -> None:
    if workload == "object-digest":
        assert (hpc["result"], hpc["objects"], hpc["bytes"], hpc["lines"]) == (
            bare["result"],
            bare["objects"],
            bare["bytes"],
            bare["lines"],
        ), "object-digest answers differ"
        return
    for name, expected in bare.items():
        got = hpc["result"][name]
        for field in ("count", "non_numeric", "empty", "min", "max"):
            assert got[field] == expected[field], (name, field, got[field], expected[field])
        for field in ("mean", "variance"):
            if expected[field] is not None:
                assert abs(got[field] - expected[field]) <= 1e-9 * max(1.0, abs(expected[field])), (name, field)


def compare(
    workload: str, data: Path, size: int, rounds: int, settings: list[str], before: str | None
) -> tuple[list[Run], list[Run], list[Run]]:
    """Interleaved rounds of the baseline, `hpc run`, and (with `before`) `hpc run` of an earlier checkout."""
    bare_runs, hpc_runs, before_runs = [], [], []
    for _ in range(rounds):
        bare_runs.append(measured([sys.executable, str(BARE), workload, str(data)]))
        hpc_runs.append(measured(hpc_command(workload, data, settings)))
        same_answer(workload, bare_runs[-1].output, hpc_runs[-1].output)
        before_figure = ""
        if before:
            before_runs.append(measured(hpc_command(workload, data, settings), source=before))
            same_answer(workload, bare_runs[-1].output, before_runs[-1].output)
            before_figure = f", before {size / MB / before_runs[-1].wall:.1f} MB/s"
        print(
            f"  {workload}: bare {size / MB / bare_runs[-1].wall:.1f} MB/s, hpc {size / MB / hpc_runs[-1].wall:.1f} "
            f"MB/s{before_figure} (load {load_average()})",
            flush=True,
        )
    return bare_runs, hpc_runs, before_runs


def rows_of(title: str, size: int, runs: tuple[list[Run], list[Run], list[Run]], before: str | None) -> list[str]:
    """The row of `hpc run`, and with `before` the row of the earlier checkout against the same baseline runs."""
    bare_runs, hpc_runs, before_runs = runs
    rows = [row(title, size, bare_runs, hpc_runs)]
    if before:
        rows.append(row(f"{title}, the code before ({commit_of(before) or before})", size, bare_runs, before_runs))
    return rows


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def row(title: str, size: int, bare: list[Run], hpc: list[Run]) -> str:
    """One table row, also printed at once, so a long benchmark stopped midway still shows what it measured."""
    bare_wall, hpc_wall = median([r.wall for r in bare]), median([r.wall for r in hpc])
    line = (
        f"| {title} | {size / MB:,.0f} MB | {size / MB / bare_wall:.1f} MB/s ({bare_wall:.1f} s, "
        f"{median([r.cpu for r in bare]):.1f} s CPU) | {size / MB / hpc_wall:.1f} MB/s ({hpc_wall:.1f} s, "
        f"{median([r.cpu for r in hpc]):.1f} s CPU) | {bare_wall / hpc_wall:.2f}x | "
        f"{max(r.peak_rss_mib for r in hpc):.0f} MiB | {max(r.peak_rss_mib for r in bare):.0f} MiB |"
    )
    print(line, flush=True)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.data_jobs", description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=int, default=1024, help="size of the large CSV in MB (default 1024)")
    parser.add_argument("--small-csv-mb", type=int, default=256, help="a second CSV size, for memory (default 256)")
    parser.add_argument("--files", type=int, default=10_000, help="files for object-digest (default 10,000)")
    parser.add_argument("--file-kb", type=int, default=100, help="mean file size in KB (default 100)")
    parser.add_argument("--small-file-kb", type=int, default=10, help="a second file size, for memory (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of object-digest (default 2)")
    parser.add_argument("--csv-rounds", type=int, default=1, help="interleaved rounds over the large CSV (default 1)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the hpc runs, as `hpc run --set` takes it (default: the stack's, Pulumi.dev.yaml)",
    )
    parser.add_argument(
        "--before", metavar="DIR", help="a checkout of an earlier commit, its `hpc run` interleaved too"
    )
    parser.add_argument("--data", type=Path, help="where to generate the data (default: a folder under /tmp)")
    parser.add_argument(
        "--jobs",
        type=lambda text: [job.strip() for job in text.split(",")],
        default=list(JOBS),
        help=f"comma-separated jobs to run, of {', '.join(JOBS)} (default: both)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; do not rewrite RESULTS.md")
    args = parser.parse_args()
    if unknown := set(args.jobs) - set(JOBS):
        parser.error(f"--jobs: unknown job(s) {', '.join(sorted(unknown))}; choose from {', '.join(JOBS)}")
    root = Path(tempfile.mkdtemp(prefix="hpc-bench-data-", dir=args.data))
    try:
        for job in (job for job in JOBS if job in args.jobs):
            rows = object_digest_rows(root, args) if job == "object-digest" else csv_stats_rows(root, args)
            publish(
                f"Data jobs: {job} against a single-process baseline",
                "data_jobs",
                body(rows, args.set, SIDES.get(job, "")),
                write=not args.no_write,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def object_digest_rows(root: Path, args: argparse.Namespace) -> list[str]:
    """The same number of files at two sizes: memory that followed the bytes read would show between the rows."""
    rows = []
    for kilobytes, rounds in ((args.small_file_kb, 1), (args.file_kb, args.rounds)):
        files = root / f"files-{kilobytes}"
        files.mkdir()
        size = make_files(files, args.files, kilobytes * 1000)
        try:
            runs = compare("object-digest", files, size, rounds, args.set, args.before)
        finally:
            shutil.rmtree(files)
        rows += rows_of(f"object-digest, {args.files:,} files of ~{kilobytes} KB", size, runs, args.before)
    return rows


def csv_stats_rows(root: Path, args: argparse.Namespace) -> list[str]:
    rows = []
    for megabytes, rounds in ((args.small_csv_mb, 1), (args.csv_mb, args.csv_rounds)):
        path = root / f"table-{megabytes}.csv"
        size = make_csv(path, megabytes)
        try:
            runs = compare("csv-stats", path, size, rounds, args.set, args.before)
            rows += rows_of("csv-stats, one CSV", size, runs, args.before)
        finally:
            path.unlink()
    return rows


# What each side computes, so that a faster kernel on one side is not mistaken for a weaker baseline.
SIDES = {
    "csv-stats": (
        "Both sides compute the same statistics of every column with the standard library alone. Baseline: one "
        "process, `csv.reader` over the file, then per cell `float()` and a Welford update of count, mean, M2, min "
        "and max (the classic single-pass method). `hpc run`: the engine cuts the file's plain lines into batches "
        "(the header and any quoted or otherwise special lines go through `csv.reader`), each worker splits its "
        "lines into the same rows and runs csv-stats column by column (`float()` over a column, `math.fsum` for "
        "the mean, a second pass for M2), and the sum merges the batches with Chan et al.'s formula, with every "
        "row also written to and read from the ResultWriter's files as AWS's records hold it."
    ),
}


def _with(settings: list[str]) -> str:
    return f", with {', '.join(f'--set {setting}' for setting in settings)}" if settings else ""


def body(rows: list[str], settings: list[str], sides: str = "") -> str:
    """One job's RESULTS.md section: how it was measured, then its rows."""
    return "\n".join(
        [
            f"`hpc run` with the stack's settings (Pulumi.dev.yaml: a child takes up to 1,024 CSV rows, "
            f"maxRowsPerBatch, or 128 listed objects, maxItemsPerBatch, and at most 255 KiB){_with(settings)}, against "
            "`benchmarks/bare_data_jobs.py` (one process, standard library); medians of interleaved rounds; goal: "
            f">= {GOAL}x the baseline's MB/s on 2 cores. Load average at the end: {load_average()} (the machine is "
            "shared; compare the columns of a row, not rows of different runs).",
            *(["", sides] if sides else []),
            "",
            "| job | data | baseline | hpc run | speed-up | peak RSS, hpc (largest process) | peak RSS, baseline |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    )


if __name__ == "__main__":
    main()

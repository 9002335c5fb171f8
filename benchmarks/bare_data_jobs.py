"""The single-process standard-library baselines for benchmarks/data_jobs.py: the same computations as csv-stats and
object-digest, on the same data, in one plain loop with no engine, no batches and no JSON.

    python benchmarks/bare_data_jobs.py csv-stats FILE.csv     -> per-column count, mean, variance, min, max (JSON)
    python benchmarks/bare_data_jobs.py object-digest FOLDER   -> sha256sum-style digest of the folder, object count

csv-stats: one pass per row with Welford's update per numeric cell (the classic streaming method, stable and single
pass), non-numeric and empty cells counted. object-digest: files in byte order of their relative paths, each
streamed through SHA-256 with its newlines counted, then the SHA-256 of the `sha256sum` lines. Standalone: imports
nothing from this repository.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sys


def csv_stats(path: str) -> dict:
    columns: dict[str, list[float]] = {}  # name -> [count, mean, m2, min, max, non_numeric, empty]
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        stats = [[0, 0.0, 0.0, math.inf, -math.inf, 0, 0] for _ in header]
        for row in rows:
            if not row:
                continue
            for position, cell in enumerate(row[: len(header)]):
                entry = stats[position]
                if not cell.strip():
                    entry[6] += 1
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    entry[5] += 1
                    continue
                if not math.isfinite(value):
                    entry[5] += 1
                    continue
                entry[0] += 1
                delta = value - entry[1]
                entry[1] += delta / entry[0]
                entry[2] += delta * (value - entry[1])
                entry[3] = min(entry[3], value)
                entry[4] = max(entry[4], value)
    for name, (count, mean, m2, low, high, non_numeric, empty) in zip(header, stats, strict=True):
        columns[name] = {
            "count": count,
            "mean": mean if count else None,
            "variance": m2 / (count - 1) if count > 1 else None,
            "min": low if count else None,
            "max": high if count else None,
            "non_numeric": non_numeric,
            "empty": empty,
        }
    return columns


def object_digest(folder: str) -> dict:
    keys = []
    for root, _, files in os.walk(folder):
        keys.extend(os.path.relpath(os.path.join(root, name), folder) for name in files)
    keys.sort(key=lambda key: key.encode())
    listing = hashlib.sha256()
    total = lines = 0
    for key in keys:
        digest = hashlib.sha256()
        with open(os.path.join(folder, key), "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                total += len(chunk)
                lines += chunk.count(b"\n")
        listing.update(f"{digest.hexdigest()}  {key}\n".encode())
    return {"result": listing.hexdigest(), "objects": len(keys), "bytes": total, "lines": lines}


if __name__ == "__main__":
    job, where = sys.argv[1], sys.argv[2]
    print(json.dumps(csv_stats(where) if job == "csv-stats" else object_digest(where)))

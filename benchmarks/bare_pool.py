"""The floor for a process pool here: a bare ProcessPoolExecutor map-reduce of a workload's own kernel over the same
batches the Map makes, in one standalone process (no engine, no files, no JSON, no state machine).

Usage: bare_pool.py SIZE BATCH [WORKERS] [WORKLOAD]; prints the presented result.
"""

import os
import sys
from concurrent.futures import ProcessPoolExecutor

from handlers import workloads

WORKLOAD = workloads.get(sys.argv[4] if len(sys.argv) > 4 else "sum-squares")


def main() -> None:
    size, batch = int(sys.argv[1]), int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count() or 1
    workload = WORKLOAD
    params = workload.parse(size, {})
    values = workload.items(params)
    batches = (list(values[start : start + batch]) for start in range(0, len(values), batch))
    count = -(-len(values) // batch)
    with ProcessPoolExecutor(workers) as pool:  # a knowledgeable user's chunksize: a few chunks per worker
        partials = pool.map(_compute, batches, [params] * count, chunksize=max(1, count // (workers * 4)))
        total = workload.combine(list(partials))
    print(workload.present(total, params)["result"])


def _compute(batch: list, params: dict) -> object:
    return WORKLOAD.compute(batch, params)


if __name__ == "__main__":
    main()

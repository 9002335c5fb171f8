"""What tools/mutate.py mutates, which tests judge each file, and the mutants that cannot change behaviour.

TARGETS: each core file and the tests relevant to it (pytest arguments), chosen to run in seconds: only these run for
each of the file's mutants. EQUIVALENT: mutants (by Mutant.name) that no test can catch because no behaviour differs,
each with the reason; tools/mutate.py sets them aside from the score and lists them in docs/mutation.md.
"""

from __future__ import annotations

UNIT = "tests/unit"
EXECUTION = "tests/execution"
SUM_LOCAL = [f"{UNIT}/test_handler_sum.py", "-k", "not s3]"]  # the local store: the same code paths, without moto

CONTRACT = f"{UNIT}/test_workload_contract.py"
MAP = [
    f"{EXECUTION}/test_engine_map.py",
    f"{EXECUTION}/test_engine_map_errors.py",
    f"{EXECUTION}/test_engine_result_writer_memory.py",
    f"{EXECUTION}/test_engine_faults.py",
    f"{EXECUTION}/test_engine_child_spans.py",
    f"{EXECUTION}/test_engine_state_kinds.py",
    f"{EXECUTION}/test_engine_jsonata_variables.py",
    f"{UNIT}/test_map_streaming.py",
    "-k",
    "not sigint",  # a whole engine process interrupted: slow, and timing-sensitive on a loaded machine
]

TARGETS: dict[str, list[str]] = {
    "handlers/inputs.py": [f"{UNIT}/test_inputs.py", f"{UNIT}/test_inputs_integer_items.py", CONTRACT],
    "handlers/compute.py": [f"{UNIT}/test_handler_compute.py"],
    "handlers/start.py": [f"{UNIT}/test_handler_start.py", f"{UNIT}/test_datasets.py"],
    "handlers/datasets.py": [f"{UNIT}/test_datasets.py", f"{UNIT}/test_handler_start.py"],
    "handlers/sum.py": [*SUM_LOCAL[:1], f"{UNIT}/test_sum_missing_file_under_its_policy.py", *SUM_LOCAL[1:]],
    "handlers/coverage.py": [f"{UNIT}/test_coverage.py", *SUM_LOCAL],
    "handlers/results.py": [f"{UNIT}/test_results_reader.py", *SUM_LOCAL],
    "handlers/store.py": [f"{UNIT}/test_handler_store.py", f"{UNIT}/test_handler_start.py"],
    "handlers/environment.py": [f"{UNIT}/test_handler_environment.py"],
    "handlers/workloads/__init__.py": [
        f"{UNIT}/test_workload_registry.py",
        CONTRACT,
        f"{UNIT}/test_requirements.py",
        f"{UNIT}/test_handler_start.py",
    ],
    "handlers/workloads/s3_keys.py": [f"{UNIT}/test_workload_s3_keys.py", CONTRACT],
    "handlers/workloads/sum_squares.py": [f"{UNIT}/test_workload_sum_squares.py", CONTRACT],
    "handlers/workloads/monte_carlo_pi.py": [f"{UNIT}/test_workload_monte_carlo_pi.py", CONTRACT],
    "handlers/workloads/asian_option.py": [f"{UNIT}/test_workload_asian_option.py", CONTRACT],
    "handlers/workloads/csv_stats.py": [f"{UNIT}/test_workload_csv_stats.py", CONTRACT],
    "handlers/workloads/object_digest.py": [f"{UNIT}/test_workload_object_digest.py", CONTRACT],
    "asl/definition.py": [f"{UNIT}/test_definition.py"],
    "asl/retry.py": [f"{UNIT}/test_definition.py"],
    "infra/iam.py": ["tests/stack/test_stack_iam.py"],
    "hpc/engine/distributed_map.py": MAP,
    "hpc/engine/map_child.py": MAP,
    "hpc/engine/map_items.py": MAP,
    "hpc/engine/map_settings.py": MAP,
    "hpc/engine/tolerance.py": [f"{UNIT}/test_tolerance.py", *MAP],
    "hpc/engine/result_writer.py": [
        f"{EXECUTION}/test_engine_result_writer_memory.py",
        f"{EXECUTION}/test_engine_map.py",
    ],
}

EQUIVALENT: dict[str, str] = {
    "handlers/workloads/s3_keys.py::compute `counts_through(max(lengths), first=min(lengths))` -> "
    "`counts_through(max(lengths))` in `for length, count in counts_through(max(lengths), first=min(lengths)):`": (
        "`first` only lets the recurrence resume from the furthest point this process reached; from f(0) it yields "
        "the same counts for the same lengths, later (speed is a benchmark's business, not a test's)"
    ),
    "handlers/workloads/s3_keys.py::compute `1` -> `(0)` in "
    "`total += count if times == 1 else times * count # a product by 1 would still ...`": (
        "`count if times == 1 else times * count`: with `times == 0` (never true) every length takes `times * count`, "
        "the same number; the branch only spares multiplying a big integer by 1"
    ),
    "handlers/workloads/sum_squares.py::<module> `sys.set_int_max_str_digits(0)` -> `pass`": (
        "a sum-squares partial within maxItems (10^8 items) has at most 25 digits, far below the 4,300-digit limit "
        "the line lifts; it guards hand-made partials only"
    ),
    "hpc/engine/map_child.py::ChildRunner.__call__ `0` -> `(-1)` in "
    '`return ("map-error", error.error, error.cause, index), True, 0`': (
        "the size of a map-error outcome only feeds the worker's flush-by-bytes count, and the outcome is urgent, "
        "so it is sent at once whatever size it claims"
    ),
    'hpc/engine/result_writer.py::RecordSpool.records `0` -> `(-1)` in `window, window_start = b"", 0`': (
        "the first window is empty, so the first record is read from the file whatever offset the empty window "
        "claims to start at"
    ),
    'hpc/engine/result_writer.py::RecordSpool.records `0` -> `1` in `window, window_start = b"", 0`': (
        "the first window is empty, so the first record is read from the file whatever offset the empty window "
        "claims to start at"
    ),
    "handlers/workloads/__init__.py::params_for `_known_params.clear()` -> `pass`": (
        "the memo of checked params only stops growing past 64 entries; every lookup still gives the same params"
    ),
    "handlers/results.py::<module> `2` -> `3` in `BULK_ATTEMPTS = 2 # failed buffer-at-a-time decodes before a reader decodes o...`": (
        "how many failed buffer-at-a-time decodes a reader tries before it decodes one element at a time: speed only; the property test decodes every array alike at any buffering"
    ),
    "handlers/results.py::_ArrayReader.__init__ `0` -> `(-1)` in `self.bulk_failures = 0`": (
        "one more buffer-at-a-time attempt before the element-at-a-time fallback: speed only, the same elements"
    ),
    "handlers/results.py::_ArrayReader.elements_to_last_comma `2` -> `3` in `if len(self.buffer) - self.position < self.chunk_bytes // 2:`": (
        "when the reader refills its buffer: speed and memory only; the property test decodes every array alike at any buffering"
    ),
    "handlers/workloads/object_digest.py::<module> `1` -> `2` in `CHUNK_BYTES = 1 << 20`": (
        "the read size of each object's digest: the same bytes are hashed in bigger reads"
    ),
    "handlers/store.py::_walk `entries.sort(key=lambda found: found[0])` -> `entries.sort()`": (
        "entries are (key, stat) pairs with distinct keys, so sorting the pairs orders them by key exactly as sorting by key does"
    ),
    'handlers/environment.py::data_buckets `os.environ.get("DATA_BUCKETS", "")` -> `os.environ.get(\'DATA_BUCKETS\')` in `raw = os.environ.get("DATA_BUCKETS", "") or "[]"`': (
        '`or "[]"` follows: an unset variable (None) and an empty one both read as []'
    ),
    'handlers/coverage.py::Coverage.count `if self.items != expected_start: raise IncompleteResults(f"some items are in ...` -> `pass` in `if self.items != expected_start:`': (
        "a second guard: every duplicate either repeats a run's start (refused as it is added) or overlaps a run, "
        "which the sorted pass above refuses first; no input found reaches it"
    ),
}

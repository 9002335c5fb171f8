"""Sum function: reduce the Map's result files to the job's answer, or say exactly why there is none.

Normal mode, event `{"job", "results": <Map output>}`: reads the manifest and every SUCCEEDED file (streamed, one file
at a time), combines the partials and checks the items they cover add up to the job's. Output
`{"workload", "items", "complete": true, **present(...)}`. It refuses with IncompleteResults -- never a wrong total --
when the manifest lists PENDING files, lists FAILED files while no failure is tolerated, lists a file that is missing,
truncated or corrupt, or when the covered items do not add up. With TOLERATED_FAILURE_PERCENTAGE above 0 and failures
within it, the output is `{"complete": false, "partial_result", "items_covered", "items_failed", "items_expected",
"failed": [...]}` and deliberately has no "result" key, so nothing mistakes it for the answer. Each entry of
"failed" names a failed child's items with its Error and a condensed Cause ("ErrorType: message", no stack trace).

Data jobs (job "items" null: the count is not known until the Map has read the data) are checked against the items
the result files account for instead (handlers/coverage.py explains why that refuses every incomplete run); a dataset
with no items at all is refused with InvalidInput naming it.

Results of any size: an output whose JSON passes INLINE_OUTPUT_BYTES is written whole to the results bucket at
`outputs/<execution>/result.json`, and the function returns `{"workload", "items", "complete", "result_object":
{"Bucket", "Key", "Size"}}` plus every field of the output that is small (`hpc run` fetches the object and shows it
in place of the summary), so no output meets Step Functions' 256 KiB limit.

Failure-report mode, event `{"job", "results_prefix", "failure": {"Error", "Cause"}}` (the Map failed past its
tolerance): finds the manifest under the prefix and always raises ItemsFailed naming the first failed items.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from handlers import environment, results, workloads
from handlers.coverage import Coverage
from handlers.errors import IncompleteResults, InvalidInput, ItemsFailed
from handlers.inputs import describe, encodes_within
from handlers.store import ObjectMissing, Store, store

FAILED_LISTED = 20  # failed children listed in an incomplete output (the output must stay under 256 KiB)
FAILED_NAMED = 5  # failed children named in an ItemsFailed message
COMBINE_EVERY = 256  # partials held before combining: one conversion per partial, bounded memory
INLINE_OUTPUT_BYTES = 64 * 1024  # a quarter of the 256 KiB payload limit; larger outputs go to the results bucket
SUMMARY_FIELD_BYTES = 1024  # fields of a stored output small enough to repeat in the returned summary
OUTPUTS_PREFIX = "outputs"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job, workload, params = unpack_job(event)
    if "failure" in event:
        report_failures(store(), environment.results_bucket(), event, job)
    bucket, manifest_key = map_results(event)
    output = total(store(), bucket, manifest_key, job, workload, params, environment.tolerated_failure_percentage())
    return deliver(store(), environment.results_bucket(), event.get("execution"), output)


def deliver(store: Store, bucket: str, execution: Any, output: dict[str, Any]) -> dict[str, Any]:
    """The output itself when small, else a summary pointing at the whole output stored in the results bucket."""
    body = json.dumps(output, separators=(",", ":")).encode()
    if len(body) <= INLINE_OUTPUT_BYTES:
        return output
    if not isinstance(execution, str) or not execution or "/" in execution:
        raise InvalidInput(
            f"the sum event needs the execution's name to store a large result, got {describe(execution)}"
        )
    key = f"{OUTPUTS_PREFIX}/{execution}/result.json"
    store.put(bucket, key, body)
    summary = {
        field: value
        for field, value in output.items()
        if encodes_within(value, SUMMARY_FIELD_BYTES, separators=(",", ":"))
    }
    return {**summary, "result_object": {"Bucket": bucket, "Key": key, "Size": len(body)}}


def unpack_job(event: Any) -> tuple[dict[str, Any], workloads.Workload, dict[str, Any]]:
    job = event.get("job") if isinstance(event, dict) else None
    if not isinstance(job, dict) or not isinstance(job.get("params"), dict):
        raise InvalidInput(f"the sum event carries no job object from the start function, got {describe(event)}")
    workload = workloads.get(job.get("workload"))
    params = workloads.params_for(workload, job["params"])
    job_items = job.get("items")
    counted_later = job_items is None and bool(workloads.sources(workload))
    if not counted_later and (isinstance(job_items, bool) or not isinstance(job_items, int) or job_items < 1):
        raise InvalidInput(f"the job's item count must be a positive integer, got {describe(job_items)}")
    return job, workload, params


def map_results(event: dict[str, Any]) -> tuple[str, str]:
    """(bucket, manifest key) from the Map's output at event["results"]."""
    output = event.get("results")
    details = output.get("ResultWriterDetails") if isinstance(output, dict) else None
    bucket, key = (details.get("Bucket"), details.get("Key")) if isinstance(details, dict) else (None, None)
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise InvalidInput(
            'the sum event needs the Map\'s output, {"results": {"ResultWriterDetails": {"Bucket", "Key"}}}, '
            f"got {describe(output)}"
        )
    return bucket, key


def total(
    store: Store,
    bucket: str,
    manifest_key: str,
    job: dict[str, Any],
    workload: workloads.Workload,
    params: dict[str, Any],
    tolerated_percentage: float,
) -> dict[str, Any]:
    files = _manifest(store, bucket, manifest_key)
    if files["PENDING"]:
        raise IncompleteResults(
            f"the Map run left {len(files['PENDING'])} PENDING result file(s) ({', '.join(files['PENDING'])}): some "
            "items never ran. Redrive the run or start the job again."
        )
    if files["FAILED"] and tolerated_percentage == 0:
        raise IncompleteResults(
            f"the manifest lists {len(files['FAILED'])} FAILED result file(s) ({', '.join(files['FAILED'])}) and no "
            "failure is tolerated (toleratedFailurePercentage is 0); no total is given."
        )
    coverage = Coverage() if job["items"] is None else None
    covered, partial = _reduce_succeeded(store, bucket, files["SUCCEEDED"], workload, coverage)
    failed, failures = _scan_failed(store, bucket, files["FAILED"], limit=FAILED_LISTED, coverage=coverage)
    expected = job["items"] if coverage is None else coverage.count()
    if expected == 0:
        raise InvalidInput(
            f"the data {params.get('data')} holds no items (an empty prefix, or an object without rows or lines): "
            "there is nothing to compute"
        )
    if covered + failed != expected:
        raise IncompleteResults(
            f"the results cover {covered} item(s) and record {failed} failed, but the job has {expected} "
            f"(result files: {', '.join(files['SUCCEEDED'] + files['FAILED']) or 'none'}); start the job again."
        )
    if failed == 0:
        return {"workload": workload.NAME, "items": expected, "complete": True, **workload.present(partial, params)}
    if failed * 100 > tolerated_percentage * expected:
        raise IncompleteResults(
            f"{failed} of {expected} items failed, more than the tolerated {tolerated_percentage}% "
            f"(first: {_name_failures(failures, failed)})"
        )
    return {
        "workload": workload.NAME,
        "complete": False,
        "partial_result": None if partial is None else workload.present(partial, params)["result"],
        "items_covered": covered,
        "items_failed": failed,
        "items_expected": expected,
        "failed": failures,
    }


def report_failures(store: Store, bucket: str, event: dict[str, Any], job: dict[str, Any]) -> NoReturn:
    """Raise ItemsFailed naming the failed items of the Map run(s) under the event's results_prefix."""
    failure = event["failure"] if isinstance(event.get("failure"), dict) else {}
    map_error = ": ".join(str(part) for part in (failure.get("Error", "unknown error"), failure.get("Cause")) if part)
    prefix = event.get("results_prefix")
    if not isinstance(prefix, str) or not prefix:
        raise ItemsFailed(f"the Map failed ({map_error}); the event names no results_prefix to read its results from")
    manifests = [key for key, _ in store.list(bucket, prefix.rstrip("/") + "/") if key.endswith("/manifest.json")]
    if not manifests:
        raise ItemsFailed(f"the Map failed ({map_error}) and wrote no results under {bucket}/{prefix}")
    failed, pending = 0, 0
    failures: list[dict[str, Any]] = []
    try:
        for manifest_key in manifests:  # one per Map Run; the prefix belongs to this execution alone
            files = _manifest(store, bucket, manifest_key)
            count, listed = _scan_failed(store, bucket, files["FAILED"], limit=FAILED_NAMED - len(failures))
            failed, failures = failed + count, failures + listed
            pending += _scan_failed(store, bucket, files["PENDING"], limit=0)[0]
    except IncompleteResults as error:
        raise ItemsFailed(f"the Map failed ({map_error}); its results could not be read: {error}") from None
    never_ran = f"; {pending} never started" if pending else ""
    if not failed:
        raise ItemsFailed(f"the Map failed ({map_error}) but its results record no failed items{never_ran}")
    of = f" of {job['items']}" if job["items"] is not None else ""
    raise ItemsFailed(f"{failed}{of} items failed{never_ran} (first: {_name_failures(failures, failed)})")


@contextmanager
def _reading(bucket: str, key: str) -> Iterator[None]:
    """Turn a missing or damaged result file into IncompleteResults naming it."""
    try:
        yield
    except ObjectMissing:
        raise IncompleteResults(f"result file {bucket}/{key}, listed in the manifest, does not exist") from None
    except results.CorruptResults as error:
        raise IncompleteResults(f"result file {bucket}/{key} is truncated or corrupt: {error}") from None


def _manifest(store: Store, bucket: str, key: str) -> dict[str, list[str]]:
    try:
        return results.read_manifest(store, bucket, key)
    except ObjectMissing:
        raise IncompleteResults(f"the Map's manifest {bucket}/{key} does not exist; no results to sum") from None
    except results.CorruptResults as error:
        raise IncompleteResults(f"the Map's manifest is unreadable: {error}") from None


def _reduce_succeeded(
    store: Store, bucket: str, keys: list[str], workload: workloads.Workload, coverage: Coverage | None
) -> tuple[int, Any]:
    """(items covered, combined partial or None) over the SUCCEEDED files, one record in memory at a time."""
    covered, combined, pending = 0, None, []
    for key in keys:
        with _reading(bucket, key):
            for record in results.records(store, bucket, key, inputs=False):
                items, partial, runs = _compute_output(record)
                if coverage is not None:
                    _cover(coverage, record, items, f"{bucket}/{key}", runs)
                covered += items
                pending.append(partial)
                if len(pending) >= COMBINE_EVERY:
                    combined, pending = _combine(workload, combined, pending), []
    if pending:
        combined = _combine(workload, combined, pending)
    return covered, combined


def _compute_output(record: dict[str, Any]) -> tuple[int, Any, Any]:
    """(items, partial, index runs or None) of a SUCCEEDED record's compute output."""
    output = results.record_output(record)
    items = output.get("items") if isinstance(output, dict) else None
    if isinstance(items, bool) or not isinstance(items, int) or "partial" not in output:
        raise results.CorruptResults(f"record {record.get('Name', '?')} holds no compute output: {str(output)[:80]}")
    return items, output["partial"], output.get("index_runs")


def _combine(workload: workloads.Workload, combined: Any, partials: list[Any]) -> Any:
    try:
        return workload.combine(partials if combined is None else [combined, *partials])
    except (ValueError, TypeError, KeyError) as error:
        raise IncompleteResults(
            f"the result files hold partials workload {workload.NAME!r} cannot combine: {error!r}"
        ) from None


def _cover(coverage: Coverage, record: dict[str, Any], items: int | None, where: str, runs: Any = None) -> None:
    """Add a data job's record to the coverage; a SUCCEEDED record must cover every item it was given. A compute
    output's index runs (the indices of the event it computed, handlers/compute.py) are taken as they are; otherwise
    the record's Input, which shows the same event, is decoded for them."""
    source = f"record {record.get('Name', '?')} in {where}"
    if runs is not None and items is not None:
        if not _valid_runs(runs):
            raise results.CorruptResults(f"{source} holds index runs that are not [start, end) pairs: {str(runs)[:80]}")
        given = sum(end - start for start, end in runs)
        if given != items:
            raise IncompleteResults(f"{source} was given {given} item(s) but covers {items}")
        coverage.add_runs(runs, source)
        return
    indices = results.record_indices(record)
    if items is not None and items != len(indices):
        raise IncompleteResults(f"{source} was given {len(indices)} item(s) but covers {items}")
    coverage.add(indices, source)


def _valid_runs(runs: Any) -> bool:
    return isinstance(runs, list) and all(
        isinstance(run, list)
        and len(run) == 2
        and all(isinstance(bound, int) and not isinstance(bound, bool) for bound in run)
        and 0 <= run[0] < run[1]
        for run in runs
    )


def _scan_failed(
    store: Store, bucket: str, keys: list[str], *, limit: int, coverage: Coverage | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """(items in the files' records, the first `limit` records: label, first items, item_count, Error, Cause)."""
    count = 0
    listed: list[dict[str, Any]] = []
    for key in keys:
        with _reading(bucket, key):
            for record in results.records(store, bucket, key):
                values = results.record_items(record)
                count += len(values)
                if coverage is not None:
                    _cover(coverage, record, None, f"{bucket}/{key}")
                if len(listed) < limit:
                    listed.append(
                        {
                            "label": results.describe_items(values),
                            "items": values[:10],
                            "item_count": len(values),
                            "Error": record.get("Error"),
                            "Cause": results.failure_reason(record),
                        }
                    )
    return count, listed


def _name_failures(failures: list[dict[str, Any]], failed_items: int) -> str:
    """The first failed children and their reasons, with "..." when more items failed than are named."""
    shown = failures[:FAILED_NAMED]
    named = "; ".join(f"{entry['label']}: {entry['Cause']}" for entry in shown)
    return named + ("; ..." if failed_items > sum(entry["item_count"] for entry in shown) else "")

"""A Map state in DISTRIBUTED mode: items in, child executions out over worker processes, tolerance, result files.

Emulated, in AWS's order, one module per seam:
1. items in (hpc.engine.map_items): read from the ItemReader or ItemsPath as a stream, selected (ItemSelector) and
   batched (ItemBatcher) into children as they are read: the parent holds a bounded look-ahead of children, never
   the whole item list, whatever the item count;
2. children out (hpc.engine.map_child, run by hpc.engine.pool): each child is a separate execution of ItemProcessor
   in a worker process, on min(MaxConcurrency or unbounded, workers) processes, fed its items over the worker's pipe;
3. tolerance (hpc.engine.tolerance): ToleratedFailurePercentage / ToleratedFailureCount, counted in items: once failed
   items exceed either (0% when neither is set), no more children start, the Map fails with
   States.ExceedToleratedFailureThreshold, and the children never started are PENDING;
4. result files (hpc.engine.result_writer), written even when the Map fails; the Map's result is
   `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`. Child records go to a spool file as they arrive (the
   parent keeps a few bytes per child, not the records) and are written out in child order at the end. Without a
   ResultWriter the result is the array of child outputs in item order (a tolerated failure appears as its
   {"Error", "Cause"}), held in memory: it must fit the 256 KiB payload limit anyway.
A worker process that dies ends the execution with Local.WorkerDied (an EngineFault, which no Catch can hide) naming
the child and items it was running. Child records follow AWS's format; PENDING records hold only Input,
InputDetails and Status, as AWS writes them for children that never started.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from hpc.engine import limits, map_items, pool, result_writer, templates
from hpc.engine.errors import EngineFault, StatesError
from hpc.engine.interpreter import Context, Execution, Runtime
from hpc.engine.item_text import IntText
from hpc.engine.map_child import FAILED, SUCCEEDED, ChildNames, ChildRunner, pending_record
from hpc.engine.map_items import Child, ChildInputs, ItemCount
from hpc.engine.spans import ChildSpan
from hpc.engine.tolerance import EXCEEDED_CAUSE, Threshold
from hpc.engine.uuids import uuid_text
from hpc.progress import MapProgress

PROGRESS_INTERVAL_SECONDS = 0.1
STATUS_NAMES = ("SUCCEEDED", "FAILED")
PENDING = 2  # the spool's status for children that never started


class Arns(NamedTuple):
    """Fake but well-formed ARNs: arn:aws:states:local:000000000000:<kind>:<machine>..."""

    region: str = "local"
    account: str = "000000000000"

    def base(self, kind: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:{kind}"


class MapEnvironment:
    """What a Map run needs from the engine. (A plain class: a dataclass's creation runs generated code at import.)"""

    __slots__ = ("store_root", "workers", "runtime", "state_machine_name", "on_progress", "arns", "on_child")

    def __init__(
        self,
        store_root: Path,
        workers: int,
        runtime: Runtime,
        state_machine_name: str,
        on_progress: Callable[[MapProgress], None] | None = None,
        arns: Arns = Arns(),  # noqa: B008 - immutable, shared as a dataclass default was
        on_child: Callable[[ChildSpan], None] | None = None,  # one span per finished child; unset, nothing is timed
    ) -> None:
        self.store_root = store_root
        self.workers = workers
        self.runtime = runtime
        self.state_machine_name = state_machine_name
        self.on_progress = on_progress
        self.arns = arns
        self.on_child = on_child


class DistributedMap:
    """The `run_map` callable of the interpreter's Runtime."""

    def __init__(self, environment: MapEnvironment) -> None:
        self.environment = environment

    def __call__(self, name: str, state: dict[str, Any], data: Any, execution: Execution, context: Context) -> Any:
        return _MapRun(self.environment, name, state, data, context).run()


class _MapRun:
    """One run of a Distributed Map: wires items in to children out, keeps the outcomes, judges the tolerance."""

    def __init__(
        self, environment: MapEnvironment, name: str, state: dict[str, Any], data: Any, context: Context
    ) -> None:
        self.environment = environment
        self.name = name
        self.state = state
        self.data = data
        self.context = context
        self.names = ChildNames(environment.arns.base, environment.state_machine_name, state.get("Label") or name)
        self.threshold = Threshold.of(state)
        self.count = ItemCount()
        self.failed_item_count = 0  # items of the failed children reported so far (a failed batch counts them all)
        self.never_started = 0

    def run(self) -> Any:
        items = map_items.read_items(self.name, self.state, self.data, self.context, self.environment.store_root)
        inputs = ChildInputs(self.state, self.data, self.context)
        children = map_items.children(self.name, self.state, items, inputs, self.count)
        if "ResultWriter" not in self.state:
            outputs: dict[int, str] = {}
            self._run_children(children, inputs, lambda child, status, payload: outputs.__setitem__(child, payload))
            self._raise_if_exceeded()
            return [json.loads(outputs[child]) for child in sorted(outputs)]
        store_root = self.environment.store_root
        with result_writer.RecordSpool(store_root, ordered=SUCCEEDED) as spool:
            self._run_children(children, inputs, spool.add)
            parameters = templates.evaluate(self.state["ResultWriter"]["Parameters"], self.data, self.context)
            bucket, prefix = parameters.get("Bucket"), parameters.get("Prefix", "")
            if not isinstance(bucket, str) or not isinstance(prefix, str):
                raise StatesError("States.ResultWriterFailed", f"Bucket and Prefix must be strings: {parameters!r}")
            records = {
                "SUCCEEDED": spool.joined(SUCCEEDED),
                "FAILED": spool.joined(FAILED),
                "PENDING": spool.joined(PENDING),
            }
            key = result_writer.write_results(
                store_root,
                bucket,
                prefix,
                uuid_text(self.names.map_run_uuid),
                self.names.map_run_arn,
                records,
                whole=("SUCCEEDED", spool.link_whole),
            )
        self._raise_if_exceeded()
        return {"MapRunArn": self.names.map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}}

    def _run_children(
        self, children: Iterator[Child], inputs: ChildInputs, keep: Callable[[int, int, Any], None]
    ) -> None:
        """Run every child, handing each outcome's payload to `keep(child, status, payload)` as it arrives (PENDING
        records for children never started, with a ResultWriter). Raises the Map's own error (a failed selection or
        reading) after the workers stop."""
        progress = _Progress(self.environment.on_progress, self.count)
        map_error: StatesError | None = None
        on_child = self.environment.on_child
        stop = pool.StopFlag()
        failed_items = pool.SharedInts(self.environment.workers)  # one slot per worker lane, each written by its own
        known_total = pool.SharedInts(1, -1)
        writes_results = "ResultWriter" in self.state
        runner = ChildRunner(
            self.state["ItemProcessor"],
            self.environment.runtime,
            self.names,
            inputs,
            threshold=self.threshold,
            failed_items=failed_items,
            known_total=known_total,
            stop=stop,
            writes_results=writes_results,
            timed=on_child is not None,
        )

        def on_results(outcomes: list[Any]) -> None:
            nonlocal map_error
            succeeded = 0
            for outcome in outcomes:
                status = outcome[0]
                if status == "map-error":
                    # the Map's own evaluation failed (ItemSelector, BatchInput): AWS names the state in the cause
                    map_error = map_error or StatesError(outcome[1], outcome[2], located=True)
                    continue
                child, items = outcome[1], outcome[3]
                keep(child, status, outcome[2])
                if on_child is not None:
                    worker, started, stopped, attempts = outcome[4:]
                    on_child(ChildSpan(child, worker, started, stopped, STATUS_NAMES[status], items, attempts))
                if status == FAILED:
                    self.failed_item_count += items
                    progress.finished(items, failed=True)
                    if self.threshold.exceeded(self.failed_item_count, self.count.total):
                        stop.set()
                else:
                    succeeded += items
            progress.finished(succeeded, failed=False)

        def on_unstarted(chunk: list[Child]) -> None:
            self.never_started += len(chunk)
            if writes_results:
                for child in chunk:
                    keep(child[0], PENDING, pending_record(inputs.input_of(child)))

        def on_dispatch(chunk: list[Child]) -> None:
            if self.count.complete and known_total[0] < 0:
                known_total[0] = self.count.read  # every item is read: workers can judge a percentage now
            progress.dispatched(sum(len(child[2]) for child in chunk))

        size = min(self.environment.workers, self.state.get("MaxConcurrency") or self.environment.workers)
        chunks = pool.guided_chunks(children, size, _child_items if "ItemBatcher" in self.state else None)
        first = next(chunks, None)  # reads ahead before forking: a small Map may need fewer workers than cores
        if first is not None:
            if self.count.complete:
                size = min(size, self.count.children)
            queued = itertools.chain([first], chunks)
            try:
                with pool.WorkerPool(size, runner, stop) as workers:
                    workers.run(queued, on_results, on_unstarted, on_dispatch, progress.tick)
            except pool.WorkerDied as died:
                raise EngineFault("Local.WorkerDied", self._death_cause(died)) from None
            except pool.WorkerCrashed as crashed:
                raise EngineFault("Local.EngineError", f"the local engine failed inside a worker: {crashed}") from None
        progress.tick(final=True)
        if map_error is not None:
            raise map_error

    def _raise_if_exceeded(self) -> None:
        total = self.count.read
        if self.threshold.exceeded(self.failed_item_count, total):
            raise StatesError(
                "States.ExceedToleratedFailureThreshold",
                f"{EXCEEDED_CAUSE}: {self.failed_item_count} of {total} items failed "
                f"({self.threshold.describe()}); {self.never_started} child executions were not started",
            )

    def _death_cause(self, died: pool.WorkerDied) -> str:
        how = pool.describe_exit(died.exitcode)
        total = self.count.read if self.count.complete else f"{self.count.read}+"
        running = [child for child in died.chunk if child[0] == died.child]
        if not running:
            first, last = died.chunk[0], died.chunk[-1]
            doing = f"between child executions, holding items {first[1]}..{last[1] + len(last[2]) - 1}"
        else:
            index, start, values, _ = running[0]
            values = values.decode() if isinstance(values, IntText) else values
            end = start + len(values)
            shown = limits.to_json(values[:5])[:200] + (" ..." if len(values) > 5 else "")
            which = f"item {start}" if end - start == 1 else f"items {start}..{end - 1}"
            doing = f"while running child execution {self.names.child_name(index)} ({which} of {total}: {shown})"
        return (
            f"A worker process of Map state '{self.name}' (pid {died.pid}) {how} {doing}. The handler may have "
            "crashed the process (os._exit, a segfault, running out of memory) or something killed it; the run stopped."
        )


def _child_items(child: Child) -> int:
    return len(child[2])


class _Progress:
    """Item counts for on_progress, reported at most every PROGRESS_INTERVAL_SECONDS and once at the end; the total is
    the items read so far until all are read."""

    def __init__(self, callback: Callable[[MapProgress], None] | None, count: ItemCount) -> None:
        self.callback = callback
        self.count = count
        self.succeeded = self.failed = self.dispatched_items = 0
        self.reported = 0.0

    def dispatched(self, items: int) -> None:
        self.dispatched_items += items

    def finished(self, items: int, *, failed: bool) -> None:
        if failed:
            self.failed += items
        else:
            self.succeeded += items

    def tick(self, final: bool = False) -> None:
        now = time.monotonic()
        if self.callback is None or (not final and now - self.reported < PROGRESS_INTERVAL_SECONDS):
            return
        self.reported = now
        total = self.count.read
        done = self.succeeded + self.failed
        running = 0 if final else max(0, self.dispatched_items - done)
        self.callback(MapProgress(total, self.succeeded, self.failed, running, total - done - running))

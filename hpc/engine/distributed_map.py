"""A Map state in DISTRIBUTED mode: items, child executions in worker processes, tolerance, ResultWriter.

Emulated, in AWS's order:
1. items: from the ItemReader (hpc.engine.item_reader) or from ItemsPath (default `$`) on the Map's effective input;
2. ItemSelector on each item, with `$$.Map.Item.Value` / `$$.Map.Item.Index` in the context object (applied before
   batching, so a batch's Items are selected items);
3. ItemBatcher: children get `{"BatchInput": <BatchInput evaluated once on the Map's input>, "Items": [...]}`
   ("BatchInput" only when set), with at most MaxItemsPerBatch items and, with MaxInputBytesPerBatch, at most that many
   bytes of child input; without it each child gets one (selected) item;
4. each child is a separate execution of ItemProcessor (named by a UUID, its own `$$.Execution`), run by
   hpc.engine.pool on min(MaxConcurrency or unbounded, workers) processes; a child input over 256 KiB fails that child
   with States.DataLimitExceeded;
5. ToleratedFailurePercentage / ToleratedFailureCount, counted in items (a failed batch fails all its items): once
   failed items exceed either (0% when neither is set), no more children start, the Map fails with
   States.ExceedToleratedFailureThreshold, and the children never started are PENDING;
6. ResultWriter files (hpc.engine.result_writer), written even when the Map fails; the Map's result is
   `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`. Child records go to a spool file as they arrive (the
   parent keeps a few bytes per child, not the records) and are written out in child order at the end. Without a
   ResultWriter the result is the array of child outputs in item order (a tolerated failure appears as its
   {"Error", "Cause"}), held in memory: it must fit the 256 KiB payload limit anyway.
A worker process that dies ends the execution with Local.WorkerDied (an EngineFault, which no Catch can hide) naming
the child and items it was running. Child records follow AWS's format; PENDING records hold only Input,
InputDetails and Status, as AWS writes them for children that never started.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpc.engine import item_reader, limits, paths, pool, result_writer, templates
from hpc.engine.errors import EngineFault, StatesError
from hpc.engine.interpreter import Context, Execution, Interpreter, Runtime, timestamp
from hpc.engine.spans import ChildSpan
from hpc.progress import MapProgress

PROGRESS_INTERVAL_SECONDS = 0.1
EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"
SUCCEEDED, FAILED = 0, 1
STATUS_NAMES = ("SUCCEEDED", "FAILED")


@dataclass(frozen=True)
class Arns:
    """Fake but well-formed ARNs: arn:aws:states:local:000000000000:<kind>:<machine>..."""

    region: str = "local"
    account: str = "000000000000"

    def base(self, kind: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:{kind}"


@dataclass(frozen=True)
class Threshold:
    percentage: float | None
    count: int | None

    @classmethod
    def of(cls, state: dict[str, Any]) -> Threshold:
        return cls(state.get("ToleratedFailurePercentage"), state.get("ToleratedFailureCount"))

    def exceeded(self, failed: int, total: int) -> bool:
        # With neither field set AWS tolerates nothing: the count defaults to 0 when no percentage is given.
        by_count = failed > (self.count or 0) and (self.count is not None or self.percentage is None)
        by_percentage = self.percentage is not None and total > 0 and failed * 100 > self.percentage * total
        return by_count or by_percentage

    def describe(self) -> str:
        parts = []
        if self.percentage is not None:
            parts.append(f"ToleratedFailurePercentage {self.percentage:g}")
        if self.count is not None:
            parts.append(f"ToleratedFailureCount {self.count}")
        return ", ".join(parts) or "no failure tolerated"


class Batches:
    """Which items each child holds: child k covers items[starts[k]:starts[k + 1]]."""

    def __init__(self, starts: list[int] | None = None, *, size: int = 1, total: int = 0) -> None:
        self._starts = starts
        self._size = size
        self.total = total
        self.count = len(starts) - 1 if starts is not None else -(-total // size)

    def bounds(self, child: int) -> tuple[int, int]:
        if self._starts is not None:
            return self._starts[child], self._starts[child + 1]
        return child * self._size, min(self.total, (child + 1) * self._size)


@dataclass
class MapEnvironment:
    """What a Map run needs from the engine."""

    store_root: Path
    workers: int
    runtime: Runtime
    state_machine_name: str
    on_progress: Callable[[MapProgress], None] | None = None
    arns: Arns = Arns()
    on_child: Callable[[ChildSpan], None] | None = None  # one span per finished child; unset, nothing is timed


class DistributedMap:
    """The `run_map` callable of the interpreter's Runtime."""

    def __init__(self, environment: MapEnvironment) -> None:
        self.environment = environment

    def __call__(self, name: str, state: dict[str, Any], data: Any, execution: Execution, context: Context) -> Any:
        return _MapRun(self.environment, name, state, data, execution, context).run()


class _MapRun:
    def __init__(
        self,
        environment: MapEnvironment,
        name: str,
        state: dict[str, Any],
        data: Any,
        execution: Execution,
        context: Context,
    ) -> None:
        self.environment = environment
        self.name = name
        self.state = state
        self.data = data
        self.context = context
        self.processor = state["ItemProcessor"]
        machine = environment.state_machine_name
        label = state.get("Label") or name
        self.map_run_uuid = uuid.uuid4()
        self.map_run_arn = f"{environment.arns.base('mapRun')}:{machine}/{label}:{self.map_run_uuid}"
        self.child_machine_name = f"{machine}/{label}"
        self.child_machine_arn = f"{environment.arns.base('stateMachine')}:{self.child_machine_name}"
        self.child_arn_prefix = f"{environment.arns.base('execution')}:{self.child_machine_name}:"
        self.redrive_status_on_failure = (
            "REDRIVABLE_BY_MAP_RUN" if self.processor["ProcessorConfig"]["ExecutionType"] == "EXPRESS" else "REDRIVABLE"
        )
        self.threshold = Threshold.of(state)
        self.writes_results = "ResultWriter" in state
        self.failed_item_count = 0  # items of the failed children reported so far (a failed batch counts them all)
        self.items: list[Any] = []
        self.selected: list[Any] | None = None
        self.batch_input: Any = None

    # ---- planning (parent) ----

    def run(self) -> Any:
        self.items = self._read_items()
        batcher = self.state.get("ItemBatcher")
        if batcher and "BatchInput" in batcher:
            self.batch_input = templates.evaluate(batcher["BatchInput"], self.data, self.context)
        batches = self._plan(batcher)
        return self._execute(batches)

    def _read_items(self) -> list[Any]:
        if "ItemReader" in self.state:
            return item_reader.read_items(
                self.state["ItemReader"], self.data, self.context, self.environment.store_root
            )
        path = self.state.get("ItemsPath", "$")
        items = paths.read_field(path, self.data, self.context, "ItemsPath")
        if not isinstance(items, list):
            raise StatesError(
                "States.Runtime", f"The ItemsPath '{path}' of state '{self.name}' must select an array", located=True
            )
        return items

    def _plan(self, batcher: dict[str, Any] | None) -> Batches:
        total = len(self.items)
        if not batcher:
            return Batches(size=1, total=total)
        max_items = batcher.get("MaxItemsPerBatch", total or 1)
        max_bytes = batcher.get("MaxInputBytesPerBatch")
        if max_bytes is None:
            return Batches(size=max_items, total=total)
        # Sizing batches by bytes needs every selected item, so selection happens here, before the workers fork.
        self.selected = [self._select(index) for index in range(total)]
        overhead = limits.payload_size(self._wrap([]))
        starts, size, count = [0], overhead, 0
        for index, value in enumerate(self.selected):
            item_bytes = limits.payload_size(value)
            added = item_bytes + (1 if count else 0)  # the comma between items
            if count and (count >= max_items or size + added > max_bytes):
                starts.append(index)
                size, count, added = overhead, 0, item_bytes
            if size + added > max_bytes:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"Item {index} of state '{self.name}' alone exceeds MaxInputBytesPerBatch ({max_bytes} bytes)",
                )
            size += added
            count += 1
        starts.append(total)
        return Batches(starts if total else [0])

    # ---- one child (worker) ----

    def _select(self, index: int) -> Any:
        selector = self.state.get("ItemSelector")
        if selector is None:
            return self.items[index]
        context = self.context.with_map_item(index, self.items[index])  # keeps the variables ItemSelector may read
        return templates.evaluate(selector, self.data, context)

    def _wrap(self, values: list[Any]) -> Any:
        if "ItemBatcher" not in self.state:
            return values[0]
        return {"BatchInput": self.batch_input, "Items": values} if self.batch_input is not None else {"Items": values}

    def child_input(self, batches: Batches, child: int) -> Any:
        start, end = batches.bounds(child)
        source = self.selected
        return self._wrap([source[i] if source is not None else self._select(i) for i in range(start, end)])

    def child_name(self, child: int) -> str:
        # A UUID per child, unique within the Map Run: its random UUID with the child's index folded into the low
        # bits. (Not uuid3: hashing would import hashlib/OpenSSL in every worker, ~15 ms on the run's critical path.)
        return str(uuid.UUID(int=self.map_run_uuid.int ^ child, version=4))

    def run_child(self, batches: Batches, child: int, failed_items: Any, stop: pool.StopFlag) -> tuple[Any, bool, int]:
        """Run one child; `(outcome, urgent, size)` for the pool, the outcome being `(status, child, payload, items)`
        where the payload is the encoded record with a ResultWriter, else the output (or error) as JSON; with an
        `on_child` sink the outcome also carries `(worker, started, stopped, attempts)`."""
        timed = self.environment.on_child is not None
        started = time.time() if timed else 0.0
        start, end = batches.bounds(child)
        try:
            child_input = self.child_input(batches, child)
        except StatesError as error:
            # The selection failing is the Map's error, not the child's: report it and stop starting children.
            stop.set()
            return ("map-error", error.error, error.cause, child), True, 0
        name = self.child_name(child)
        interpreter: Interpreter | None = None
        execution = Execution(
            name=name,
            arn=self.child_arn_prefix + name,
            input=child_input,
            state_machine_arn=self.child_machine_arn,
            state_machine_name=self.child_machine_name,
        )
        input_json = limits.to_json(child_input)
        record: dict[str, Any] = {
            "ExecutionArn": execution.arn,
            "Input": input_json,
            "InputDetails": {"Included": True},
            "Name": name,
            "OutputDetails": {"Included": True},
            "RedriveCount": 0,
            "StartDate": execution.start_time,
            "StateMachineArn": self.child_machine_arn,
        }
        output_json = None
        try:
            if len(input_json.encode()) > limits.MAX_PAYLOAD_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The input of child execution {name} exceeds the maximum of {limits.MAX_PAYLOAD_BYTES} bytes",
                )
            interpreter = Interpreter(self.processor, self.environment.runtime)
            output = interpreter.run(execution)
            output_json = limits.to_json(output)
            record.update(
                Output=output_json,
                RedriveStatus="NOT_REDRIVABLE",
                RedriveStatusReason="Execution is SUCCEEDED and cannot be redriven",
                Status="SUCCEEDED",
            )
            status = SUCCEEDED
        except StatesError as error:
            record.update(
                Error=error.error, Cause=error.cause, RedriveStatus=self.redrive_status_on_failure, Status="FAILED"
            )
            if error.cause is None:
                del record["Cause"]
            status = FAILED
            with failed_items.get_lock():
                failed_items.value += end - start
                if self.threshold.exceeded(failed_items.value, len(self.items)):
                    stop.set()
        record["StopDate"] = timestamp()
        payload: bytes | str
        if self.writes_results:
            payload = json.dumps(dict(sorted(record.items())), separators=(",", ":"), ensure_ascii=False).encode()
        elif output_json is not None:
            payload = output_json
        else:
            payload = limits.to_json({key: record[key] for key in ("Error", "Cause") if key in record})
        outcome: tuple[Any, ...] = (status, child, payload, end - start)
        if timed:
            attempts = 1 + (interpreter.retries if interpreter is not None else 0)
            outcome += (pool.worker_lane(), started, time.time(), attempts)
        return outcome, status == FAILED, len(payload)

    # ---- the run (parent) ----

    def _execute(self, batches: Batches) -> Any:
        if not self.writes_results:
            outputs: list[str | None] = [None] * batches.count

            def keep_output(child: int, status: int, payload: Any) -> None:
                outputs[child] = payload

            never_started = self._run_children(batches, keep_output)
            self._raise_if_exceeded(never_started)
            return [json.loads(output) for output in outputs if output is not None]
        store_root = self.environment.store_root
        with result_writer.RecordSpool(store_root, batches.count) as spool:
            never_started = self._run_children(batches, spool.add)
            parameters = templates.evaluate(self.state["ResultWriter"]["Parameters"], self.data, self.context)
            bucket, prefix = parameters.get("Bucket"), parameters.get("Prefix", "")
            if not isinstance(bucket, str) or not isinstance(prefix, str):
                raise StatesError("States.ResultWriterFailed", f"Bucket and Prefix must be strings: {parameters!r}")
            records = {
                "SUCCEEDED": spool.records(SUCCEEDED),
                "FAILED": spool.records(FAILED),
                "PENDING": self._pending_records(batches, never_started),
            }
            key = result_writer.write_results(
                store_root, bucket, prefix, str(self.map_run_uuid), self.map_run_arn, records
            )
        self._raise_if_exceeded(never_started)
        return {"MapRunArn": self.map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}}

    def _run_children(self, batches: Batches, keep: Callable[[int, int, Any], None]) -> list[int]:
        """Run every child, handing each outcome's payload to `keep(child, status, payload)` as it arrives; the
        children never started. Raises the Map's own error (a failed selection) after the workers stop."""
        count = batches.count
        progress = _Progress(self.environment.on_progress, len(self.items))
        map_error: StatesError | None = None
        on_child = self.environment.on_child

        def on_results(outcomes: list[Any]) -> None:
            nonlocal map_error
            for outcome in outcomes:
                if outcome[0] == "map-error":
                    map_error = map_error or StatesError(outcome[1], outcome[2])
                    continue
                status, child, payload, items = outcome[:4]
                keep(child, status, payload)
                if on_child is not None:
                    worker, started, stopped, attempts = outcome[4:]
                    on_child(ChildSpan(child, worker, started, stopped, STATUS_NAMES[status], items, attempts))
                if status == FAILED:
                    self.failed_item_count += items
                progress.finished(items, failed=status == FAILED)

        def on_dispatch(start: int, end: int) -> None:
            first, _ = batches.bounds(start)
            _, last = batches.bounds(end - 1)
            progress.dispatched(last - first)

        never_started: list[int] = []
        if count:
            stop = pool.StopFlag()
            failed_items = pool.shared_counter()
            size = min(self.environment.workers, self.state.get("MaxConcurrency") or count, count)

            def run_child(child: int) -> tuple[Any, bool, int]:
                return self.run_child(batches, child, failed_items, stop)

            try:
                with pool.WorkerPool(size, run_child, stop) as workers:
                    never_started = workers.run(count, on_results, on_dispatch, progress.tick)
            except pool.WorkerDied as died:
                raise EngineFault("Local.WorkerDied", self._death_cause(died, batches)) from None
            except pool.WorkerCrashed as crashed:
                raise EngineFault("Local.EngineError", f"the local engine failed inside a worker: {crashed}") from None
        progress.tick(final=True)
        if map_error is not None:
            raise map_error
        return never_started

    def _pending_records(self, batches: Batches, never_started: list[int]) -> Iterator[bytes]:
        for child in sorted(never_started):
            pending = {"Input": limits.to_json(self.child_input(batches, child)), "InputDetails": {"Included": True}}
            yield json.dumps({**pending, "Status": "PENDING"}, separators=(",", ":")).encode()

    def _raise_if_exceeded(self, never_started: list[int]) -> None:
        if self.threshold.exceeded(self.failed_item_count, len(self.items)):
            raise StatesError(
                "States.ExceedToleratedFailureThreshold",
                f"{EXCEEDED_CAUSE}: {self.failed_item_count} of {len(self.items)} items failed "
                f"({self.threshold.describe()}); {len(never_started)} child executions were not started",
            )

    def _death_cause(self, died: pool.WorkerDied, batches: Batches) -> str:
        how = pool.describe_exit(died.exitcode)
        if died.child is None:
            start, _ = batches.bounds(died.chunk[0])
            _, end = batches.bounds(died.chunk[1] - 1)
            doing = f"between child executions, holding items {start}..{end - 1}"
        else:
            start, end = batches.bounds(died.child)
            values = self.items[start:end]
            shown = limits.to_json(values[:5])[:200] + (" ..." if len(values) > 5 else "")
            which = f"item {start}" if end - start == 1 else f"items {start}..{end - 1}"
            doing = (
                f"while running child execution {self.child_name(died.child)} ({which} of {len(self.items)}: {shown})"
            )
        return (
            f"A worker process of Map state '{self.name}' (pid {died.pid}) {how} {doing}. The handler may have "
            "crashed the process (os._exit, a segfault, running out of memory) or something killed it; the run stopped."
        )


class _Progress:
    """Item counts for on_progress, reported at most every PROGRESS_INTERVAL_SECONDS and once at the end."""

    def __init__(self, callback: Callable[[MapProgress], None] | None, total: int) -> None:
        self.callback = callback
        self.total = total
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
        done = self.succeeded + self.failed
        running = 0 if final else max(0, self.dispatched_items - done)
        self.callback(MapProgress(self.total, self.succeeded, self.failed, running, self.total - done - running))

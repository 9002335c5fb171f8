"""The worker processes that run a Distributed Map's child executions, one child at a time per worker.

Why not concurrent.futures: it cannot say which work a dead worker held, and its shutdown on Ctrl-C waits for running
calls. Here each worker is a forked process with its own pipe, so the parent always knows what each one is doing:
- children travel to the workers in chunks over the pipes (a child is a tuple whose first element is its id, the
  rest whatever the caller needs to run it: its items), pulled lazily from the caller's iterator, so the parent never
  holds more than a bounded look-ahead of work; `guided_chunks` sizes the chunks so that they shrink as the work nears
  its end (guided scheduling), and a million children cost a few thousand messages, not a million;
- a worker reports finished children at least every FLUSH_SECONDS and at once after a failure, so progress and the
  failure tolerance see results promptly, and before its unsent outcomes pass FLUSH_BYTES, so the parent never holds
  a message larger than that (plus one outcome) however large the outcomes are;
- a shared flag stops workers from starting more children (tolerated failure threshold exceeded); the children never
  started, those of the chunks in flight and those not yet sent, go back to the caller, which records them as PENDING;
- a worker that dies (killed, `os._exit`, segfault) is noticed through its process sentinel within POLL_SECONDS and
  raises WorkerDied naming the child it was running and the chunk it held, never a hang;
- any exception in the parent (KeyboardInterrupt included) terminates every worker before it propagates. Workers
  ignore SIGINT, so a terminal's Ctrl-C (sent to the whole process group) is handled once, by the parent.

Forking (not spawning) lets workers inherit the handlers and environment without pickling them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

FLUSH_SECONDS = 0.1
FLUSH_BYTES = 256 * 1024
POLL_SECONDS = 0.1
MAX_CHUNK = 256
CHUNKS_PER_WORKER = 4
LOOKAHEAD_CHILDREN = 1024  # children read ahead to size chunks: enough to see the end coming, bounded in memory
LOOKAHEAD_WEIGHT = 32_768  # and at most this much of their weight (items), so big batches do not pile up
TERMINATE_GRACE_SECONDS = 1.0
IDLE = -1

_context = multiprocessing.get_context("fork")


_lane = 0  # in a worker process, its slot (set at start); hpc.engine.spans reports it as the child's worker


def worker_lane() -> int:
    """The slot (0..size-1) of the worker process that calls this: a stable small id for the worker."""
    return _lane


class WorkerDied(Exception):
    """A worker process exited while it held a chunk; `child` is the id of the one it was running (None: between
    children), `chunk` the children it held."""

    def __init__(self, pid: int, exitcode: int | None, child: int | None, chunk: list[Any]) -> None:
        super().__init__(f"worker {pid} died (exit code {exitcode}) holding children {chunk[0][0]}..{chunk[-1][0]}")
        self.pid = pid
        self.exitcode = exitcode
        self.child = child
        self.chunk = chunk


class WorkerCrashed(Exception):
    """The engine's own code failed inside a worker (a bug, not a handler error); carries the worker's traceback."""


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "exited"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


class StopFlag:
    """A flag shared with the workers; set once, read before every child start (no lock: a late read is harmless)."""

    def __init__(self) -> None:
        self._value = _context.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def is_set(self) -> bool:
        return bool(self._value.value)


def shared_counter(initial: int = 0) -> Any:
    """An integer shared with the workers forked after it is made; `.value` under `.get_lock()`."""
    return _context.Value("q", initial)


class _Worker:
    def __init__(self, slot: int, process: Any, connection: Connection) -> None:
        self.slot = slot
        self.process = process
        self.connection = connection
        self.chunk: list[Any] | None = None
        self.open = True


class WorkerPool:
    """`size` forked workers running children; use as a context manager so that workers always end.

    `run_child(child)` runs in a worker and returns `(outcome, urgent, size)`: the picklable outcome handed to the
    parent's `on_results`, whether to report it at once (a failure) rather than with the next flush, and about how
    many bytes it carries (what counts towards FLUSH_BYTES).
    """

    def __init__(self, size: int, run_child: Callable[[Any], tuple[Any, bool, int]], stop: StopFlag) -> None:
        self.size = size
        self.run_child = run_child
        self.stop = stop
        self.running = _context.RawArray("q", [IDLE] * size)
        self.workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        pipes = [_context.Pipe(duplex=True) for _ in range(self.size)]
        try:
            for slot, (parent_end, child_end) in enumerate(pipes):
                # The worker closes every pipe end but its own, so it sees EOF as soon as the parent is gone.
                others = [end for pair in pipes for end in pair if end is not child_end]
                process = _context.Process(
                    target=_worker_main,
                    args=(slot, child_end, others, self.run_child, self.stop, self.running),
                    name=f"hpc-engine-worker-{slot}",
                    daemon=True,
                )
                process.start()
                self.workers.append(_Worker(slot, process, parent_end))
        except BaseException:
            self.shutdown(graceful=False)
            raise
        finally:
            for _, child_end in pipes:
                child_end.close()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown(graceful=exc_info[0] is None)

    def shutdown(self, *, graceful: bool) -> None:
        for worker in self.workers:
            if graceful and worker.open and worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.connection.send(None)
            elif worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()

    def run(
        self,
        chunks: Iterator[list[Any]],
        on_results: Callable[[list[Any]], None],
        on_unstarted: Callable[[list[Any]], None],
        on_dispatch: Callable[[list[Any]], None] = lambda chunk: None,
        on_tick: Callable[[], None] = lambda: None,
    ) -> None:
        """Run every child of `chunks`; report outcomes as they arrive, and (after a stop) the children never
        started, in chunks, to `on_unstarted`."""

        def dispatch(worker: _Worker) -> None:
            worker.chunk = None if self.stop.is_set() else next(chunks, None)
            if worker.chunk is None:
                return
            on_dispatch(worker.chunk)
            try:
                worker.connection.send(worker.chunk)
            except OSError:  # the worker died since its last message
                worker.open = False
                worker.process.join(TERMINATE_GRACE_SECONDS)
                raise WorkerDied(worker.process.pid, worker.process.exitcode, None, worker.chunk) from None

        for worker in self.workers:
            dispatch(worker)
        while any(worker.chunk is not None for worker in self.workers):
            busy = [worker for worker in self.workers if worker.chunk is not None]
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=POLL_SECONDS)
            for worker in busy:
                if worker.connection in ready or worker.process.sentinel in ready:
                    self._receive(worker, on_results, on_unstarted, dispatch)
            on_tick()
        for chunk in chunks:  # stopped: what was never sent never starts
            on_unstarted(chunk)

    def _receive(
        self,
        worker: _Worker,
        on_results: Callable[[list[Any]], None],
        on_unstarted: Callable[[list[Any]], None],
        dispatch: Callable[[_Worker], None],
    ) -> None:
        while worker.chunk is not None:
            try:
                if not worker.connection.poll():
                    if not worker.process.is_alive():
                        raise EOFError
                    return
                message = worker.connection.recv()
            except (EOFError, OSError):
                worker.open = False
                worker.process.join(TERMINATE_GRACE_SECONDS)
                child = self.running[worker.slot]
                raise WorkerDied(
                    worker.process.pid, worker.process.exitcode, None if child == IDLE else child, worker.chunk
                ) from None
            kind = message[0]
            if kind == "results":
                on_results(message[1])
            elif kind == "done":
                on_results(message[1])
                started = message[2]
                if started < len(worker.chunk):
                    on_unstarted(worker.chunk[started:])
                dispatch(worker)
            else:
                raise WorkerCrashed(message[1])


def guided_chunks(
    children: Iterable[Any], workers: int, weight: Callable[[Any], int] = lambda child: 1
) -> Iterator[list[Any]]:
    """Children in chunks of about a CHUNKS_PER_WORKER-th share per worker of the children read ahead (at most
    LOOKAHEAD_CHILDREN, and LOOKAHEAD_WEIGHT of `weight`), so chunks shrink to single children as the work ends."""
    source = iter(children)
    ahead: deque[Any] = deque()
    ahead_weight = 0
    exhausted = False
    while True:
        while not exhausted and len(ahead) < LOOKAHEAD_CHILDREN and ahead_weight < LOOKAHEAD_WEIGHT:
            child = next(source, _END)
            if child is _END:
                exhausted = True
            else:
                ahead.append(child)
                ahead_weight += weight(child)
        if not ahead:
            return
        size = max(1, min(MAX_CHUNK, len(ahead) // (workers * CHUNKS_PER_WORKER)))
        chunk = [ahead.popleft() for _ in range(size)]
        ahead_weight -= sum(weight(child) for child in chunk)
        yield chunk


_END = object()


def _worker_main(
    slot: int,
    connection: Connection,
    others: Sequence[Connection],
    run_child: Callable[[Any], tuple[Any, bool, int]],
    stop: StopFlag,
    running: Any,
) -> None:
    global _lane
    _lane = slot
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in others:
        other.close()
    try:
        while True:
            try:
                chunk = connection.recv()
            except EOFError:
                return
            if chunk is None:
                return
            buffer: list[Any] = []
            buffered_bytes = 0
            flushed = time.monotonic()
            started = 0
            for child in chunk:
                if stop.is_set():
                    break
                running[slot] = child[0]
                outcome, urgent, size = run_child(child)
                running[slot] = IDLE
                buffer.append(outcome)
                buffered_bytes += size
                started += 1
                now = time.monotonic()
                if urgent or buffered_bytes >= FLUSH_BYTES or now - flushed >= FLUSH_SECONDS:
                    connection.send(("results", buffer))
                    buffer, buffered_bytes, flushed = [], 0, now
            connection.send(("done", buffer, started))
    except BrokenPipeError:
        return
    except Exception:  # noqa: BLE001 - report the engine's own failure to the parent instead of dying silently
        with contextlib.suppress(OSError):
            connection.send(("crashed", f"worker {os.getpid()}:\n{traceback.format_exc()}"))

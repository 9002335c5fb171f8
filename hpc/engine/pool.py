"""The worker processes that run a Distributed Map's child executions, one child at a time per worker.

Why not concurrent.futures: it cannot say which work a dead worker held, and its shutdown on Ctrl-C waits for running
calls. Here each worker is a forked process with its own pipe, so the parent always knows what each one is doing:
- children travel to the workers in chunks over the pipes (a child is a tuple whose first element is its id, the
  rest whatever the caller needs to run it: its items), pulled lazily from the caller's iterator, so the parent never
  holds more than a bounded look-ahead of work; `guided_chunks` sizes the chunks so that they shrink as the work nears
  its end (guided scheduling), and a million children cost a few thousand messages, not a million;
- a worker holds up to IN_FLIGHT chunks: the next one waits in its pipe while it runs the current one, so it never
  idles waiting for the parent between chunks. Only a chunk that fits in the pipe's buffer is sent ahead (the write
  then never waits for a busy worker, which may itself be waiting to send results: no deadlock);
- a worker reports finished children at least every FLUSH_SECONDS and at once after a failure, so progress and the
  failure tolerance see results promptly, and before its unsent outcomes pass FLUSH_BYTES, so the parent never holds
  a message larger than that (plus one outcome) however large the outcomes are;
- a shared flag stops workers from starting more children (tolerated failure threshold exceeded); the children never
  started, those of the chunks in flight and those not yet sent, go back to the caller, which records them as PENDING;
- a worker that dies (killed, `os._exit`, segfault) is noticed through its process sentinel within POLL_SECONDS and
  raises WorkerDied naming the child it was running and the chunk it held, never a hang;
- any exception in the parent (KeyboardInterrupt included) terminates every worker before it propagates. Workers
  ignore SIGINT, so a terminal's Ctrl-C (sent to the whole process group) is handled once, by the parent.

Forking (not spawning) lets workers inherit the handlers and environment without pickling them. The processes,
pipes and shared flags are the operating system's own (os.fork, os.pipe, an anonymous shared mmap), with pickled
length-prefixed messages: the multiprocessing package would cost a small run's start-up more than its whole Map.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import mmap
import os
import pickle
import select
import signal
import struct
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from time import monotonic
from typing import Any

FLUSH_SECONDS = 0.1
FLUSH_BYTES = 256 * 1024
PIPE_BYTES = 1024 * 1024  # a flushed message fits whole: the writer need not wait for the reader piece by piece
POLL_SECONDS = 0.1
MAX_CHUNK = 256
CHUNKS_PER_WORKER = 4
IN_FLIGHT = 2  # chunks a worker holds: the one it runs, and the next
LOOKAHEAD_CHILDREN = 1024  # children read ahead to size chunks: enough to see the end coming, bounded in memory
LOOKAHEAD_WEIGHT = 32_768  # and at most this much of their weight (items), so big batches do not pile up
TERMINATE_GRACE_SECONDS = 1.0
IDLE = -1
_HEADER = struct.Struct("!Q")  # a message's length, before its pickled bytes


_lane = 0  # in a worker process, its slot (set at start); hpc.engine.spans reports it as the child's worker


def worker_lane() -> int:
    """The slot (0..size-1) of the worker process that calls this: a stable small id for the worker."""
    return _lane


class WorkerDied(Exception):
    """A worker process exited while it held chunks; `child` is the id of the one it was running (None: between
    children), `chunk` the children it held (of every chunk sent to it and not done)."""

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


class SharedInts:
    """Integers shared with the worker processes forked after they are made (an anonymous shared mapping). Each
    integer has one writer at a time, or writers whose order does not matter, so no lock is needed."""

    def __init__(self, count: int, initial: int = 0) -> None:
        self._mapping = mmap.mmap(-1, 8 * max(1, count))
        self.values = memoryview(self._mapping).cast("q")
        for index in range(count):
            self.values[index] = initial

    def __getitem__(self, index: int) -> int:
        return int(self.values[index])

    def __setitem__(self, index: int, value: int) -> None:
        self.values[index] = value

    def total(self) -> int:
        return sum(self.values)


class StopFlag:
    """A flag shared with the workers; set once, read before every child start (a late read is harmless)."""

    def __init__(self) -> None:
        self._value = SharedInts(1)

    def set(self) -> None:
        self._value[0] = 1

    def is_set(self) -> bool:
        return bool(self._value[0])

    def shared(self) -> memoryview:
        """The flag's memory: non-zero once set."""
        return self._value.values


class Channel:
    """One direction of messages between two processes over a pipe: pickled objects, each after its length."""

    def __init__(self, read_fd: int | None, write_fd: int | None) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def send(self, message: Any) -> None:
        self.send_encoded(self.encode(message))

    @staticmethod
    def encode(message: Any) -> bytes:
        """The bytes `send` writes for `message`: its length, then its pickle."""
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        return _HEADER.pack(len(data)) + data

    def send_encoded(self, encoded: bytes) -> None:
        view = memoryview(encoded)
        assert self.write_fd is not None
        while view:
            view = view[os.write(self.write_fd, view) :]

    def recv(self) -> Any:
        (size,) = _HEADER.unpack(self._read(_HEADER.size))
        return pickle.loads(self._read(size))

    def poll(self) -> bool:
        assert self.read_fd is not None
        readable, _, _ = select.select([self.read_fd], [], [], 0)
        return bool(readable)

    def _read(self, size: int) -> bytes:
        assert self.read_fd is not None
        parts = []
        while size:
            part = os.read(self.read_fd, min(size, 1 << 20))
            if not part:
                raise EOFError
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.read_fd = self.write_fd = None


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class _Process:
    """A forked process running `target(*args)`, then exiting: its status 0, or 1 after an exception."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.target = target
        self.args = args
        self.pid = 0
        self.exitcode: int | None = None

    def start(self) -> None:
        _flush_standard_streams()  # else the child would write the parent's buffered output a second time
        # Ctrl-C or SIGTERM arriving during the fork would run its handler inside an at-fork callback (logging's
        # lock release), where Python prints the exception and drops it: the run would go on. Held off until the
        # fork is done, the signal is handled in the parent's own code right after.
        # The pid is kept before the signal is let in, so the handler's unwinding can still stop this worker.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid:
                self.pid = pid
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        if pid == 0:
            code = 1
            try:
                self.target(*self.args)
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
            except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
                import traceback  # on this error path only, so no run imports it at start-up

                traceback.print_exc()
            finally:
                _flush_standard_streams()
                os._exit(code)

    def poll(self) -> int | None:
        """The exit code once the process has ended (negative: the signal that ended it), else None."""
        if self.exitcode is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.exitcode = os.waitstatus_to_exitcode(status)
        return self.exitcode

    def is_alive(self) -> bool:
        return self.poll() is None

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        exited = self._exit_watch()
        delay = 0.0005
        while self.is_alive() and (deadline is None or time.monotonic() < deadline):
            if exited is None:
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
            else:  # woken the moment the process ends, rather than at the next of a series of sleeps
                left = 0.05 if deadline is None else max(0.0, min(0.05, deadline - time.monotonic()))
                select.select([exited], [], [], left)
        if exited is not None:
            os.close(exited)

    def _exit_watch(self) -> int | None:
        """A descriptor that becomes readable when the process ends (Linux's pidfd), or None where there is none."""
        try:
            return os.pidfd_open(self.pid)
        except (AttributeError, OSError):  # not Linux 5.3+, or the process is already reaped
            return None

    def _signal(self, number: int) -> None:
        if self.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)


def _pipe_size(fd: int | None) -> int:
    try:
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return 0  # unknown: nothing is sent ahead


def _pipe() -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    with contextlib.suppress(OSError):  # a larger buffer where the system allows it; the default works too
        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return read_fd, write_fd


def _flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


class _Worker:
    def __init__(self, slot: int, process: _Process, to_worker: Channel, from_worker: Channel) -> None:
        self.slot = slot
        self.process = process
        self.to_worker = to_worker
        self.from_worker = from_worker
        self.held: deque[list[Any]] = deque()  # chunks sent and not done, the running one first
        self.pipe_bytes = _pipe_size(to_worker.write_fd)
        self.open = True

    def children_held(self) -> list[Any]:
        return [child for chunk in self.held for child in chunk]


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
        self.running = SharedInts(size, IDLE)
        self.workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        # Two pipes per worker: (read, write) towards it and back. Each worker closes every end but its two, and the
        # parent closes the workers' ends, so a worker sees EOF once the parent is gone and the parent sees EOF once
        # a worker is gone.
        pipes = [(_pipe(), _pipe()) for _ in range(self.size)]
        try:
            for slot, (to_worker, from_worker) in enumerate(pipes):
                own = (to_worker[0], from_worker[1])
                others = [fd for pair in pipes for ends in pair for fd in ends if fd not in own]
                process = _Process(
                    _worker_main,
                    (slot, Channel(to_worker[0], from_worker[1]), others, self.run_child, self.stop, self.running),
                )
                try:
                    process.start()
                finally:  # a stop signal handled right after the fork still leaves this worker known, to be stopped
                    if process.pid:
                        channels = Channel(None, to_worker[1]), Channel(from_worker[0], None)
                        self.workers.append(_Worker(slot, process, *channels))
        except BaseException:
            self.shutdown(graceful=False)
            for to_worker, from_worker in pipes[len(self.workers) :]:
                for fd in (to_worker[1], from_worker[0]):
                    os.close(fd)
            raise
        finally:
            for to_worker, from_worker in pipes:
                os.close(to_worker[0])
                os.close(from_worker[1])
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown(graceful=exc_info[0] is None)

    def shutdown(self, *, graceful: bool) -> None:
        for worker in self.workers:
            if graceful and worker.open and worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.to_worker.send(None)
            elif worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.to_worker.close()
            worker.from_worker.close()

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

        next_chunk: list[Any] = []  # the chunk taken from `chunks` and not sent yet, with its message

        def dispatch(worker: _Worker, held: int = IN_FLIGHT) -> None:
            while len(worker.held) < held and not self.stop.is_set():
                if not next_chunk:
                    chunk = next(chunks, None)
                    if chunk is None:
                        return
                    next_chunk[:] = [chunk, Channel.encode(chunk)]
                chunk, encoded = next_chunk
                if worker.held and len(encoded) > worker.pipe_bytes:
                    return  # sent when this worker is idle, reading
                next_chunk.clear()
                worker.held.append(chunk)
                on_dispatch(chunk)
                try:
                    worker.to_worker.send_encoded(encoded)
                except OSError:  # the worker died since its last message, maybe while running a child
                    raise self._died(worker) from None

        for held in range(1, IN_FLIGHT + 1):  # a first chunk to every worker before a second to any
            for worker in self.workers:
                dispatch(worker, held)
        while any(worker.held for worker in self.workers):
            busy = [worker for worker in self.workers if worker.held]
            # A worker's pipe becomes readable with a message, or at EOF when the worker is gone.
            fds = [w.from_worker.read_fd for w in busy if w.from_worker.read_fd is not None]
            ready, _, _ = select.select(fds, [], [], POLL_SECONDS)
            for worker in busy:
                if worker.from_worker.read_fd in ready or not worker.process.is_alive():
                    self._receive(worker, on_results, on_unstarted, dispatch)
            on_tick()
        if next_chunk:
            on_unstarted(next_chunk[0])
        for chunk in chunks:  # stopped: what was never sent never starts
            on_unstarted(chunk)

    def _died(self, worker: _Worker) -> WorkerDied:
        """What a worker found gone was doing: the child it was running (from the shared slots) and what it held."""
        worker.open = False
        worker.process.join(TERMINATE_GRACE_SECONDS)
        child = self.running[worker.slot]
        return WorkerDied(
            worker.process.pid, worker.process.exitcode, None if child == IDLE else child, worker.children_held()
        )

    def _receive(
        self,
        worker: _Worker,
        on_results: Callable[[list[Any]], None],
        on_unstarted: Callable[[list[Any]], None],
        dispatch: Callable[[_Worker], None],
    ) -> None:
        while worker.held:
            try:
                if not worker.from_worker.poll():
                    if not worker.process.is_alive():
                        raise EOFError
                    return
                message = worker.from_worker.recv()
            except (EOFError, OSError):
                raise self._died(worker) from None
            kind = message[0]
            if kind == "results":
                on_results(message[1])
            elif kind == "done":
                on_results(message[1])
                started = message[2]
                done = worker.held.popleft()
                if started < len(done):
                    on_unstarted(done[started:])
                dispatch(worker)
            else:
                raise WorkerCrashed(message[1])


def guided_chunks(
    children: Iterable[Any], workers: int, weight: Callable[[Any], int] | None = None
) -> Iterator[list[Any]]:
    """Children in chunks of about a CHUNKS_PER_WORKER-th share per worker of the children read ahead (at most
    LOOKAHEAD_CHILDREN, and LOOKAHEAD_WEIGHT of `weight`), so chunks shrink to single children as the work ends.

    The look-ahead fills a few children at first (workers * IN_FLIGHT before the first chunk, twice as many before
    each next one), so the first chunks leave as soon as a few children are read, not once the whole look-ahead is:
    reading the rest (a listing's stat calls, a CSV's blocks) then overlaps the workers' work."""
    source = iter(children)
    ahead: deque[Any] = deque()
    ahead_weight = 0
    exhausted = False
    reads = workers * IN_FLIGHT
    while True:
        budget, reads = reads, min(2 * reads, LOOKAHEAD_CHILDREN)
        while not exhausted and budget and len(ahead) < LOOKAHEAD_CHILDREN and ahead_weight < LOOKAHEAD_WEIGHT:
            budget -= 1
            child = next(source, _END)
            if child is _END:
                exhausted = True
            else:
                ahead.append(child)
                ahead_weight += 1 if weight is None else weight(child)
        if not ahead:
            return
        size = max(1, min(MAX_CHUNK, len(ahead) // (workers * CHUNKS_PER_WORKER)))
        chunk = [ahead.popleft() for _ in range(size)]
        ahead_weight -= size if weight is None else sum(map(weight, chunk))
        yield chunk


_END = object()


def _worker_main(
    slot: int,
    connection: Channel,
    others: Sequence[int],
    run_child: Callable[[Any], tuple[Any, bool, int]],
    stop: StopFlag,
    running: SharedInts,
) -> None:
    global _lane
    _lane = slot
    # What the worker inherits lives as long as it does: moved out of the collector's sight, its collections scan
    # only the children's own objects, and never touch (copy) the pages shared with the parent.
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for fd in others:
        with contextlib.suppress(OSError):
            os.close(fd)
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
            stopped, doing = stop.shared(), running.values  # the shared integers themselves: read once a child
            for child in chunk:
                if stopped[0]:
                    break
                doing[slot] = child[0]
                outcome, urgent, size = run_child(child)
                doing[slot] = IDLE
                buffer.append(outcome)
                buffered_bytes += size
                started += 1
                now = monotonic()
                if urgent or buffered_bytes >= FLUSH_BYTES or now - flushed >= FLUSH_SECONDS:
                    connection.send(("results", buffer))
                    buffer, buffered_bytes, flushed = [], 0, now
            connection.send(("done", buffer, started))
    except BrokenPipeError:
        return
    except Exception:  # noqa: BLE001 - report the engine's own failure to the parent instead of dying silently
        import traceback  # on this error path only, so no run imports it at start-up

        with contextlib.suppress(OSError):
            connection.send(("crashed", f"worker {os.getpid()}:\n{traceback.format_exc()}"))

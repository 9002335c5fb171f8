"""ChildSpan: when and where one Map child ran, for whoever wants to see a run (hpc.report draws them).

The engine hands one span per finished child to `MapEnvironment.on_child` (unset: nothing is timed or sent). Times are
wall-clock epoch seconds, so spans from different worker processes share one axis.
"""

from __future__ import annotations

from typing import Any


class ChildSpan:
    """One finished child execution of a Distributed Map.

    index: the child's position in the Map Run (0-based, in item order); worker: the lane (0..workers-1) of the worker
    process that ran it; started/stopped: epoch seconds; status: SUCCEEDED or FAILED; items: how many items it held
    (a batch's size); attempts: tries of its work, 1 plus one per retry.

    hpc.report also builds spans from a cloud run's result records, which know no worker or retries: there `index`
    and `worker` are the child's rank in start order, `attempts` is None and `status` may be TIMED_OUT or ABORTED.
    """

    # A plain class rather than a dataclass (whose creation runs generated code at import, which every run paid) or a
    # NamedTuple (whose field `index` would hide tuple.index).
    __slots__ = ("index", "worker", "started", "stopped", "status", "items", "attempts")

    def __init__(
        self, index: int, worker: int, started: float, stopped: float, status: str, items: int, attempts: int | None
    ) -> None:
        self.index = index
        self.worker = worker
        self.started = started
        self.stopped = stopped
        self.status = status
        self.items = items
        self.attempts = attempts

    def _values(self) -> tuple[Any, ...]:
        return (self.index, self.worker, self.started, self.stopped, self.status, self.items, self.attempts)

    def __eq__(self, other: object) -> bool:
        return type(other) is ChildSpan and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ChildSpan({shown})"

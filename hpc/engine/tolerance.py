"""ToleratedFailurePercentage / ToleratedFailureCount of a Distributed Map: when its failed items end the Map Run.

Counted in items (a failed batch fails all its items). With neither field set AWS tolerates nothing. While items are
still being read, the total is not known yet, so a percentage can only be judged once it is, or when it is 0 (any
failure then exceeds it whatever the total); a count never needs the total.
"""

from __future__ import annotations

from typing import Any

EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"


class Threshold:
    # A plain class: a dataclass's creation runs generated code at import, and a NamedTuple's field `count` would hide
    # tuple.count.
    __slots__ = ("percentage", "count")

    def __init__(self, percentage: float | None, count: int | None) -> None:
        self.percentage = percentage
        self.count = count

    def __eq__(self, other: object) -> bool:
        return type(other) is Threshold and (self.percentage, self.count) == (other.percentage, other.count)

    def __hash__(self) -> int:
        return hash((self.percentage, self.count))

    def __repr__(self) -> str:
        return f"Threshold(percentage={self.percentage!r}, count={self.count!r})"

    @classmethod
    def of(cls, state: dict[str, Any]) -> Threshold:
        return cls(state.get("ToleratedFailurePercentage"), state.get("ToleratedFailureCount"))

    def exceeded(self, failed: int, total: int | None) -> bool:
        """Whether `failed` items of `total` exceed the threshold; with `total` None (not known yet), whether they
        exceed it whatever the total turns out to be."""
        # With neither field set AWS tolerates nothing: the count defaults to 0 when no percentage is given.
        by_count = failed > (self.count or 0) and (self.count is not None or self.percentage is None)
        if by_count or self.percentage is None:
            return by_count
        if total is None:
            return self.percentage == 0 and failed > 0
        return total > 0 and failed * 100 > self.percentage * total

    def describe(self) -> str:
        parts = []
        if self.percentage is not None:
            parts.append(f"ToleratedFailurePercentage {self.percentage:g}")
        if self.count is not None:
            parts.append(f"ToleratedFailureCount {self.count}")
        return ", ".join(parts) or "no failure tolerated"

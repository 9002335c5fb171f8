"""Which items the Map's result files account for, when the job's item count is not known up front (data jobs).

A generated job's count comes from the start function, and the sum checks the result files add up to it. A data
job's items are read by the Map's ItemReader, which the start function must not do (listing or downloading in a
Lambda would cap the job at one function's 15 minutes and memory), so nothing knows the count before the Map runs.
The count must then come from the result files themselves, and the check must still refuse every incomplete run:

- every child the Map Run started or meant to start is one record in exactly one file of its status, and the manifest
  lists the files: PENDING files (children that never ran) and FAILED files beyond the tolerance are refused before
  anything is summed, and a listed file that is missing, truncated or corrupt is refused while reading it;
- each data Map puts `$$.Map.Item.Index` beside every item (asl/definition.py), so each record says exactly which
  items it held: a FAILED record in its Input, a SUCCEEDED one also in its output, where the compute function lists
  the indices of the event it computed as runs (`"index_runs"`, so the sum need not decode every Input, which is as
  large as the items). The items of all SUCCEEDED and FAILED records must be 0..n-1, each exactly once: a record
  listed twice, or a file holding another run's records, shows as an item counted twice; a record or file lost from
  the middle shows as a gap;
- each SUCCEEDED record's output must cover as many items as it was given (a compute that skipped items).

What no count taken from the results can show is the loss of the LAST records of the run together with the manifest
entry of their file -- the manifest would have to misstate what the ResultWriter wrote. That is the one trust this
check places in Step Functions' own bookkeeping; a generated job, whose count is known, does not need it.
"""

from __future__ import annotations

from typing import Any

from handlers.errors import IncompleteResults


class InvalidIndex(ValueError):
    """An item index that is not a non-negative integer (`index` is the value found)."""

    def __init__(self, index: object) -> None:
        super().__init__(repr(index))
        self.index = index


def index_runs(indices: list[Any]) -> list[list[int]]:
    """The indices as runs of consecutive items, `[start, end)` each, in the order given; InvalidIndex for the first
    that is not a non-negative integer."""
    runs: list[list[int]] = []
    for index in indices:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidIndex(index)
        if runs and runs[-1][1] == index:
            runs[-1][1] = index + 1
        else:
            runs.append([index, index + 1])
    return runs


class Coverage:
    """Runs of item indices seen so far, merged as they arrive (result files in child order merge into one run)."""

    def __init__(self) -> None:
        self.end_of: dict[int, int] = {}  # start -> end (exclusive) of each run
        self.start_of: dict[int, int] = {}  # end -> start
        self.items = 0

    def add(self, indices: list[int], source: str) -> None:
        """The indices one record held; `source` names the record for messages."""
        try:
            runs = index_runs(indices)
        except InvalidIndex as invalid:
            raise IncompleteResults(f"{source} holds an item without a valid index ({invalid.index!r})") from None
        self.add_runs(runs, source)

    def add_runs(self, runs: list[list[int]], source: str) -> None:
        """The indices one record held, as `[start, end)` runs (a compute output's "index_runs")."""
        for start, end in runs:
            self._add_run(start, end, source)

    def _add_run(self, start: int, end: int, source: str) -> None:
        if start in self.end_of:
            raise IncompleteResults(f"item {start} is in two results ({source} and an earlier record); start again")
        self.items += end - start
        if start in self.start_of:  # joins the run ending where this one starts
            start = self.start_of.pop(start)
            del self.end_of[start]
        if end in self.end_of:  # joins the run starting where this one ends
            new_end = self.end_of.pop(end)
            del self.start_of[new_end]
            end = new_end
        self.end_of[start] = end
        self.start_of[end] = start

    def count(self) -> int:
        """n when the items seen are exactly 0..n-1, each once; else IncompleteResults naming the first fault."""
        expected_start = 0
        for start in sorted(self.end_of):
            if start > expected_start:
                raise IncompleteResults(
                    f"items {expected_start}..{start - 1} of the data are in no result file: the results are "
                    "incomplete; start the job again"
                )
            if start < expected_start:
                raise IncompleteResults(f"item {start} is in two results; start the job again")
            expected_start = self.end_of[start]
        if self.items != expected_start:
            raise IncompleteResults(f"some items are in two results ({self.items} counted, {expected_start} distinct)")
        return expected_start

"""csv-stats: per numeric column of a dataset of rows, its count, mean, variance and standard deviation, min and max.

The rows come from a CSV object (each row an object of strings keyed by the header), a JSON Lines object or a JSON
array of objects. A cell counts as numeric when it reads as a finite number (`float()` of a string, or a JSON
number); an empty cell (or null) is counted in `empty`, any other cell in `non_numeric` -- neither is fatal, so a
column of mixed cells still gets its statistics, and the counts say how much of it was not a number.

Batches combine with the parallel formula of Chan, Golub and LeVeque (1979): for parts a and b with counts n_a, n_b,
means m_a, m_b and sums of squared deviations M_a, M_b, the whole has n = n_a + n_b, m = m_a + (m_b - m_a) n_b / n and
M = M_a + M_b + (m_b - m_a)^2 n_a n_b / n; `combine` applies it to k parts at once, m = sum n_i m_i / n and
M = sum M_i + sum n_i (m_i - m)^2, one pass per column however many partials the sum hands it. Within a batch the
mean comes from an exactly rounded sum (math.fsum) and M from a second pass over the batch's values, so no step
subtracts two large sums of squares (the textbook one-pass formula loses every digit when the mean is large against
the spread). Variance is the sample variance, M / (n - 1).
"""

from __future__ import annotations

import math
from collections import Counter
from operator import itemgetter, mul
from typing import Any

from handlers.errors import InvalidInput
from handlers.inputs import describe

NAME = "csv-stats"
DESCRIPTION = "Count, mean, variance, stddev, min and max of every numeric column of a CSV (or JSON Lines) dataset."
OPTIONS: dict[str, str] = {}
SOURCES = ("csv", "jsonl", "json")

Column = dict[str, Any]  # {"count", "mean", "m2", "min", "max", "non_numeric", "empty"}


def parse(size: None, options: dict[str, Any]) -> dict[str, Any]:
    return {}


def compute(items: list[Any], params: dict[str, Any]) -> dict[str, Column]:
    return {name: _column_summary(cells) for name, cells in _columns(items).items()}


def _columns(items: list[Any]) -> dict[str, list[Any]]:
    """Each column's cells, columns in order of first appearance; a cell missing from a row is not counted."""
    if items and type(items[0]) is dict:
        names = list(items[0])
        if set(map(len, items)) == {len(names)}:
            try:
                # all rows as long as the first and holding its names: every row has exactly its names (a CSV's
                # rows always do), so a column is read in one comprehension, not cell by cell
                return {name: list(map(itemgetter(name), items)) for name in names}
            except (KeyError, TypeError):
                pass
    columns: dict[str, list[Any]] = {}
    for row in items:
        if not isinstance(row, dict):
            raise InvalidInput(f"csv-stats reads rows as objects of named cells, got {describe(row)}")
        for name, cell in row.items():
            columns.setdefault(name, []).append(cell)
    return columns


def _column_summary(cells: list[Any]) -> Column:
    """One column's partial; at C speed when every cell is a finite number (float() over the whole column) or every
    cell is text or null (each distinct cell read once: a text column holds a few values many times)."""
    kinds = set(map(type, cells))
    if bool not in kinds:  # float() would take a bool
        try:
            numbers = list(map(float, cells))
            total = math.fsum(numbers)
        except (ValueError, TypeError, OverflowError):  # (an overflowing sum just goes the slow way)
            pass
        else:
            if math.isfinite(total):  # else float() let "nan" or "inf" through
                return _summary(numbers, 0, 0, total)
    non_numeric = empty = 0
    if kinds <= _TEXT:
        numeric = set()
        for cell, count in Counter(cells).items():
            if _number(cell) is not None:
                numeric.add(cell)
            elif cell is None or not cell.strip():
                empty += count
            else:
                non_numeric += count
        return _summary(list(map(float, filter(numeric.__contains__, cells))), non_numeric, empty)
    numbers = []
    for cell in cells:
        number = _number(cell)
        if number is not None:
            numbers.append(number)
        elif cell is None or (isinstance(cell, str) and not cell.strip()):
            empty += 1
        else:
            non_numeric += 1
    return _summary(numbers, non_numeric, empty)


_TEXT = {str, type(None)}


def _number(cell: Any) -> float | None:
    if isinstance(cell, bool) or not isinstance(cell, str | int | float):
        return None
    try:
        number = float(cell)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _summary(column: list[float], non_numeric: int, empty: int, total: float | None = None) -> Column:
    """`total`: the column's math.fsum, when known."""
    count = len(column)
    mean = (math.fsum(column) if total is None else total) / count if count else 0.0
    m2 = math.fsum([(value - mean) * (value - mean) for value in column])
    return _column(count, mean, m2, column, non_numeric, empty)


def _column(count: int, mean: float, m2: float, values: list[float], non_numeric: int, empty: int) -> Column:
    """A column's partial; its min and max come from `values` (the numbers, or the merged parts' extremes)."""
    return {
        "count": count,
        "mean": mean,
        "m2": m2,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
        "non_numeric": non_numeric,
        "empty": empty,
    }


def combine(partials: list[dict[str, Column]]) -> dict[str, Column]:
    # Columns in order of first appearance; each merged over all the partials at once (see _merged).
    names = dict.fromkeys(name for partial in partials for name in partial)
    return {name: _merged([partial[name] for partial in partials if name in partial]) for name in names}


def _merged(parts: list[Column]) -> Column:
    """Chan et al.'s formula for k parts at once: n = sum n_i, m = sum n_i m_i / n, M = sum M_i + sum n_i (m_i - m)^2
    (the pairwise update applied to all parts: each part's deviation is taken from the whole's mean, so nothing
    subtracts two large sums), each sum exactly rounded (math.fsum). A part without numbers adds only its counts."""
    numeric = [part for part in parts if part["count"]]
    if len(numeric) == 1:
        count, mean, m2 = numeric[0]["count"], numeric[0]["mean"], numeric[0]["m2"]
    elif not numeric:
        count, mean, m2 = 0, 0.0, 0.0
    else:
        counts = [part["count"] for part in numeric]
        means = [part["mean"] for part in numeric]
        count = sum(counts)
        mean = math.fsum(map(mul, counts, means)) / count
        deviations = [n * (m - mean) * (m - mean) for n, m in zip(counts, means, strict=True)]
        m2 = math.fsum([part["m2"] for part in numeric] + deviations)
    extremes = [part[side] for part in numeric for side in ("min", "max")]
    non_numeric = sum(part["non_numeric"] for part in parts)
    return _column(count, mean, m2, extremes, non_numeric, sum(part["empty"] for part in parts))


def present(partial: dict[str, Column], params: dict[str, Any]) -> dict[str, Any]:
    columns = {}
    for name, column in partial.items():
        count = column["count"]
        variance = column["m2"] / (count - 1) if count > 1 else None
        columns[name] = {
            "count": count,
            "mean": column["mean"] if count else None,
            "variance": variance,
            "stddev": math.sqrt(variance) if variance is not None else None,
            "min": column["min"],
            "max": column["max"],
            "non_numeric": column["non_numeric"],
            "empty": column["empty"],
        }
    numeric = sorted(name for name, column in columns.items() if column["count"])
    return {"result": columns, "numeric_columns": numeric}

"""s3-keys (the default workload): how many distinct S3 object keys are there? The original design's computation.

Item i counts the strings of exactly i bytes built from UTF-8 characters of 1, 2, 3 or 4 bytes, with 128, 1,863,
42,451 and 78,341 choices of character of each width (the original's figures); the result is the sum over the items.

Which lengths: the original's start function emits `range(0, size)`, so `{"size": 1024}` sums lengths 0..1023. That
includes the empty key (length 0, counted once), which S3 does not allow, and excludes 1,024-byte keys, which S3 does
allow. Option `"lengths": "original"` (the default) reproduces the original's number exactly, a 2,206-digit integer
for size 1024; `"lengths": "s3"` sums lengths 1..size, so `{"size": 1024, "lengths": "s3"}` is the true count of keys
of 1 to 1,024 bytes.

Kernel: the original evaluates, per item, a triple loop over the numbers j, k, l of 2-, 3- and 4-byte characters of a
multinomial times powers of the choice counts: O(i^3) big-integer terms, each with factorials. Classifying a string
by its last character gives the same numbers from a linear recurrence,
    f(i) = 128 f(i-1) + 1863 f(i-2) + 42451 f(i-3) + 78341 f(i-4),  f(0) = 1,  f(i < 0) = 0,
so a batch runs the recurrence once, up to its largest item, and adds up the terms it holds.

Partials travel as hexadecimal strings: CPython converts an int to or from hexadecimal in time linear in its length,
but to or from decimal in quadratic time, which at size 60,000 made those conversions (one per batch and one per
partial in the reduce) most of the run. Only `present` converts to decimal, once, for the final result.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from handlers.errors import InvalidInput
from handlers.inputs import integer_items

sys.set_int_max_str_digits(0)  # results pass 4,300 digits from size ~2,000 on

NAME = "s3-keys"
DESCRIPTION = "Count the distinct S3 object keys of each byte length (the original design's workload)."
OPTIONS = {"lengths": 'which byte lengths to sum: "original" (0..size-1, the default) or "s3" (1..size)'}
LENGTHS = ("original", "s3")
CHOICES_BY_WIDTH = (128, 1863, 42451, 78341)  # characters of 1, 2, 3 and 4 bytes

# f(i) has about 2.156 decimal digits per byte (log10 of the recurrence's dominant root, 143.12), 1.79 hexadecimal
# ones. What bounds a run is the compute function's output: a batch's partial (hexadecimal, a sum dominated by its
# largest item) must fit in Step Functions' 256 KiB payload. For size 140,000 it has ~250,600 hex digits, with room for
# the output's other fields. The final result (~302,000 decimal digits then) may be larger than a payload: the sum
# function stores an output of any size in the bucket (outputs/<execution>/). A batch holding item 140,000 runs its
# recurrence in seconds, far inside the Lambda timeout.
HEX_DIGITS_PER_LENGTH = 1.7897
MAX_SIZE = 140_000


def parse(size: int, options: dict[str, Any]) -> dict[str, Any]:
    if size > MAX_SIZE:
        raise InvalidInput(
            f"size must be at most {MAX_SIZE} for workload {NAME!r}, got {size}: a batch holding item {size - 1} would "
            f"return a partial of about {int(size * HEX_DIGITS_PER_LENGTH)} hexadecimal digits, past what a Step "
            "Functions payload carries (256 KiB)"
        )
    lengths = options.get("lengths", "original")
    if lengths not in LENGTHS:
        raise InvalidInput(f"lengths must be one of {', '.join(map(repr, LENGTHS))}, got {lengths!r}")
    return {"size": size, "lengths": lengths}


def length_range(params: dict[str, Any]) -> range:
    size = params["size"]
    return range(0, size) if params["lengths"] == "original" else range(1, size + 1)


def items(params: dict[str, Any]) -> range:
    return length_range(params)


Window = tuple[int, int, int, int]
ORIGIN: tuple[int, Window] = (0, (0, 0, 0, 1))  # i = 0 and f(i-3), f(i-2), f(i-1), f(i)

# The furthest point this process has run the recurrence to. A warm Lambda container, like a local worker, is handed
# batch after batch, mostly in increasing order: resuming here instead of at f(0) skips the steps already taken.
_furthest: tuple[int, Window] = ORIGIN


def key_counts(start: tuple[int, Window] = ORIGIN) -> Iterator[int]:
    """f(i), f(i+1), ... from a known point (i, window); by default f(0), f(1), ...: the keys of each byte length."""
    _, (a, b, c, d) = start
    ones, twos, threes, fours = CHOICES_BY_WIDTH
    while True:
        yield d
        a, b, c, d = b, c, d, ones * d + twos * c + threes * b + fours * a


def counts_through(last: int, first: int = 0) -> Iterator[tuple[int, int]]:
    """(i, f(i)) for first <= i <= last, resumed from this process's furthest point when that is not past `first`."""
    global _furthest
    i, window = _furthest if _furthest[0] <= first else ORIGIN
    a, b, c, d = window
    ones, twos, threes, fours = CHOICES_BY_WIDTH
    while True:
        if i >= first:
            yield i, d
        if i == last:
            break
        a, b, c, d = b, c, d, ones * d + twos * c + threes * b + fours * a
        i += 1
    _furthest = (i, (a, b, c, d))


def compute(items: list[Any], params: dict[str, Any]) -> str:
    bounds = length_range(params)
    lengths = integer_items(items, minimum=bounds.start, maximum=bounds.stop - 1)
    multiplicity: dict[int, int] = {}
    for length in lengths:
        multiplicity[length] = multiplicity.get(length, 0) + 1
    total = 0
    for length, count in counts_through(max(lengths), first=min(lengths)):
        times = multiplicity.get(length)
        if times is not None:
            total += count if times == 1 else times * count  # a product by 1 would still copy the big integer
    return format(total, "x")


def combine(partials: list[str]) -> str:
    return format(sum(int(partial, 16) for partial in partials), "x")


def present(partial: str, params: dict[str, Any]) -> dict[str, Any]:
    bounds = length_range(params)
    result = str(int(partial, 16))  # the run's one decimal conversion
    return {"result": result, "digits": len(result), "lengths": f"{bounds.start}..{bounds.stop - 1} bytes"}

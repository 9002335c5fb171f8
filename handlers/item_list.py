"""A generated job's item list as one compact JSON array, written in chunks as it is generated.

Most workloads' items are `range(size)`: 10^7 of them encoded one int at a time cost the start function most of a
second. Consecutive non-negative ints are written from a template instead: the thousand numbers h000..h999 are the
text of 000..999 with `h` put in front of each, which `str.replace` does at the speed of a copy. The bytes are
exactly json.dumps' (tested against it); any other collection is encoded by json, a chunk at a time.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK_ITEMS = 16_000  # items encoded at a time: about 100 KB of JSON, under a megabyte of objects
_BLOCK = 1000  # numbers a template holds: h000..h999
_MARK = "\0"  # stands for the leading digits h in the template; never part of a number's text
_TEMPLATE = ",".join(f"{_MARK}{low:03d}" for low in range(_BLOCK))


def json_array_chunks(values: Iterable[Any], per_chunk: int = CHUNK_ITEMS) -> Iterator[bytes]:
    """`values` as one compact JSON array (json.dumps' bytes), in chunks of about `per_chunk` items."""
    if isinstance(values, range) and values.step == 1 and values.start >= 0 and per_chunk >= _BLOCK:
        parts: Iterator[str] = _range_parts(values, per_chunk - per_chunk % _BLOCK)
    else:
        parts = _encoded_parts(values, per_chunk)
    separator = b"["
    for part in parts:
        yield separator + part.encode()
        separator = b","
    yield b"]" if separator == b"," else b"[]"


def _encoded_parts(values: Iterable[Any], per_chunk: int) -> Iterator[str]:
    source = iter(values)
    while chunk := list(itertools.islice(source, per_chunk)):
        yield json.dumps(chunk, separators=(",", ":"))[1:-1]


def _range_parts(values: range, per_chunk: int) -> Iterator[str]:
    """The elements of `values` (step 1, from 0 up) as text, in chunks of `per_chunk` (a multiple of _BLOCK)."""
    start, stop = values.start, values.stop
    while start < stop:
        end = min(stop, start + per_chunk)
        first_block, last_block = -(-start // _BLOCK), end // _BLOCK  # the whole h000..h999 blocks inside
        if first_block == 0:
            first_block = 1  # 0..999 have no leading digits to put in front: encoded the ordinary way
        pieces = []
        if first_block >= last_block:
            pieces.append(_plain(start, end))
        else:
            if start < first_block * _BLOCK:
                pieces.append(_plain(start, first_block * _BLOCK))
            pieces.extend(_TEMPLATE.replace(_MARK, str(high)) for high in range(first_block, last_block))
            if last_block * _BLOCK < end:
                pieces.append(_plain(last_block * _BLOCK, end))
        yield ",".join(pieces)
        start = end


def _plain(start: int, stop: int) -> str:
    return ",".join(map(str, range(start, stop)))

"""Step Functions' payload quota (256 KiB of UTF-8 JSON) and how the local engine measures and enforces it.

Measuring means encoding, and a Map child's payloads are the same few values passed along (its input becomes the
Lambda's payload, the Lambda's result becomes the output): encoding each again at every check was most of a small
child's cost. So a value's JSON, once made, can be remembered (`remember`) and is then reused by `to_json` and
`payload_size`, and the size of a small object is the sum of its parts, each taken from memory where it is known. Only
values the engine never changes afterwards are remembered (the engine builds new values rather than changing old
ones: templates, ResultPath and the Lambda emulation all copy), and only the last few, so memory stays small.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from hpc.engine.errors import StatesError

MAX_PAYLOAD_BYTES = 262_144
_REMEMBERED = 8  # values whose JSON is kept: a child's input and its Lambda result, with room to spare
_SUMMED_KEYS = 8  # objects with at most this many keys are sized field by field (wrappers around a known value)

JSON_SCALARS = frozenset((str, int, float, bool, type(None)))  # the immutable JSON values' Python types
_known: dict[int, tuple[Any, str, int]] = {}  # id(value) -> (value, its JSON, its UTF-8 size)
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
quoted: Any = json.encoder.encode_basestring  # a str as a JSON string: the encoder's own C quoting, ensure_ascii off


def to_json(value: Any) -> str:
    """Compact JSON, as Step Functions stores payloads (and as they are counted against the quota)."""
    known = _known.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    return _encode(value)


def remember(value: Any, text: str) -> None:
    """Note that `text` is `value`'s compact JSON; `value` must not change while it is remembered."""
    if len(_known) >= _REMEMBERED:
        _known.clear()
    _known[id(value)] = (value, text, utf8_size(text))


def utf8_size(text: str) -> int:
    # A character takes 1 to 4 bytes: pure ASCII (the common case) is its length without encoding anything.
    return len(text) if text.isascii() else len(text.encode())


def payload_size(value: Any) -> int:
    if type(value) is dict and 0 < len(value) <= _SUMMED_KEYS and id(value) not in _known:
        # {"k":v,...}: braces, commas, colons, then each key and value; exact, as compact JSON has no other bytes.
        # One level only: below it, one call of the C encoder costs less than walking the parts in Python.
        size = 1 + 2 * len(value)
        for key, item in value.items():
            if type(key) is not str:
                return utf8_size(_encode(value))
            size += _key_size(key) + _size(item)
        return size
    return _size(value)


def _size(value: Any) -> int:
    kind = type(value)
    if kind is str:
        return utf8_size(quoted(value))
    if kind is int:
        return len(int.__repr__(value))  # what the encoder writes for an int (not for a bool, another type)
    known = _known.get(id(value))
    if known is not None and known[0] is value:
        return known[2]
    return utf8_size(_encode(value))


@lru_cache(maxsize=1024)
def _key_size(key: str) -> int:
    return utf8_size(quoted(key))


def check_payload(value: Any, state: str, what: str = "result") -> None:
    """States.DataLimitExceeded when `value` is over the quota, with AWS's fixed cause for a state's result/output.

    `what` names any other payload (e.g. "input after Parameters"), for which AWS's wording is not known.
    """
    check_size(payload_size(value), state, what)


def check_size(size: int, state: str, what: str = "result") -> None:
    """`check_payload` for a payload whose size is known without encoding it."""
    if size > MAX_PAYLOAD_BYTES:
        raise StatesError("States.DataLimitExceeded", data_limit_cause(state, what))


def data_limit_cause(state: str, what: str = "result") -> str:
    if what in ("result", "output"):
        return (
            f"The state/task '{state}' returned a result with a size exceeding the maximum number of bytes service "
            "limit."
        )
    return f"The {what} of state/task '{state}' has a size exceeding the maximum number of bytes service limit."

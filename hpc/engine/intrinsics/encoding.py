"""Intrinsics for encoding and hashing: States.Base64Encode, States.Base64Decode and States.Hash.

Each takes a string of at most 10,000 characters (AWS's input limit); Hash's algorithm is one of MD5, SHA-1,
SHA-256, SHA-384, SHA-512 and its result the lowercase hex digest of the UTF-8 bytes.
"""

from __future__ import annotations

import binascii
from typing import Any

from hpc.engine.intrinsics.family import ArgumentError, Function, string
from hpc.engine.intrinsics.syntax import Call

MAX_INPUT_CHARACTERS = 10_000
ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _limited(value: Any, what: str) -> str:
    text = string(value, what)
    if len(text) > MAX_INPUT_CHARACTERS:
        raise ArgumentError(f"{what} has {len(text)} characters; at most {MAX_INPUT_CHARACTERS} are allowed")
    return text


def _encode(call: Call, values: list[Any]) -> str:
    import base64  # here, not at import: every run loads this family to check the definition, few call it

    return base64.b64encode(_limited(values[0], "the data").encode()).decode("ascii")


def _decode(call: Call, values: list[Any]) -> str:
    text = _limited(values[0], "the base64 data")
    import base64

    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ArgumentError(f"the data is not base64-encoded UTF-8 text ({error})") from None


def _hash(call: Call, values: list[Any]) -> str:
    data = _limited(values[0], "the data")
    algorithm = values[1]
    if algorithm not in ALGORITHMS:
        raise ArgumentError(f"the algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    import hashlib  # only when a definition hashes: it loads OpenSSL, a cost every run would otherwise pay at start-up

    return hashlib.new(ALGORITHMS[algorithm], data.encode()).hexdigest()


FUNCTIONS = {
    "States.Base64Encode": Function((1, 1), _encode),
    "States.Base64Decode": Function((1, 1), _decode),
    "States.Hash": Function((2, 2), _hash),
}

"""A run's output fetched from where the sum function stored it (results of any size, handlers/sum.py `deliver`).

It is the decoded object, which `hpc run` reads for its fields, and it keeps the stored JSON text, which `--json`
and `--save` write out as it is: the object is not encoded again (a stored result is about a megabyte of JSON per
7,000 objects of an object-digest, and the encoder would take longer than writing it).
"""

from __future__ import annotations

import json
import sys
from typing import Any


class StoredOutput(dict[str, Any]):
    """The stored output as an object, with `text`, its compact JSON as stored."""

    def __init__(self, text: str) -> None:
        sys.set_int_max_str_digits(0)  # a workload may put big integers in its output
        super().__init__(json.loads(text))
        self.text = text


def decoded(text: str | bytes) -> Any:
    """The stored output: a StoredOutput when it is an object (as the sum stores it), else the value itself."""
    text = text.decode() if isinstance(text, bytes) else text
    return StoredOutput(text) if text.lstrip().startswith("{") else json.loads(text)


def json_text(output: Any) -> str:
    """The output's compact JSON: the stored text when there is one, else the output encoded."""
    if isinstance(output, StoredOutput):
        return output.text
    sys.set_int_max_str_digits(0)
    return json.dumps(output, separators=(",", ":"))

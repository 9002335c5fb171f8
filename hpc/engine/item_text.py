"""Items still in their JSON text: a run of non-negative integers, as an item list of generated items holds them.

The parent of a Distributed Map only counts such items and cuts them into batches; decoding 10^7 ints in the parent
and encoding them again in the workers (for each child's Input) was a third of a large Map's CPU. A run qualifies
only when its text is exactly what the engine's JSON encoder writes for the decoded values (digits and single commas,
no leading zeros), so a child's input is the same whichever way it was made, and its Input text can be put together
from the run without encoding anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

_DIGITS_AND_COMMAS = str.maketrans("", "", "0123456789,")
_LEADING_ZERO = re.compile(r"(?:^|,)0[0-9]")


class IntText:
    """`count` non-negative integers, the comma-separated text `text` (no brackets); decoded where they are used."""

    __slots__ = ("count", "text")

    def __init__(self, text: str, count: int) -> None:
        self.text = text
        self.count = count

    @classmethod
    def of(cls, text: str) -> IntText | None:
        """The run `text` (elements between commas, no brackets) if it is canonical integers, else None."""
        if not text or text.translate(_DIGITS_AND_COMMAS) or ",," in text or text[0] == "," or text[-1] == ",":
            return None
        if (text[0] == "0" or ",0" in text) and _LEADING_ZERO.search(text):
            return None  # "007" is not JSON; "0" alone is
        return cls(text, text.count(",") + 1)

    def __len__(self) -> int:
        return self.count

    def __repr__(self) -> str:
        return f"IntText({self.count} items: {self.text[:40]}{'...' if len(self.text) > 40 else ''})"

    def decode(self) -> list[Any]:
        return json.loads(f"[{self.text}]")  # type: ignore[no-any-return]

    def split(self, count: int) -> tuple[IntText, IntText]:
        """The first `count` items (0 < count < len) and the rest."""
        cut = _comma(self.text, count, self.count)
        return IntText(self.text[:cut], count), IntText(self.text[cut + 1 :], self.count - count)

    @staticmethod
    def join(parts: list[IntText]) -> IntText:
        return IntText(",".join(part.text for part in parts), sum(part.count for part in parts))


def _comma(text: str, k: int, count: int) -> int:
    """The position of the k-th comma of `text` (which holds count - 1): counted from a guess at the average width,
    so a batch costs a few C-level scans whatever its size."""
    guess = len(text) * k // count
    seen = text.count(",", 0, guess)
    position = guess - 1
    for _ in range(k - seen):
        position = text.index(",", position + 1)
    if seen >= k:
        position = guess
        for _ in range(seen - k + 1):
            position = text.rindex(",", 0, position)
    return position

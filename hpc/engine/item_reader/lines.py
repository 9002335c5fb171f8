"""An object's lines as text, decoded one at a time so that a byte that is not UTF-8 is reported on its own line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hpc.engine.item_reader import objects


def decoded_lines(stream: Any, name: str, start: int = 1) -> Iterator[str]:
    """Each line with its line ending (`\\n` or `\\r\\n`), as the csv module wants them; a UTF-8 byte order mark at the
    start is dropped. `start`: the number of the stream's first line in the object."""
    for number, raw in enumerate(stream, start=start):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise objects.failed(
                f"{name} line {number} is not UTF-8 text (byte {error.start} of the line: {error.reason}); "
                "is it a binary file?"
            ) from None
        yield line

"""Wall-clock text the engine stamps on every child: formatted once a second, since a Map's children stamp thousands
of times a second and strftime is the costly part."""

from __future__ import annotations

import time


class SecondText:
    """`time.strftime(format, time.gmtime(second))`, remembered for the last whole second asked for."""

    def __init__(self, format: str) -> None:  # noqa: A002 - strftime's own word
        self.format = format
        self.second = -1
        self.text = ""

    def __call__(self, second: int) -> str:
        if second != self.second:
            self.second, self.text = second, time.strftime(self.format, time.gmtime(second))
        return self.text

"""The engine's per-second clock text: one strftime per whole second, the same text strftime gives."""

from __future__ import annotations

import time

from hpc.engine import clock
from hpc.engine.clock import SecondText


def test_second_text_formats_each_second_once_and_as_strftime_does(monkeypatch):
    # GIVEN a counted strftime
    calls = []
    strftime = time.strftime

    def counted(format, moment):  # noqa: A002 - strftime's own word
        calls.append(moment)
        return strftime(format, moment)

    monkeypatch.setattr(clock.time, "strftime", counted)
    text = SecondText("%Y-%m-%dT%H:%M:%S.")
    # WHEN the same second is asked for three times, then the next one
    first = [text(1_700_000_000) for _ in range(3)]
    second = text(1_700_000_001)
    # THEN each second was formatted once, into what strftime gives for it in UTC
    assert first == ["2023-11-14T22:13:20."] * 3
    assert second == "2023-11-14T22:13:21."
    assert len(calls) == 2

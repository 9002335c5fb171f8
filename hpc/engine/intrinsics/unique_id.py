"""Intrinsic for unique ids: States.UUID, a version 4 UUID."""

from __future__ import annotations

from typing import Any

from hpc.engine.intrinsics.family import Function
from hpc.engine.intrinsics.syntax import Call
from hpc.engine.uuids import random_uuid


def _uuid(call: Call, values: list[Any]) -> str:
    return random_uuid()


FUNCTIONS = {"States.UUID": Function((0, 0), _uuid)}

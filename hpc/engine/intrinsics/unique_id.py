"""Intrinsic for unique ids: States.UUID, a version 4 UUID."""

from __future__ import annotations

from typing import Any

from hpc.engine.intrinsics.family import Function
from hpc.engine.intrinsics.syntax import Call


def _uuid(call: Call, values: list[Any]) -> str:
    import uuid  # here: uuid imports platform, and few definitions call States.UUID

    return str(uuid.uuid4())


FUNCTIONS = {"States.UUID": Function((0, 0), _uuid)}

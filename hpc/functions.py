"""The three functions of a deployment: which handler each runs, its size, and the environment it reads.

One source for both sides: the Pulumi stack deploys these as Lambda functions, and the local engine calls the same
handlers with the same environment, so a setting means the same thing in both places.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from hpc.settings import Settings

FUNCTION_KEYS = ("start", "compute", "sum")


class FunctionSpec(NamedTuple):
    key: str
    handler: str
    """Lambda handler string, `module.function` relative to the archive root (which holds `handlers/`)."""
    memory_mb: int
    timeout_seconds: int
    environment: Mapping[str, Any]
    """Variables the handler reads; str values (the stack's bucket name is a Pulumi Output until deployed)."""
    reserved_concurrency: int | None = None
    """Lambda concurrency reserved for this function (None: it shares the account's unreserved pool)."""

    @property
    def entry_point(self) -> str:
        """The handler as `module:function`, the form the local engine imports."""
        module, _, function = self.handler.rpartition(".")
        return f"{module}:{function}"


def function_specs(settings: Settings, bucket: Any) -> dict[str, FunctionSpec]:
    """Start, compute and sum, keyed by those names. Only the functions that touch S3 learn the bucket's name.

    No secrets travel in the environment: the functions reach AWS through their roles.
    """
    # Lifts CPython's 4,300-digit int<->str limit in the runtime's own JSON marshalling too, not only in our code.
    common = {"PYTHONINTMAXSTRDIGITS": "0"}
    return {
        "start": FunctionSpec(
            key="start",
            handler="handlers.start.handler",
            memory_mb=settings.start_memory_mb,
            timeout_seconds=settings.start_timeout_seconds,
            environment={
                **common,
                "RESULTS_BUCKET": bucket,
                "MAX_ITEMS": str(settings.max_items),
                "DATA_BUCKETS": json.dumps(list(settings.data_buckets)),
            },
        ),
        "compute": FunctionSpec(
            key="compute",
            handler="handlers.compute.handler",
            memory_mb=settings.compute_memory_mb,
            timeout_seconds=settings.compute_timeout_seconds,
            environment=dict(common),
            reserved_concurrency=settings.compute_reserved_concurrency,
        ),
        "sum": FunctionSpec(
            key="sum",
            handler="handlers.sum.handler",
            memory_mb=settings.sum_memory_mb,
            timeout_seconds=settings.sum_timeout_seconds,
            environment={
                **common,
                "RESULTS_BUCKET": bucket,
                "TOLERATED_FAILURE_PERCENTAGE": repr(settings.tolerated_failure_percentage),
            },
        ),
    }

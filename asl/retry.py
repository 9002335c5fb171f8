"""Retry policies for Lambda tasks: transient service faults and throttling, with capped, jittered backoff."""

from __future__ import annotations

from typing import Any

from hpc.settings import Settings

# AWS's recommended set for Lambda tasks plus throttling (the original retried only throttling, without backoff).
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
]

# Raised by a workload (handlers.errors.TransientError) for faults worth another attempt, e.g. a flaky dependency.
WORKLOAD_TRANSIENT_ERRORS = ["TransientError"]


def lambda_retry(settings: Settings, *, errors: list[str] | None = None) -> list[dict[str, Any]]:
    """One Retry rule for a Lambda task: exponential backoff with full jitter, capped at MaxDelaySeconds."""
    return [
        {
            "ErrorEquals": list(errors or LAMBDA_TRANSIENT_ERRORS),
            "IntervalSeconds": settings.retry_interval_seconds,
            "MaxAttempts": settings.retry_max_attempts,
            "BackoffRate": settings.retry_backoff_rate,
            "MaxDelaySeconds": settings.retry_max_delay_seconds,
            "JitterStrategy": "FULL",
        }
    ]

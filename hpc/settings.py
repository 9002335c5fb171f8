"""Every tunable of a deployment, with its default, in one place.

The Pulumi stack reads these from stack config (`hpc:<camelCaseKey>`), the local engine and `hpc estimate` read the
same keys from `Pulumi.<stack>.yaml`, and the state machine definition is built from the result, so a local run and a
cloud run follow the same numbers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

EXECUTION_TYPES = ("STANDARD", "EXPRESS")
LOG_LEVELS = ("OFF", "ERROR", "FATAL", "ALL")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidSettings(ValueError):
    """A configuration value is unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Settings:
    """Tunables of one deployment. Field `max_items_per_batch` is config key `maxItemsPerBatch`, and so on."""

    state_machine_name: str = "hpc"
    """Explicit name, so the role can name the machine's ARN without a dependency cycle."""
    max_items_per_batch: int = 128
    """ItemBatcher size; 1 turns batching off (one child execution per item)."""
    max_concurrency: int = 1000
    """Child executions running at once (Lambda's default account concurrency is 1,000)."""
    tolerated_failure_percentage: float = 0.0
    """0: any failed item fails the run, because an exact answer needs every item."""
    execution_type: str = "STANDARD"
    """Child workflow type: STANDARD (exactly-once, per-transition price) or EXPRESS (per-request price)."""
    max_items: int = 1_000_000
    """Largest job the start function accepts."""
    retry_max_attempts: int = 6
    retry_interval_seconds: int = 1
    retry_backoff_rate: float = 2.0
    retry_max_delay_seconds: int = 30
    start_memory_mb: int = 256
    start_timeout_seconds: int = 60
    compute_memory_mb: int = 1769
    """1,769 MB buys one full vCPU: the kernels are single-threaded, so more memory only costs more."""
    compute_timeout_seconds: int = 900
    sum_memory_mb: int = 1024
    sum_timeout_seconds: int = 900
    log_retention_days: int = 14
    log_level: str = "ERROR"
    tracing: bool = False
    results_expire_days: int = 7
    alarm_email: str = ""
    """Subscribed to the alarm on failed or timed-out executions (it must confirm AWS's email); empty: no email."""

    def __post_init__(self) -> None:
        _check(
            re.fullmatch(r"[A-Za-z0-9_-]{1,80}", self.state_machine_name), "stateMachineName", "1-80 of A-Z a-z 0-9 _ -"
        )
        _check(self.max_items_per_batch >= 1, "maxItemsPerBatch", "at least 1")
        _check(self.max_concurrency >= 0, "maxConcurrency", "0 (unbounded) or more")
        _check(0 <= self.tolerated_failure_percentage <= 100, "toleratedFailurePercentage", "between 0 and 100")
        _check(self.execution_type in EXECUTION_TYPES, "executionType", " or ".join(EXECUTION_TYPES))
        _check(self.max_items >= 1, "maxItems", "at least 1")
        _check(self.retry_max_attempts >= 0, "retryMaxAttempts", "0 or more")
        _check(self.retry_interval_seconds >= 1, "retryIntervalSeconds", "at least 1")
        _check(self.retry_backoff_rate >= 1.0, "retryBackoffRate", "at least 1.0")
        _check(self.retry_max_delay_seconds >= 1, "retryMaxDelaySeconds", "at least 1")
        for key in ("start", "compute", "sum"):
            memory = getattr(self, f"{key}_memory_mb")
            timeout = getattr(self, f"{key}_timeout_seconds")
            _check(128 <= memory <= 10240, f"{key}MemoryMb", "between 128 and 10240")
            _check(1 <= timeout <= 900, f"{key}TimeoutSeconds", "between 1 and 900")
        _check(self.log_retention_days >= 1, "logRetentionDays", "at least 1")
        _check(self.log_level in LOG_LEVELS, "logLevel", " or ".join(LOG_LEVELS))
        _check(self.results_expire_days >= 1, "resultsExpireDays", "at least 1")
        _check(not self.alarm_email or EMAIL.fullmatch(self.alarm_email), "alarmEmail", "an email address or empty")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        """Build from camelCase config keys (with or without the `hpc:` namespace); unknown keys are an error."""
        by_key = {config_key(f.name): f for f in fields(cls)}
        chosen: dict[str, Any] = {}
        for raw_key, raw_value in values.items():
            key = raw_key.removeprefix("hpc:")
            field = by_key.get(key)
            if field is None:
                raise InvalidSettings(f"unknown setting {raw_key!r}; known: {', '.join(sorted(by_key))}")
            chosen[field.name] = _coerce(key, raw_value, type(getattr(cls(), field.name)))
        return cls(**chosen)

    def merged(self, values: Mapping[str, Any]) -> Settings:
        """These settings with some keys replaced (camelCase config keys, as in `from_mapping`)."""
        return Settings.from_mapping({**self.as_config(), **values})

    def as_config(self) -> dict[str, Any]:
        """The settings as camelCase config keys, the form `Pulumi.<stack>.yaml` uses."""
        return {config_key(name): value for name, value in dataclasses.asdict(self).items()}


def config_key(field_name: str) -> str:
    """`max_items_per_batch` -> `maxItemsPerBatch`."""
    head, *rest = field_name.split("_")
    return head + "".join(part.title() for part in rest)


def _coerce(key: str, value: Any, kind: type) -> Any:
    # Pulumi config values arrive as strings; YAML may give real types. Accept both, reject the ambiguous.
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError
        if kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise InvalidSettings(f"setting {key!r} must be a {kind.__name__}, got {value!r}") from None


def _check(ok: object, key: str, expected: str) -> None:
    if not ok:
        raise InvalidSettings(f"setting {key!r} must be {expected}")

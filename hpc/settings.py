"""Every tunable of a deployment, with its default and what AWS allows, in one place.

The Pulumi stack reads these from stack config (`hpc:<camelCaseKey>`), the local engine and `hpc estimate` read the
same keys from `Pulumi.<stack>.yaml` (hpc/stack_config.py builds both from the same config mapping), and the state
machine definition is built from the result, so a local run and a cloud run follow the same numbers and are refused
for the same values.

Adding a setting is one line in `Settings`: a typed field whose default is `setting(default, allowed)`. The type
annotation says how a config value is read (int, float, bool, str, `X | None` for optional, `tuple[str, ...]` for a
list of strings), `allowed` says what AWS accepts; the config key, the checks and the error messages follow from them.
Rules that tie two settings together go in RELATIONS below the class.

`Settings` and its rules are NamedTuples, not dataclasses: every `hpc run` builds them at start-up, and creating a
dataclass runs generated code (the `dataclasses` module and what it imports cost as much again).
"""

from __future__ import annotations

import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from handlers.datasets import parse_grant
from hpc.outcome import Refused

EXECUTION_TYPES = ("STANDARD", "EXPRESS")
LOG_LEVELS = ("OFF", "ERROR", "FATAL", "ALL")
# The only values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
LOG_RETENTION_DAYS += (2192, 2557, 2922, 3288, 3653)
LAMBDA_NAME_LIMIT = 64
LONGEST_FUNCTION_SUFFIX = len("-compute")  # functions are "<stateMachineName>-start", "-compute", "-sum"
STATE_MACHINE_NAME_LIMIT = LAMBDA_NAME_LIMIT - LONGEST_FUNCTION_SUFFIX
EXPRESS_LIMIT_SECONDS = 300  # an Express child execution stops at 5 minutes, whatever its Lambda's timeout
REDRIVE_WINDOW_DAYS = 14  # AWS allows RedriveExecution for 14 days after an execution ends
MAP_CONCURRENCY_LIMIT = 10_000  # parallel children of one Map Run (hard limit)
ITEM_READER_LIMIT = 100_000_000  # items one Distributed Map's ItemReader reads
ASL_INTEGER_LIMIT = 99_999_999  # the ASL schema's bound on Retry's IntervalSeconds and MaxAttempts
MAX_DELAY_LIMIT = 31_622_400  # Retry's MaxDelaySeconds must be below 31,622,401 (one year)
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"


class InvalidSettings(Refused):
    """A configuration value is unknown, of the wrong type or out of range."""


class Allowed(Protocol):
    """What a setting accepts; `str()` of it completes "must be ..." in an error message."""

    def admits(self, value: Any) -> bool: ...


class Between(NamedTuple):
    low: float | None = None
    high: float | None = None
    why: str = ""
    whole: bool = False  # a whole number, even in a float field

    def admits(self, value: Any) -> bool:
        if self.whole and not float(value).is_integer():
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        if self.high is None:
            bound = f"at least {self.low:,}"
        elif self.low is None:
            bound = f"at most {self.high:,}"
        else:
            bound = f"between {self.low:,} and {self.high:,}"
        bound = f"a whole number {bound}" if self.whole else bound
        return f"{bound} ({self.why})" if self.why else bound


class OneOf(NamedTuple):
    values: tuple[Any, ...]
    why: str = ""

    def admits(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        listed = " or ".join(str(value) for value in self.values)
        return f"one of {listed}" + (f" ({self.why})" if self.why else "")


class Matches(NamedTuple):
    pattern: str
    description: str

    def admits(self, value: Any) -> bool:
        return re.fullmatch(self.pattern, value) is not None

    def __str__(self) -> str:
        return self.description


class Each(NamedTuple):
    """Every element of a list setting is allowed by `rule`."""

    rule: Allowed

    def admits(self, value: Any) -> bool:
        return all(self.rule.admits(element) for element in value)

    def __str__(self) -> str:
        return f"a list, each element {self.rule}"


class DataGrant:
    """A `dataBuckets` entry: `bucket` or `bucket/prefix` (handlers.datasets reads it the same way at run time)."""

    def admits(self, value: Any) -> bool:
        try:
            parse_grant(value)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        return "`bucket` or `bucket/prefix`, with an S3 bucket name (3-63 of a-z 0-9 . -)"


_declared: list[Allowed | None] = []  # what each field of Settings accepts, in the order the fields are declared


def setting(default: Any, allowed: Allowed | None = None) -> Any:
    """A field of `Settings`: its default and what it accepts (beyond its type), which ALLOWED maps it to."""
    _declared.append(allowed)
    return default


class Settings(NamedTuple):
    """Tunables of one deployment. Field `max_items_per_batch` is config key `maxItemsPerBatch`, and so on.

    Built in code (`Settings(max_items=5)`) or from config, every value is checked (see `_checked_new` below)."""

    state_machine_name: str = setting(
        "hpc",
        Matches(
            rf"[A-Za-z0-9_-]{{1,{STATE_MACHINE_NAME_LIMIT}}}",
            f"1 to {STATE_MACHINE_NAME_LIMIT} of A-Z a-z 0-9 _ - (it also names the functions <name>-compute etc., "
            f"and Lambda names stop at {LAMBDA_NAME_LIMIT})",
        ),
    )
    """Explicit name, so the role can name the machine's ARN without a dependency cycle. Stack config defaults it to
    `hpc-<stack>` (hpc/stack_config.py), so two stacks can share an account and Region."""
    max_items_per_batch: int = setting(128, Between(1))
    """ItemBatcher size; 1 turns batching off (one child execution per item). Data Maps over rows use
    max_rows_per_batch instead."""
    max_rows_per_batch: int = setting(1024, Between(1))
    """ItemBatcher size of the Maps over rows: a CSV object's rows, a JSON Lines object's lines, a JSON array
    object's elements. Rows are small, so a child takes many (each batch also stops at 255 KiB, asl/definition.py)
    and a dataset costs fewer child executions and invocations; 1 turns batching off for them."""
    max_concurrency: int = setting(1000, Between(0, MAP_CONCURRENCY_LIMIT, "0 means up to 10,000, the hard limit"))
    """Child executions running at once (Lambda's default account concurrency is 1,000)."""
    tolerated_failure_percentage: float = setting(0.0, Between(0, 100, "AWS's ASL schema types it integer", whole=True))
    """0: any failed item fails the run, because an exact answer needs every item. A float field holding a whole
    number: the definition carries it as 5.0, which both AWS's schema (JSON Schema integers include 5.0) and moto's
    ASL grammar (which takes only decimals here) accept."""
    execution_type: str = setting("STANDARD", OneOf(EXECUTION_TYPES))
    """Child workflow type: STANDARD (exactly-once, per-transition price) or EXPRESS (per-request price)."""
    max_items: int = setting(1_000_000, Between(1, ITEM_READER_LIMIT, "what one ItemReader reads"))
    """Largest job the start function accepts."""
    retry_max_attempts: int = setting(6, Between(0, ASL_INTEGER_LIMIT))
    retry_interval_seconds: int = setting(1, Between(1, ASL_INTEGER_LIMIT))
    retry_backoff_rate: float = setting(2.0, Between(1.0))
    retry_max_delay_seconds: int = setting(30, Between(1, MAX_DELAY_LIMIT))
    start_memory_mb: int = setting(256, Between(128, 10240, "Lambda's memory range"))
    start_timeout_seconds: int = setting(60, Between(1, 900, "Lambda's 15 minutes"))
    compute_memory_mb: int = setting(1769, Between(128, 10240, "Lambda's memory range"))
    """1,769 MB buys one full vCPU: the kernels are single-threaded, so more memory only costs more."""
    compute_timeout_seconds: int = setting(900, Between(1, 900, "Lambda's 15 minutes"))
    compute_reserved_concurrency: int | None = setting(None, Between(1))
    """Concurrency reserved for the compute function: unset, it shares the account's pool (1,000 by default) with
    every other function, and a large Map can throttle them all. Set, it caps compute and maxConcurrency must fit."""
    sum_memory_mb: int = setting(1024, Between(128, 10240, "Lambda's memory range"))
    sum_timeout_seconds: int = setting(900, Between(1, 900, "Lambda's 15 minutes"))
    log_retention_days: int = setting(14, OneOf(LOG_RETENTION_DAYS, "the retention periods CloudWatch Logs accepts"))
    log_level: str = setting("ERROR", OneOf(LOG_LEVELS))
    tracing: bool = setting(False)
    """X-Ray tracing of the state machine and of the three functions."""
    results_expire_days: int = setting(
        15,
        Between(
            REDRIVE_WINDOW_DAYS + 1,
            None,
            "a redrive, allowed for 14 days after an execution ends, rereads the run's item list and results",
        ),
    )
    alarm_email: str = setting("", Matches(f"|{EMAIL}", "an email address, or empty for none"))
    """Subscribed to the alarm on failed or timed-out executions (it must confirm AWS's email); empty: no email."""
    data_buckets: tuple[str, ...] = setting((), Each(DataGrant()))
    """Buckets (`bucket`) or prefixes (`bucket/prefix`) data jobs may read; the roles may read exactly these."""

    def check(self) -> None:
        """InvalidSettings naming the first value of the wrong type, out of what AWS allows, or against a relation."""
        hints = _type_hints(type(self))
        for name, value in zip(self._fields, self, strict=True):
            _check_type(config_key(name), value, hints[name])
            allowed = ALLOWED[name]
            if allowed is not None and value is not None and not allowed.admits(value):
                raise InvalidSettings(f"setting {config_key(name)!r} must be {allowed}, got {_show(value)}")
        for relation in RELATIONS:
            complaint = relation(self)
            if complaint:
                raise InvalidSettings(complaint)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        """Build from camelCase config keys (with or without the `hpc:` namespace); unknown keys are an error."""
        by_key = {config_key(name): name for name in cls._fields}
        hints = _type_hints(cls)
        chosen: dict[str, Any] = {}
        for raw_key, raw_value in values.items():
            key = raw_key.removeprefix("hpc:")
            name = by_key.get(key)
            if name is None:
                raise InvalidSettings(
                    f"unknown setting {raw_key!r}{_suggestion(key, by_key)}; known: {', '.join(by_key)}"
                )
            chosen[name] = _coerce(key, raw_value, hints[name])
        return cls(**chosen)

    def merged(self, values: Mapping[str, Any]) -> Settings:
        """These settings with some keys replaced (camelCase config keys, as in `from_mapping`)."""
        return type(self).from_mapping({**self.as_config(), **values})

    def as_config(self) -> dict[str, Any]:
        """The settings as camelCase config keys, the form `Pulumi.<stack>.yaml` uses."""
        return {
            config_key(name): list(value) if isinstance(value, tuple) else value
            for name, value in zip(self._fields, self, strict=True)
        }


ALLOWED: dict[str, Allowed | None] = dict(zip(Settings._fields, _declared, strict=True))  # every field is a setting()
_declared_new = Settings.__new__


def _checked_new(cls: type[Settings], *args: Any, **kwargs: Any) -> Settings:
    settings = _declared_new(cls, *args, **kwargs)
    settings.check()
    return settings


# What a dataclass's __post_init__ did: every Settings(...) is checked. Set on the class after it is made, because a
# NamedTuple's body may not define __new__; type checkers still see the fields' own signature.
Settings.__new__ = staticmethod(_checked_new)  # type: ignore[assignment,method-assign]


def _express_children_fit_in_five_minutes(settings: Settings) -> str | None:
    if settings.execution_type == "EXPRESS" and settings.compute_timeout_seconds > EXPRESS_LIMIT_SECONDS:
        return (
            f"setting 'computeTimeoutSeconds' must be at most {EXPRESS_LIMIT_SECONDS} with executionType EXPRESS "
            f"(an Express child stops at 5 minutes), got {settings.compute_timeout_seconds}"
        )
    return None


def _map_concurrency_fits_the_reservation(settings: Settings) -> str | None:
    reserved = settings.compute_reserved_concurrency
    if reserved is not None and not 1 <= settings.max_concurrency <= reserved:
        return (
            f"setting 'maxConcurrency' must be between 1 and computeReservedConcurrency ({reserved}), so the Map "
            f"never asks for more compute calls than are reserved, got {settings.max_concurrency}"
        )
    return None


# Rules between settings: each returns the complaint, or None when the settings agree.
RELATIONS: list[Callable[[Settings], str | None]] = [
    _express_children_fit_in_five_minutes,
    _map_concurrency_fits_the_reservation,
]


def config_key(field_name: str) -> str:
    """`max_items_per_batch` -> `maxItemsPerBatch`."""
    head, *rest = field_name.split("_")
    return head + "".join(part.title() for part in rest)


def known_keys() -> list[str]:
    """Every setting's config key, in declaration order."""
    return [config_key(name) for name in Settings._fields]


_HINTS: dict[type, dict[str, Any]] = {}


def _type_hints(cls: type) -> dict[str, Any]:
    """Each field's type, resolved once per class (annotations are strings under `from __future__`)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _kind_name(hint: Any) -> str:
    optional, base = _unwrap_optional(hint)
    if typing.get_origin(base) is tuple:
        name = "a list of strings"
    else:
        name = {int: "an integer", float: "a finite number", bool: "true or false", str: "a string"}[base]
    return f"{name} (or unset)" if optional else name


def _unwrap_optional(hint: Any) -> tuple[bool, Any]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (base,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return True, base
    return False, hint


def _coerce(key: str, value: Any, hint: Any) -> Any:
    """A config value as the field's type. Pulumi hands every value over as a string; YAML gives real types."""
    optional, base = _unwrap_optional(hint)
    if value is None or (optional and value == ""):
        if optional:
            return None
        raise InvalidSettings(f"setting {key!r} must be {_kind_name(hint)}, got null")
    try:
        if typing.get_origin(base) is tuple:
            if isinstance(value, str):
                # structured Pulumi config (`config set --path 'k[0]' v`) arrives as JSON text; `--set k=a,b` is a list
                text = value.strip()
                value = json.loads(text) if text.startswith("[") else [part.strip() for part in text.split(",") if part]
            if not isinstance(value, list | tuple) or not all(isinstance(element, str) for element in value):
                raise ValueError
            return tuple(value)
        if base is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError
        if base is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            if isinstance(value, str):
                value = value.strip()
                if not re.fullmatch(r"[+-]?\d+(\.0*)?", value):
                    raise ValueError
                value = value.split(".")[0]
            return int(value)
        if base is float:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            return number
        if isinstance(value, dict | list | bool):
            raise ValueError
        return str(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidSettings(f"setting {key!r} must be {_kind_name(hint)}, got {_show(value)}") from None


def _check_type(key: str, value: Any, hint: Any) -> None:
    """Settings built directly in code (Settings(maxItems=...)) get the same type checks as config values."""
    optional, base = _unwrap_optional(hint)
    if value is None and optional:
        return
    expected = tuple if typing.get_origin(base) is tuple else base
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        raise InvalidSettings(f"setting {key!r} must be {_kind_name(hint)}, got {_show(value)}")


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, tuple) else repr(list(value))


def _suggestion(key: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

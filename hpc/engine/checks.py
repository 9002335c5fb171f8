"""Small checks the definition validation and every state kind's `check` share, each naming the field it refuses.

`InvalidDefinition` is a mistake AWS would refuse too; `UnsupportedDefinition` (via `unsupported`) is valid for AWS
but not emulated by this engine. Both messages start with the full path of the field, e.g.
"States.Compute.ItemReader.ReaderConfig.CSVHeaders: not emulated by the local engine".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from hpc.engine import paths, templates
from hpc.engine.errors import InvalidDefinition, UnsupportedDefinition

if TYPE_CHECKING:
    from datetime import datetime

COMMON = frozenset({"Type", "Comment", "QueryLanguage"})
FLOW = frozenset({"Next", "End"})
IO = frozenset({"InputPath", "OutputPath"})


def unsupported(where: str, detail: str = "not emulated by the local engine") -> UnsupportedDefinition:
    return UnsupportedDefinition(f"{where}: {detail}")


def only(mapping: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = set(allowed)
    for key in mapping:
        if key not in allowed:
            raise unsupported(f"{where}.{key}" if where else key)


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidDefinition(f"{where}: must be a JSON object")
    return value


def path(value: Any, where: str) -> None:
    try:
        paths.check(value)
    except InvalidDefinition as error:
        raise InvalidDefinition(f"{where}: {error}") from None


def reference_path(value: Any, where: str) -> None:
    path(value, where)
    if paths.is_context_path(value) or not paths.is_definite(value):
        raise InvalidDefinition(f"{where}: {value!r} must be a reference path ($ followed by fields and indexes only)")


def template(value: Any, where: str) -> None:
    templates.check(obj(value, where), where)


def expression(value: Any, where: str) -> None:
    templates.check_expression(value, where)


def number(
    mapping: Mapping[str, Any],
    key: str,
    where: str,
    *,
    minimum: float,
    maximum: float | None = None,
    integer: bool = False,
) -> None:
    if key not in mapping:
        return
    value = mapping[key]
    kinds = (int,) if integer else (int, float)
    if (
        isinstance(value, bool)
        or not isinstance(value, kinds)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidDefinition(
            f"{where}.{key}: must be {'an integer' if integer else 'a number'} {bound}, got {value!r}"
        )


def exclusive(mapping: Mapping[str, Any], keys: Iterable[str], where: str, *, required: bool = False) -> str | None:
    """The one of `keys` in `mapping` (None if none); InvalidDefinition if several are, or none when required."""
    present = [key for key in keys if key in mapping]
    if len(present) > 1 or (required and not present):
        names = ", ".join(keys)
        raise InvalidDefinition(f"{where}: needs {'exactly' if required else 'at most'} one of {names}")
    return present[0] if present else None


def s3_parameters(value: Any, names: tuple[str, ...], required: tuple[str, ...], where: str) -> None:
    """Parameters holding only `names` (an ItemReader's Bucket/Key/Prefix, a ResultWriter's Bucket/Prefix), each static
    (a string) or dynamic (`Name.$`, a path or intrinsic)."""
    parameters = obj(value, where)
    only(parameters, {name + suffix for name in names for suffix in ("", ".$")}, where)
    for name in names:
        if name in parameters and name + ".$" in parameters:
            raise InvalidDefinition(f"{where}: {name} and {name}.$ are exclusive")
        if name + ".$" in parameters:
            expression(parameters[name + ".$"], f"{where}.{name}.$")
        elif name in parameters and not isinstance(parameters[name], str):
            raise InvalidDefinition(f"{where}.{name}: must be a string")
        elif name not in parameters and name in required:
            raise InvalidDefinition(f"{where}: needs {name} (or {name}.$)")


def state_name(value: Any, where: str, states: Mapping[str, Any]) -> None:
    if value not in states:
        raise InvalidDefinition(f"{where}: {value!r} is not a state")


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as Step Functions accepts it (`2016-03-14T01:59:00Z`, optional fraction, `Z` or an
    offset, uppercase `T`); None for anything else."""
    if not isinstance(value, str) or len(value) < 20 or value[10] != "T":
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    from datetime import datetime  # here, not at import: only timestamp fields need it, and few runs have any

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None

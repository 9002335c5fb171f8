"""Workloads: what the compute function computes. A workload is one module in this package, nothing else.

To add a workload, add a module here (its file name is free; names starting with `_` are skipped) defining:

- `NAME: str` -- the value of the execution input's `"workload"` field, e.g. `"s3-keys"`.
- `DESCRIPTION: str` -- one line for listings.
- `OPTIONS: dict[str, str]` -- input fields the workload accepts besides `"workload"` and `"size"`, each with a one-line
  description. Any other field is refused before the job starts.
- `parse(size: int, options: dict) -> dict` -- check the options (raise `handlers.errors.InvalidInput` with a message
  the user can act on) and return the job's params: `"size"` plus every option, defaults filled in. Must be
  idempotent, because the compute function parses the params it is sent again: `parse(p["size"], rest of p) == p`.
- `items(params) -> Iterable` -- the item values, JSON values (usually small ints). One Map child computes one item,
  or one batch of items.
- `compute(items: list, params) -> partial` -- the partial result of a non-empty list of items, as JSON (integers
  that may exceed 2^53 as strings: Step Functions treats numbers as doubles). A big integer is best carried as
  hexadecimal (`format(n, "x")`, read back with `int(text, 16)`): CPython converts hexadecimal in linear time and
  decimal in quadratic time, so decimal belongs in `present` alone, once (s3-keys does this).
- `combine(partials: list) -> partial` -- one partial from a non-empty list of partials; associative, so batches and
  result files may be reduced in any grouping: `combine([combine(a), combine(b)]) == combine(a + b)`. It takes a list
  rather than a pair so that a reduction converts big decimal strings once per partial, not once per addition.
- `present(partial, params) -> dict` -- the fields of the final output; must include `"result"`.

A module that converts big integers to or from text calls `sys.set_int_max_str_digits(0)` at import: CPython refuses
conversions past 4,300 digits otherwise.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Protocol, cast

from handlers.errors import InvalidInput
from handlers.inputs import integer

DEFAULT = "s3-keys"
GENERIC_FIELDS = ("workload", "size")
_REQUIRED = ("NAME", "DESCRIPTION", "OPTIONS", "parse", "items", "compute", "combine", "present")


class Workload(Protocol):
    NAME: str
    DESCRIPTION: str
    OPTIONS: dict[str, str]

    def parse(self, size: int, options: dict[str, Any]) -> dict[str, Any]: ...
    def items(self, params: dict[str, Any]) -> Iterable[Any]: ...
    def compute(self, items: list[Any], params: dict[str, Any]) -> Any: ...
    def combine(self, partials: list[Any]) -> Any: ...
    def present(self, partial: Any, params: dict[str, Any]) -> dict[str, Any]: ...


@cache
def registry() -> dict[str, Workload]:
    """Every workload module in this package, by NAME."""
    found: dict[str, Workload] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        missing = [attribute for attribute in _REQUIRED if not hasattr(module, attribute)]
        if missing:
            raise TypeError(f"workload module {module.__name__} lacks {', '.join(missing)} (see {__name__})")
        if module.NAME in found:
            raise TypeError(f"two workload modules are named {module.NAME!r}")
        found[module.NAME] = cast(Workload, module)
    return found


def get(name: Any) -> Workload:
    known = registry()
    if not isinstance(name, str) or name not in known:
        raise InvalidInput(f"unknown workload {name!r}; known workloads: {', '.join(sorted(known))}")
    return known[name]


def params_for(workload: Workload, fields: Mapping[str, Any], *, max_items: int | None = None) -> dict[str, Any]:
    """Check an input's fields (or a job's params) against the workload and return the normalized params.

    A warm process checks the same job's params for every batch it computes, so the outcome for params it has seen
    is remembered (parse is pure and idempotent); a refusal is never remembered, so it is always raised afresh.
    """
    try:
        # Types are part of the key: True == 1 and 1.0 == 1 in Python, but a boolean size is refused.
        key = (workload.NAME, max_items, frozenset((name, type(value), value) for name, value in fields.items()))
    except TypeError:  # an unhashable field value (a list or object): check it every time
        return _checked_params(workload, fields, max_items)
    known = _known_params.get(key)
    if known is None:
        known = _checked_params(workload, fields, max_items)
        if len(_known_params) >= _KNOWN_PARAMS:
            _known_params.clear()
        _known_params[key] = known
    return dict(known)


_KNOWN_PARAMS = 64
_known_params: dict[tuple[Any, ...], dict[str, Any]] = {}


def _checked_params(workload: Workload, fields: Mapping[str, Any], max_items: int | None) -> dict[str, Any]:
    accepted = [*GENERIC_FIELDS, *workload.OPTIONS]
    unknown = sorted(set(fields) - set(accepted))
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {', '.join(map(repr, unknown))} for workload {workload.NAME!r}; "
            f"accepted fields: {', '.join(accepted)}"
        )
    if "size" not in fields:
        raise InvalidInput('size is required: the number of items to compute, e.g. {"size": 1024}')
    limit = "" if max_items is None else " items, the deployment's limit (config key maxItems)"
    size = integer("size", fields["size"], minimum=1, maximum=max_items, why=limit)
    options = {key: value for key, value in fields.items() if key not in GENERIC_FIELDS}
    return workload.parse(size, options)

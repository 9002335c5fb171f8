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

**Data workloads** compute over the user's data instead of generated items. Such a module also defines
`SOURCES: tuple[str, ...]`, the kinds of source it reads, among those of handlers.datasets:
- `"objects"`: every object under an S3 prefix; an item is S3's listing entry
  `{"Etag", "Key", "LastModified", "Size", "StorageClass"}` (open the object with `handlers.store.store()`);
- `"csv"`: the rows of one CSV object, each an object of strings keyed by the header row;
- `"jsonl"`, `"json"`: the lines of a JSON Lines object, the elements of a JSON array object, as JSON values.
It defines no `items`: a data job is `{"workload": NAME, "data": "s3://bucket/prefix-or-key", ...options}` (plus
`"format"`, one of SOURCES, when the name does not tell), `parse` is called with size None and returns the options'
params (the registry adds `"data"` and `"format"`), and `compute` gets the reader's items. The item count is not known
until the Map has read the data, so the sum function counts the items from the Map's result files instead of checking
them against a count the start function made (handlers/coverage.py says why that still refuses every incomplete run).
A data workload's partials may be floating point: `combine` is then associative up to rounding.

A module that converts big integers to or from text calls `sys.set_int_max_str_digits(0)` at import: CPython refuses
conversions past 4,300 digits otherwise.

Libraries. A workload may also define `REQUIREMENTS: list[str]`, the pip requirement specifiers of what `compute` needs
beyond the standard library and boto3, e.g. `["numpy==2.4.6"]`; without it the workload needs nothing, as before.
Pin exact versions: the stack installs every workload's requirements into one Lambda layer for python3.13 arm64
(infra/layer.py, rebuilt only when the list changes), `make setup` installs the same into ./venv, and a local run of a
workload whose requirements this Python lacks is refused with the pip command that adds them. Import such a library
inside `compute` (or what it calls), never at module level: every function imports the registry, and only the compute
function gets the layer, so `parse`, `items`, `combine` and `present` (run by the start and sum functions) must keep
to the standard library.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Protocol, cast

from handlers import datasets
from handlers.errors import InvalidInput
from handlers.inputs import integer

DEFAULT = "s3-keys"
GENERIC_FIELDS = ("workload", "size")
DATA_FIELDS = ("workload", "data", "format")
_REQUIRED = ("NAME", "DESCRIPTION", "OPTIONS", "parse", "compute", "combine", "present")


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
    for name in _module_names():
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        required = _REQUIRED if getattr(module, "SOURCES", ()) else (*_REQUIRED, "items")
        missing = [attribute for attribute in required if not hasattr(module, attribute)]
        if missing:
            raise TypeError(f"workload module {module.__name__} lacks {', '.join(missing)} (see {__name__})")
        if not set(getattr(module, "SOURCES", ())) <= set(datasets.KINDS):
            raise TypeError(f"workload module {module.__name__} names a source kind outside {datasets.KINDS}")
        if not _is_requirement_list(getattr(module, "REQUIREMENTS", [])):
            raise TypeError(f"{module.__name__}.REQUIREMENTS must be a list of pip requirement strings")
        if module.NAME in found:
            raise TypeError(f"two workload modules are named {module.NAME!r}")
        found[module.NAME] = cast(Workload, module)
    return found


def _module_names() -> list[str]:
    """The modules and packages in this package's folder, in name order, as pkgutil.iter_modules lists them (which
    imports `inspect` for it: a fifth of a small `hpc run`'s start-up)."""
    suffixes = sorted(importlib.machinery.all_suffixes(), key=len, reverse=True)  # ".cpython-311-...so" before ".so"
    names: list[str] = []
    for folder in __path__:
        for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
            if entry.is_dir():
                package = "." not in entry.name and os.path.isfile(os.path.join(entry.path, "__init__.py"))
                name = entry.name if package else ""
            else:
                name = next((entry.name[: -len(suffix)] for suffix in suffixes if entry.name.endswith(suffix)), "")
            if name and name != "__init__" and name not in names:
                names.append(name)
    return names


def get(name: Any) -> Workload:
    known = registry()
    if not isinstance(name, str) or name not in known:
        raise InvalidInput(f"unknown workload {name!r}; known workloads: {', '.join(sorted(known))}")
    return known[name]


def sources(workload: Workload) -> tuple[str, ...]:
    """The data source kinds a data workload reads; () for a workload of generated items. Asked once a batch, and
    getattr's miss costs an exception raised and caught, so the answer is remembered (with the workload it is for)."""
    known = _sources.get(id(workload))
    if known is None or known[0] is not workload:
        known = _sources[id(workload)] = (workload, tuple(getattr(workload, "SOURCES", ())))
    return known[1]


_sources: dict[int, tuple[Workload, tuple[str, ...]]] = {}


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
    if sources(workload):
        return _data_params(workload, fields)
    _refuse_unknown(workload, fields, GENERIC_FIELDS)
    if "size" not in fields:
        raise InvalidInput('size is required: the number of items to compute, e.g. {"size": 1024}')
    limit = "" if max_items is None else " items, the deployment's limit (config key maxItems)"
    size = integer("size", fields["size"], minimum=1, maximum=max_items, why=limit)
    options = {key: value for key, value in fields.items() if key not in GENERIC_FIELDS}
    return workload.parse(size, options)


def _data_params(workload: Workload, fields: Mapping[str, Any]) -> dict[str, Any]:
    _refuse_unknown(workload, fields, DATA_FIELDS)
    if "data" not in fields:
        raise InvalidInput(
            f'data is required for workload {workload.NAME!r}: where its data is, e.g. {{"workload": '
            f'"{workload.NAME}", "data": "s3://bucket/prefix/"}} (locally also a file or folder path)'
        )
    location = datasets.locate(fields["data"], sources(workload), fields.get("format"))
    options = {key: value for key, value in fields.items() if key not in DATA_FIELDS}
    return {"data": fields["data"], "format": location.kind, **workload.parse(None, options)}  # type: ignore[arg-type]


def _refuse_unknown(workload: Workload, fields: Mapping[str, Any], generic: tuple[str, ...]) -> None:
    accepted = [*generic, *workload.OPTIONS]
    unknown = sorted(set(fields) - set(accepted))
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {', '.join(map(repr, unknown))} for workload {workload.NAME!r}; "
            f"accepted fields: {', '.join(accepted)}"
        )


def requirements_of(workload: Workload) -> list[str]:
    """The workload's pip requirement specifiers; none for a workload that declares no REQUIREMENTS."""
    return list(getattr(workload, "REQUIREMENTS", []))


def all_requirements() -> list[str]:
    """Every workload's requirements, each once, sorted: what the Lambda layer and the local venv install."""
    return sorted({requirement for workload in registry().values() for requirement in requirements_of(workload)})


def _is_requirement_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(entry, str) and entry.strip() for entry in value)

"""ItemReader: the Distributed Map's items, read from the local store as S3 would serve them, one module per source.

- `arn:aws:states:::s3:getObject` with ReaderConfig.InputType JSON (json_array), JSONL (json_lines) or CSV
  (csv_rows): the items of one object;
- `arn:aws:states:::s3:listObjectsV2` (listing): one item per object under a prefix.

Every source is a generator, `read_items(reader, data, context, store_root) -> Iterator[item]`: it yields items as it
parses them and never holds the whole object or listing, so a 10 GB object costs the memory of one item. Errors met
while reading (a missing object, a malformed line) are raised during iteration as States.ItemReaderFailed, naming the
object and, where there is one, the line or row. Each source checks its own fields before any run (`check`), and
anything the engine does not emulate is refused naming the field.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hpc.engine import checks
from hpc.engine.item_reader.objects import S3_GET_OBJECT, S3_LIST_OBJECTS

# Each source's module is imported when a reader of its kind is first checked, so a run pays only for the sources
# its definition uses (csv, hashlib...), and a definition without an ItemReader for none.
_BY_INPUT_TYPE = {"JSON": "json_array", "JSONL": "json_lines", "CSV": "csv_rows"}
_LISTING = "listing"


def read_items(reader: dict[str, Any], data: Any, context: dict[str, Any], store_root: Path) -> Iterator[Any]:
    """The Map's items, lazily; `reader` has passed `check`."""
    return _source(reader).read_items(reader, data, context, store_root)


def check(reader: Any, where: str) -> None:
    """InvalidDefinition / UnsupportedDefinition naming the field, for a reader the engine cannot run as AWS would."""
    checks.only(checks.obj(reader, where), ("Resource", "ReaderConfig", "Parameters"), where)
    resource = reader.get("Resource")
    if resource not in (S3_GET_OBJECT, S3_LIST_OBJECTS):
        raise checks.unsupported(
            f"{where}.Resource",
            f"{resource!r} is not emulated by the local engine (only {S3_GET_OBJECT} and {S3_LIST_OBJECTS})",
        )
    config = checks.obj(reader.get("ReaderConfig", {}), f"{where}.ReaderConfig")
    if resource == S3_GET_OBJECT and config.get("InputType") not in _BY_INPUT_TYPE:
        raise checks.unsupported(
            f"{where}.ReaderConfig.InputType",
            f"{config.get('InputType')!r} is not emulated by the local engine (only {', '.join(_BY_INPUT_TYPE)})",
        )
    source = _source(reader)
    source.check_config(config, f"{where}.ReaderConfig")
    checks.s3_parameters(reader.get("Parameters"), source.PARAMETERS, source.REQUIRED, f"{where}.Parameters")


def _source(reader: dict[str, Any]) -> Any:
    if reader.get("Resource") == S3_LIST_OBJECTS:
        name = _LISTING
    else:
        name = _BY_INPUT_TYPE[reader.get("ReaderConfig", {}).get("InputType")]
    return importlib.import_module(f"{__name__}.{name}")

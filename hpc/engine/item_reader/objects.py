"""What every ItemReader source shares: its S3 parameters, opening an object, MaxItems, and its errors.

A failure while reading is States.ItemReaderFailed with a Cause in the words S3 and Step Functions use (NoSuchKey,
AccessDenied), naming the object as `s3://bucket/key` (or, for a mounted local dataset, the file's path).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from handlers.store import LocalStore, ObjectMissing
from hpc.engine import checks, templates
from hpc.engine.errors import StatesError

S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
S3_LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
READER_FAILED = "States.ItemReaderFailed"
MAX_ITEMS_LIMIT = 100_000_000  # AWS: a Map Run reads at most 100 million items


def failed(cause: str) -> StatesError:
    # located: AWS prefixes the cause with the state that failed, which the interpreter adds
    return StatesError(READER_FAILED, cause, located=True)


def parameters(reader: dict[str, Any], data: Any, context: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """The reader's Parameters evaluated on the Map's input, as strings in the order of `names` ("" when absent)."""
    evaluated = templates.evaluate(reader.get("Parameters", {}), data, context)
    values = []
    for name in names:
        value = evaluated.get(name, "")
        if not isinstance(value, str):
            raise failed(f"The ItemReader's {name} must be a string, got {value!r}")
        values.append(value)
    return values


def open_object(store: LocalStore, bucket: str, key: str) -> io.BufferedReader:
    """The object's bytes, or ItemReaderFailed as S3 would answer GetObject."""
    try:
        return store.open(bucket, key)
    except ObjectMissing:
        raise failed(
            f"The specified key does not exist. (Service: S3, Status Code: 404, Error Code: NoSuchKey) "
            f"Object: {store.name(bucket, key)}"
        ) from None
    except PermissionError:
        raise failed(
            f"Access Denied (Service: S3, Status Code: 403, Error Code: AccessDenied) Object: {store.name(bucket, key)}"
        ) from None
    except (OSError, ValueError) as error:
        raise failed(f"Cannot read {store.name(bucket, key)}: {error}") from None


def capped(items: Iterable[Any], config: dict[str, Any]) -> Iterator[Any]:
    """ReaderConfig.MaxItems: at most that many items, and the object is read no further."""
    limit = config.get("MaxItems")
    return iter(items) if limit is None else itertools.islice(items, limit)


def check_max_items(config: dict[str, Any], where: str) -> None:
    """MaxItems (1 to 100 million) or MaxItemsPath (made MaxItems before the reader runs: hpc.engine.map_settings)."""
    checks.exclusive(config, ("MaxItems", "MaxItemsPath"), where)
    checks.number(config, "MaxItems", where, minimum=1, maximum=MAX_ITEMS_LIMIT, integer=True)
    if "MaxItemsPath" in config:
        checks.path(config["MaxItemsPath"], f"{where}.MaxItemsPath")


def store_for(store_root: Path) -> LocalStore:
    return LocalStore(store_root)

"""Where a data job's items come from: the execution input's `"data"` field, checked against what the stack may read.

`"data"` is an S3 URI: `s3://bucket/prefix/` (every object under the prefix, one item each) or `s3://bucket/key`
(the rows of a CSV object, the lines of a JSON Lines object, the elements of a JSON array object). Locally, `hpc run`
also takes a file or folder path there and mounts it in the engine's store as a bucket (hpc.local), so the same check
applies to both.

The buckets a stack may read are stack config `hpc:dataBuckets` (entries `bucket` or `bucket/prefix`), which also
scopes the IAM grants (infra/iam.py); the start function refuses any other location with InvalidInput naming that
key, before the Map starts -- and without listing or reading anything, which is the Map's ItemReader's job.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from handlers.errors import InvalidInput
from handlers.inputs import describe

CONFIG_KEY = "dataBuckets"
# S3's rules for general purpose bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# Which reader each kind of source uses (asl/definition.py routes on it): a listing, or one object read as ...
KINDS = ("objects", "csv", "jsonl", "json")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


class Grant(NamedTuple):
    """One `dataBuckets` entry: a whole bucket (prefix "") or the keys under `prefix`, which ends with "/"."""

    bucket: str
    prefix: str

    def covers(self, bucket: str, key_or_prefix: str) -> bool:
        return bucket == self.bucket and key_or_prefix.startswith(self.prefix)


class Location(NamedTuple):
    bucket: str
    key: str
    """An object's key, or for kind "objects" the prefix to list ("" for the whole bucket)."""
    kind: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def reader_parameters(self) -> dict[str, str]:
        """The ItemReader's Parameters: Bucket and Prefix for a listing, Bucket and Key for one object."""
        name = "Prefix" if self.kind == "objects" else "Key"
        return {"Bucket": self.bucket, name: self.key}


def parse_grant(entry: Any) -> Grant:
    """`bucket` or `bucket/prefix` (a trailing "/" is implied: `b/logs` grants `logs/...`, not `logs-old/...`)."""
    text = entry if isinstance(entry, str) else ""
    bucket, _, prefix = text.strip().removeprefix("s3://").partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket or ".." in prefix.split("/"):
        raise ValueError(
            f"{CONFIG_KEY} entries must be `bucket` or `bucket/prefix` with an S3 bucket name, got {entry!r}"
        )
    prefix = prefix.strip("/")
    return Grant(bucket, prefix + "/" if prefix else "")


def locate(data: Any, kinds: tuple[str, ...], form: Any = None) -> Location:
    """The source a `"data"` field names, read as one of `kinds` (the workload's); `form` is the optional `"format"`."""
    if not isinstance(data, str) or not data.startswith("s3://"):
        raise InvalidInput(
            f'data must be an S3 URI, "s3://bucket/prefix/" or "s3://bucket/key", got {describe(data)} '
            "(locally, `hpc run` also takes a file or folder path)"
        )
    bucket, _, key = data.removeprefix("s3://").partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise InvalidInput(f"data names {bucket!r}, which is not an S3 bucket name ({data})")
    kind = _kind(data, key, kinds, form)
    if kind != "objects" and (not key or key.endswith("/")):
        raise InvalidInput(f"data must name one object for format {kind!r}, got the prefix {data}")
    return Location(bucket, key, kind)


def _kind(data: str, key: str, kinds: tuple[str, ...], form: Any) -> str:
    if form is not None:
        if form not in kinds:
            raise InvalidInput(f"format must be one of {', '.join(map(repr, kinds))} for this workload, got {form!r}")
        return str(form)
    if len(kinds) == 1:
        return kinds[0]
    suffix = "." + key.rpartition(".")[2].lower() if "." in key.rpartition("/")[2] else ""
    if suffix in _EXTENSIONS and _EXTENSIONS[suffix] in kinds:
        return _EXTENSIONS[suffix]
    raise InvalidInput(
        f'cannot tell how to read {data} from its name; add "format": one of {", ".join(map(repr, kinds))}'
    )


def check_allowed(location: Location, grants: list[Grant]) -> None:
    """InvalidInput naming the config key unless a `dataBuckets` entry covers the location."""
    if any(grant.covers(location.bucket, location.key) for grant in grants):
        return
    allowed = ", ".join(grant.bucket + ("/" + grant.prefix if grant.prefix else "") for grant in grants) or "none"
    raise InvalidInput(
        f"this stack may not read {location.uri}: add it to the stack config key {CONFIG_KEY} "
        f"(`pulumi config set --path 'hpc:{CONFIG_KEY}[0]' {location.bucket}`, then `pulumi up`); "
        f"readable now: {allowed}"
    )

"""Makes moto 5.2's listObjectsV2 ItemReader hand out the items Step Functions documents.

What moto does (stepfunctions/parser/.../item_reader/eval/resource_eval_s3.py): one ListObjectsV2 call, its
`Contents` entries passed on as boto3 returns them -- `ETag` (not `Etag`), `LastModified` a datetime (which then
cannot be serialized into the child's input), `ChecksumAlgorithm` -- only the first 1,000 objects, and a KeyError for
a prefix with no objects. What Step Functions documents (AWS-FACTS.md, ItemReader sources): every object under the
prefix, each `{"Etag", "Key", "LastModified": <epoch seconds>, "Size", "StorageClass"}`. This replaces the one
handler so that moto's interpreter runs the listing Map with those items; nothing else of moto changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (
    ResourceEvalS3,
)


def list_objects_as_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    def handle_list_objects_v2(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        s3 = ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        parameters = env.stack.pop()
        items = [
            {
                "Etag": entry["ETag"],
                "Key": entry["Key"],
                "LastModified": int(entry["LastModified"].timestamp()),
                "Size": entry["Size"],
                "StorageClass": entry.get("StorageClass", "STANDARD"),
            }
            for page in s3.get_paginator("list_objects_v2").paginate(**parameters)
            for entry in page.get("Contents", [])
        ]
        env.stack.append(items)

    monkeypatch.setattr(ResourceEvalS3, "_handle_list_objects_v2", staticmethod(handle_list_objects_v2))

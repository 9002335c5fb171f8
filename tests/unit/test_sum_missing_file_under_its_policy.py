"""A missing result file is IncompleteResults under the sum role's exact policy, not a raw AccessDenied.

S3 answers a GetObject of a missing key with 404 NoSuchKey only when s3:ListBucket applies to that GetObject request;
otherwise with 403 AccessDenied (S3 user guide, "GetObject": permissions). The sum role's ListBucket carries a
condition on `s3:prefix`, a key only a listing request has; IAM evaluates a condition on a key the request does not
carry as false, so for a GetObject the statement never applies and every missing file is a 403.

moto does not evaluate IAM policies, so `PolicedS3` below plays S3's part over moto's S3: it evaluates the policy
infra/iam.py builds for the sum role, with the request context AWS would give (no `s3:prefix` for GetObject, the
request's Prefix for ListObjectsV2), and answers as S3 documents. The store must then tell a missing file (a
permitted listing shows it absent) from a real lack of permission (which stays AccessDenied).
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from handlers import store as store_module
from handlers import sum as sum_handler
from handlers.errors import IncompleteResults
from handlers.store import AccessDenied, ObjectMissing, S3Store
from infra.iam import Account, sum_function_policy

ACCOUNT = Account("aws", "us-east-1", "123456789012")
BUCKET = "hpc-results-1"
RUN = "results/exec-1/map-run-1"


def allows(policy: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    """IAM's answer for one request: an Allow whose action, resource and every condition match (no Deny here)."""
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        if not any(fnmatch.fnmatchcase(action, pattern) for pattern in statement["Action"]):
            continue
        if not any(fnmatch.fnmatchcase(resource, pattern) for pattern in statement["Resource"]):
            continue
        if all(
            condition_holds(operator, key, values, context)
            for operator, tests in statement.get("Condition", {}).items()
            for key, values in tests.items()
        ):
            return True
    return False


def condition_holds(operator: str, key: str, values: list[str], context: dict[str, str]) -> bool:
    if operator not in ("StringLike", "StringEquals"):
        raise NotImplementedError(f"this test evaluates StringLike and StringEquals only, not {operator}")
    if key not in context:
        return False  # IAM: a condition on a key absent from the request context does not match
    match = fnmatch.fnmatchcase if operator == "StringLike" else str.__eq__
    return any(match(context[key], value) for value in values)


class PolicedS3:
    """moto's S3 client, answering as S3 does for a caller holding `policy`."""

    def __init__(self, client: Any, policy: dict[str, Any]) -> None:
        self.client = client
        self.policy = policy
        self.exceptions = client.exceptions

    def _denied(self, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, operation)

    def get_object(self, *, Bucket: str, Key: str) -> Any:
        if not allows(self.policy, "s3:GetObject", f"arn:aws:s3:::{Bucket}/{Key}", {}):
            raise self._denied("GetObject")
        try:
            return self.client.get_object(Bucket=Bucket, Key=Key)
        except self.client.exceptions.NoSuchKey:
            # The GetObject request context has no s3:prefix: does ListBucket apply to it anyway?
            if allows(self.policy, "s3:ListBucket", f"arn:aws:s3:::{Bucket}", {}):
                raise
            raise self._denied("GetObject") from None

    def list_objects_v2(self, *, Bucket: str, Prefix: str = "", **options: Any) -> Any:
        if not allows(self.policy, "s3:ListBucket", f"arn:aws:s3:::{Bucket}", {"s3:prefix": Prefix}):
            raise self._denied("ListObjectsV2")
        return self.client.list_objects_v2(Bucket=Bucket, Prefix=Prefix, **options)


@pytest.fixture
def policed(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        policy = sum_function_policy(ACCOUNT, "/aws/lambda/hpc-dev-sum", BUCKET)
        yield client, PolicedS3(client, policy)


def test_the_policy_really_answers_a_missing_key_with_403(policed: Any):
    # GIVEN the sum role's exact policy: without the store's confirmation, S3's answer is AccessDenied, not NoSuchKey
    _, s3 = policed
    with pytest.raises(ClientError) as answered:
        s3.get_object(Bucket=BUCKET, Key=f"{RUN}/SUCCEEDED_0.json")
    assert answered.value.response["Error"]["Code"] == "AccessDenied"


def test_a_missing_result_file_is_object_missing_and_a_present_one_is_read(policed: Any):
    client, s3 = policed
    client.put_object(Bucket=BUCKET, Key=f"{RUN}/SUCCEEDED_0.json", Body=b"[]")
    # A longer key sharing the missing key's prefix must not make it look present.
    client.put_object(Bucket=BUCKET, Key=f"{RUN}/SUCCEEDED_1.json.tmp", Body=b"x")
    store = S3Store(s3)
    assert store.open(BUCKET, f"{RUN}/SUCCEEDED_0.json").read() == b"[]"
    with pytest.raises(ObjectMissing, match=f"{RUN}/SUCCEEDED_1.json does not exist"):
        store.open(BUCKET, f"{RUN}/SUCCEEDED_1.json")


def test_a_real_lack_of_permission_stays_access_denied(policed: Any):
    # GIVEN a key outside results/, where the sum role may neither read nor list, THEN it is not called missing
    _, s3 = policed
    with pytest.raises(AccessDenied, match="s3://hpc-results-1/items/exec-1.json: access denied"):
        S3Store(s3).open(BUCKET, "items/exec-1.json")


def test_the_sum_names_a_missing_result_file_as_incomplete_results(policed: Any, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a manifest listing two result files, of which only the first exists, read under the sum role's policy
    client, s3 = policed
    job = {"workload": "sum-squares", "params": {"size": 4}, "items": 4}
    record = {"Status": "SUCCEEDED", "Output": json.dumps({"items": 2, "partial": "1"}), "Input": "{}"}
    client.put_object(Bucket=BUCKET, Key=f"{RUN}/SUCCEEDED_0.json", Body=json.dumps([record]).encode())
    manifest = {"ResultFiles": {"SUCCEEDED": [{"Key": f"{RUN}/SUCCEEDED_{n}.json"} for n in (0, 1)]}}
    client.put_object(Bucket=BUCKET, Key=f"{RUN}/manifest.json", Body=json.dumps(manifest).encode())
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.delenv(store_module.LOCAL_STORE_ENV, raising=False)
    monkeypatch.setattr(sum_handler, "store", lambda: S3Store(s3))
    results = {"ResultWriterDetails": {"Bucket": BUCKET, "Key": f"{RUN}/manifest.json"}, "MapRunArn": "arn"}
    # WHEN the sum function runs THEN it refuses with IncompleteResults naming the file, not a raw ClientError
    with pytest.raises(IncompleteResults, match=f"{RUN}/SUCCEEDED_1.json, listed in the manifest, does not exist"):
        sum_handler.handler({"job": job, "results": results}, None)

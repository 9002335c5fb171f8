"""Object storage for the handlers: the local directory store and the S3 store speak the same three verbs."""

from __future__ import annotations

import io
import os
import re

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from handlers import store
from handlers.store import AccessDenied, LocalStore, ObjectMissing, S3Store


def test_local_put_then_open_gives_the_bytes_back(tmp_path):
    local = LocalStore(tmp_path)
    local.put("b", "deep/key.json", b"[1]")
    with local.open("b", "deep/key.json") as stream:
        assert stream.read() == b"[1]"
    assert (tmp_path / "b" / "deep" / "key.json").read_bytes() == b"[1]"


def test_local_put_replaces_an_object_whole_and_leaves_no_temporary(tmp_path):
    local = LocalStore(tmp_path)
    local.put("b", "k", b"first, longer")
    local.put("b", "k", b"second")
    assert (tmp_path / "b" / "k").read_bytes() == b"second"
    assert sorted(path.name for path in (tmp_path / "b").iterdir()) == ["k"]


def test_local_open_of_a_missing_object_is_object_missing(tmp_path):
    with pytest.raises(ObjectMissing, match=f"^s3://b/nope does not exist in the local store {tmp_path}$"):
        LocalStore(tmp_path).open("b", "nope")


@pytest.mark.parametrize("key", ["../../outside", "a/../../../outside", "/tmp/outside", "../other-bucket/k"])
def test_a_key_escaping_the_local_store_or_its_bucket_is_refused(tmp_path, key):
    with pytest.raises(
        ValueError, match=f"^bucket 'b' and key {re.escape(repr(key))} must stay inside the local store$"
    ):
        LocalStore(tmp_path / "root").put("b", key, b"x")
    assert not (tmp_path / "outside").exists()


OPENERS = [LocalStore.open, LocalStore.open_file]


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("key", ["../../outside", "a/../../../outside", "/tmp/outside"])
def test_a_key_escaping_the_local_store_is_never_opened(tmp_path, key, opener):
    (tmp_path / "outside").write_bytes(b"secret")
    with pytest.raises(ValueError, match="must stay inside the local store$"):
        opener(LocalStore(tmp_path / "root" / "store"), "b", key)


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("key", ["deep", "deep/", ""])
def test_local_open_of_a_folder_is_object_missing_naming_it(tmp_path, key, opener):
    LocalStore(tmp_path).put("b", "deep/key.json", b"[1]")
    with pytest.raises(ObjectMissing, match=f"^s3://b/{key} is a folder, not an object$"):
        opener(LocalStore(tmp_path), "b", key)


@pytest.mark.parametrize("opener", OPENERS)
def test_local_objects_read_whole_either_way(tmp_path, opener):
    LocalStore(tmp_path).put("b", "k", b"x" * 5000)
    with opener(LocalStore(tmp_path), "b", "k") as stream:
        assert stream.read() == b"x" * 5000
    with pytest.raises(ObjectMissing, match="^s3://b/gone does not exist"):
        opener(LocalStore(tmp_path), "b", "gone")


def test_local_list_gives_keys_under_the_prefix_in_order_with_sizes_skipping_half_written_objects(tmp_path):
    local = LocalStore(tmp_path)
    for key, body in [("r/2.json", b"22"), ("r/1.json", b"1"), ("r/sub/3.json", b"333"), ("other/4.json", b"4")]:
        local.put("b", key, body)
    (tmp_path / "b" / "r" / ".put-abc123").write_bytes(b"half")
    assert list(local.list("b", "r/")) == [("r/1.json", 1), ("r/2.json", 2), ("r/sub/3.json", 3)]
    assert [key for key, _ in local.list("b", "")] == ["other/4.json", "r/1.json", "r/2.json", "r/sub/3.json"]


def test_local_list_walks_nested_folders_in_s3s_key_order(tmp_path):
    local = LocalStore(tmp_path)
    keys = ["a/b/c/d/e", "a/b/c/d0", "a/b/c-", "a/b/c/z", "a/b0", "a/a", "a-", "a0/x/y", "b", "a/b/c/d2/f/g.txt"]
    for key in keys:
        local.put("bkt", key, key.encode())
    expected = sorted(keys, key=str.encode)  # S3's order: "-" < "/" < "0"
    assert [key for key, _ in local.list("bkt", "")] == expected
    assert [key for key, _ in local.list("bkt", "a/b/c/")] == [key for key in expected if key.startswith("a/b/c/")]


def test_local_list_of_a_bucket_never_written_is_empty(tmp_path):
    assert list(LocalStore(tmp_path).list("never", "")) == []


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bkt")
        yield client


def test_s3_put_open_and_list(s3):
    remote = S3Store(s3)
    remote.put("bkt", "r/1.json", b"[1]")
    remote.put("bkt", "r/22.json", b"[22]")
    remote.put("bkt", "x/3.json", b"3")
    assert remote.open("bkt", "r/1.json").read() == b"[1]"
    assert list(remote.list("bkt", "r/")) == [("r/1.json", 3), ("r/22.json", 4)]
    assert list(remote.list("bkt", "none/")) == []


def test_s3_open_of_a_missing_object_is_object_missing(s3):
    with pytest.raises(ObjectMissing, match="^s3://bkt/nope does not exist$"):
        S3Store(s3).open("bkt", "nope")


def test_local_and_s3_streams_read_into_a_callers_buffer(tmp_path, s3):
    for where in (LocalStore(tmp_path), S3Store(s3)):
        where.put("bkt", "k", b"0123456789")
        buffer, parts = bytearray(4), []
        stream = where.open("bkt", "k")
        while count := stream.readinto(buffer):
            parts.append(bytes(buffer[:count]))
        stream.close()
        assert b"".join(parts) == b"0123456789"
        assert max(map(len, parts)) <= 4


def test_an_s3_body_that_can_only_read_is_read_into_a_buffer_too():
    # GIVEN a client whose bodies have no readinto (botocore before 1.38)
    class OnlyRead:
        def __init__(self, data: bytes) -> None:
            self.stream, self.closed = io.BytesIO(data), False

        def read(self, *size: int) -> bytes:
            return self.stream.read(*size)

        def close(self) -> None:
            self.closed = True

    body = OnlyRead(b"0123456789")
    client = type("Client", (), {"get_object": lambda self, Bucket, Key: {"Body": body}})()
    # WHEN it is read into a buffer THEN the bytes come in buffer-sized parts, and closing closes the body
    stream = S3Store(client).open("bkt", "k")
    buffer, parts = bytearray(4), []
    while count := stream.readinto(buffer):
        parts.append(bytes(buffer[:count]))
    stream.close()
    assert parts == [b"0123", b"4567", b"89"] and body.closed
    assert S3Store(client).open("bkt", "k").read() == b""  # read passes through (the body is at its end)


def test_the_store_is_local_when_the_engine_names_a_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(store.LOCAL_STORE_ENV, str(tmp_path))
    chosen = store.store()
    assert isinstance(chosen, LocalStore) and chosen.root == tmp_path


def test_the_store_is_one_cached_s3_client_otherwise(s3, monkeypatch):
    monkeypatch.delenv(store.LOCAL_STORE_ENV, raising=False)
    store._s3_store.cache_clear()
    try:
        first, second = store.store(), store.store()
        assert isinstance(first, S3Store) and first is second
        first.put("bkt", "k", b"v")
        assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"v"
    finally:
        store._s3_store.cache_clear()


def denied(code: str = "AccessDenied"):
    def get_object(**_):
        raise ClientError({"Error": {"Code": code, "Message": "no"}}, "GetObject")

    return get_object


def test_a_403_for_a_key_the_listing_shows_missing_is_object_missing(s3, monkeypatch):
    # S3 answers 403, not 404, for a missing key when s3:ListBucket does not cover the GetObject
    monkeypatch.setattr(s3, "get_object", denied())
    with pytest.raises(ObjectMissing, match="^s3://bkt/results/gone.json does not exist$"):
        S3Store(s3).open("bkt", "results/gone.json")


@pytest.mark.parametrize("code", ["AccessDenied", "403"])
def test_a_403_for_a_key_the_listing_shows_present_is_access_denied(s3, monkeypatch, code):
    s3.put_object(Bucket="bkt", Key="results/there.json", Body=b"[]")
    s3.put_object(Bucket="bkt", Key="results/there.json.bak", Body=b"[]")
    monkeypatch.setattr(s3, "get_object", denied(code))
    with pytest.raises(AccessDenied, match="^s3://bkt/results/there.json: access denied"):
        S3Store(s3).open("bkt", "results/there.json")


def test_a_403_when_listing_is_denied_too_is_access_denied(s3, monkeypatch):
    monkeypatch.setattr(s3, "get_object", denied())

    def list_objects_v2(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListObjectsV2")

    monkeypatch.setattr(s3, "list_objects_v2", list_objects_v2)
    with pytest.raises(AccessDenied):
        S3Store(s3).open("bkt", "results/x.json")


def test_other_s3_errors_are_not_taken_for_a_missing_object(s3, monkeypatch):
    monkeypatch.setattr(s3, "get_object", denied("SlowDown"))
    with pytest.raises(ClientError, match="SlowDown"):
        S3Store(s3).open("bkt", "results/x.json")


def test_a_missing_object_of_a_mounted_dataset_is_named_by_its_own_path(tmp_path):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "lake").symlink_to(dataset)
    with pytest.raises(ObjectMissing, match=f"^{dataset}/raw/nope.csv does not exist$"):
        LocalStore(tmp_path / "store").open("lake", "raw/nope.csv")


def test_a_listing_holds_only_files(tmp_path):
    local = LocalStore(tmp_path)
    local.put("b", "r/1.json", b"1")
    os.mkfifo(tmp_path / "b" / "r" / "pipe")
    assert list(local.list("b", "r/")) == [("r/1.json", 1)]

"""The functions' environment variables: defaults when unset, and a deployment fault (RuntimeError) when malformed."""

from __future__ import annotations

import pytest

from handlers import environment


@pytest.fixture(autouse=True)
def unset(monkeypatch):
    for name in ("RESULTS_BUCKET", "MAX_ITEMS", "TOLERATED_FAILURE_PERCENTAGE"):
        monkeypatch.delenv(name, raising=False)


def test_unset_values_take_their_defaults():
    assert environment.max_items() == 1_000_000
    assert environment.tolerated_failure_percentage() == 0.0


def test_an_empty_value_counts_as_unset(monkeypatch):
    monkeypatch.setenv("MAX_ITEMS", "")
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "")
    assert (environment.max_items(), environment.tolerated_failure_percentage()) == (1_000_000, 0.0)


def test_set_values_are_read_typed(monkeypatch):
    monkeypatch.setenv("RESULTS_BUCKET", "b-1")
    monkeypatch.setenv("MAX_ITEMS", "1")
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "100")
    assert environment.results_bucket() == "b-1"
    assert (environment.max_items(), type(environment.max_items())) == (1, int)
    percentage = environment.tolerated_failure_percentage()
    assert (percentage, type(percentage)) == (100.0, float)


@pytest.mark.parametrize("value", ["0.5", "12.5", "0"])
def test_any_percentage_from_0_to_100_is_accepted(monkeypatch, value):
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", value)
    assert environment.tolerated_failure_percentage() == float(value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MAX_ITEMS", "0", "^environment variable MAX_ITEMS=0 must be at least 1$"),
        ("MAX_ITEMS", "-5", "^environment variable MAX_ITEMS=-5 must be at least 1$"),
        ("MAX_ITEMS", "1e6", "^environment variable MAX_ITEMS='1e6' is not a int$"),
        ("TOLERATED_FAILURE_PERCENTAGE", "100.5", "=100.5 must be between 0 and 100$"),
        ("TOLERATED_FAILURE_PERCENTAGE", "-0.1", "=-0.1 must be between 0 and 100$"),
        (
            "TOLERATED_FAILURE_PERCENTAGE",
            "ten",
            "^environment variable TOLERATED_FAILURE_PERCENTAGE='ten' is not a float",
        ),
    ],
)
def test_a_malformed_value_is_a_deployment_fault_naming_it(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    read = environment.max_items if name == "MAX_ITEMS" else environment.tolerated_failure_percentage
    with pytest.raises(RuntimeError, match=message):
        read()


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_results_bucket_is_a_deployment_fault(monkeypatch, value):
    if value is not None:
        monkeypatch.setenv("RESULTS_BUCKET", value)
    with pytest.raises(RuntimeError, match="^environment variable RESULTS_BUCKET is not set: it must name the results"):
        environment.results_bucket()


@pytest.mark.parametrize(
    ("raw", "entries"), [(None, []), ("", []), ("[]", []), ('["lake", "logs/raw"]', ["lake", "logs/raw"])]
)
def test_data_buckets_are_a_json_array_of_strings(monkeypatch, raw, entries):
    monkeypatch.delenv("DATA_BUCKETS", raising=False)
    if raw is not None:
        monkeypatch.setenv("DATA_BUCKETS", raw)
    assert environment.data_buckets() == entries


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("lake", "^environment variable DATA_BUCKETS='lake' is not a JSON array$"),
        ('{"a": 1}', "must be a JSON array of strings$"),
        ('["lake", 7]', "^environment variable DATA_BUCKETS=.* must be a JSON array of strings$"),
    ],
)
def test_malformed_data_buckets_are_a_deployment_fault(monkeypatch, raw, message):
    monkeypatch.setenv("DATA_BUCKETS", raw)
    with pytest.raises(RuntimeError, match=message):
        environment.data_buckets()

import pytest

from hpc.settings import ALLOWED, Each, InvalidSettings, Matches, Settings, config_key
from hpc.stack_config import load_settings, load_stack_settings


def test_defaults_keep_exact_answers_and_batching():
    settings = Settings()
    assert settings.tolerated_failure_percentage == 0
    assert settings.execution_type == "STANDARD"
    assert settings.max_items_per_batch > 1


def test_from_mapping_accepts_pulumi_strings_and_namespace():
    settings = Settings.from_mapping({"hpc:maxItemsPerBatch": "1000", "tracing": "true", "retryBackoffRate": "1.5"})
    assert (settings.max_items_per_batch, settings.tracing, settings.retry_backoff_rate) == (1000, True, 1.5)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"maxItemsPerBatch": 0}, "maxItemsPerBatch"),
        ({"maxItemsPerBatch": 2.5}, "maxItemsPerBatch"),
        ({"toleratedFailurePercentage": 101}, "toleratedFailurePercentage"),
        ({"executionType": "BATCH"}, "executionType"),
        ({"computeMemoryMb": 64}, "computeMemoryMb"),
        ({"tracing": "maybe"}, "tracing"),
        ({"maxItemz": 3}, "maxItemz"),
    ],
)
def test_bad_settings_are_named(values, named):
    with pytest.raises(InvalidSettings, match=named):
        Settings.from_mapping(values)


def test_every_field_round_trips_through_config_keys():
    settings = Settings(max_items_per_batch=7, log_level="ALL")
    assert Settings.from_mapping(settings.as_config()) == settings
    assert config_key("max_items_per_batch") == "maxItemsPerBatch"


def test_merged_overrides_only_named_keys():
    merged = Settings(max_concurrency=5).merged({"maxItemsPerBatch": "10"})
    assert (merged.max_concurrency, merged.max_items_per_batch) == (5, 10)


def test_stack_file_settings_are_read_and_checked(tmp_path):
    # GIVEN a stack file with our keys and a provider key
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  aws:region: eu-west-1\n  hpc:maxItemsPerBatch: 64\n")
    # THEN only our namespace is read
    loaded = load_stack_settings("prod", tmp_path)
    assert loaded.settings.max_items_per_batch == 64
    assert loaded.source == "Pulumi.prod.yaml (stack 'prod')"
    # AND the state machine is named after the stack
    assert loaded.settings.state_machine_name == "hpc-prod"
    # AND a bad value names the file and the key
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  hpc:maxConcurrency: -1\n")
    with pytest.raises(InvalidSettings, match=r"Pulumi.bad.yaml.*maxConcurrency"):
        load_settings("bad", tmp_path)


# ---- one declaration per setting: type, default and what is allowed ------------------------------------------------
# A setting's type annotation says how its value is read, its setting() what is allowed; the list and optional shapes:


def test_a_list_and_an_optional_setting_are_read_from_yaml_and_from_pulumi_strings():
    # Pulumi hands structured config over as JSON text; a stack file gives real lists; an empty string is unset.
    from_pulumi = Settings.from_mapping(
        {"hpc:dataBuckets": '["data-1", "data-2/raw"]', "hpc:computeReservedConcurrency": ""}
    )
    from_yaml = Settings.from_mapping({"dataBuckets": ["data-1", "data-2/raw"], "computeReservedConcurrency": None})
    assert from_pulumi == from_yaml
    assert (from_yaml.data_buckets, from_yaml.compute_reserved_concurrency) == (("data-1", "data-2/raw"), None)
    reserved = Settings.from_mapping({"computeReservedConcurrency": "500", "maxConcurrency": "500"})
    assert reserved.compute_reserved_concurrency == 500
    assert Settings.from_mapping({"dataBuckets": "data-1, data-2"}).data_buckets == ("data-1", "data-2")  # --set
    assert Settings(data_buckets=("data-1",)).as_config()["dataBuckets"] == ["data-1"]


def test_every_field_is_a_declared_setting_with_its_rule():
    assert list(ALLOWED) == list(Settings._fields)
    assert isinstance(ALLOWED["data_buckets"], Each)
    assert isinstance(ALLOWED["alarm_email"], Matches)
    assert ALLOWED["tracing"] is None  # its type says all there is to check


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"dataBuckets": {"a": 1}}, r"setting 'dataBuckets' must be a list of strings, got \{'a': 1\}"),
        ({"dataBuckets": [1, 2]}, r"setting 'dataBuckets' must be a list of strings, got \[1, 2\]"),
        (
            {"dataBuckets": ["Bad_Bucket"]},
            r"'dataBuckets' must be a list, each element `bucket` or `bucket/prefix`.*got \['Bad_Bucket'\]",
        ),
        ({"alarmEmail": "nobody"}, r"setting 'alarmEmail' must be an email address, or empty for none, got 'nobody'"),
        ({"alarmEmail": {"a": 1}}, r"setting 'alarmEmail' must be a string, got \{'a': 1\}"),
        ({"computeReservedConcurrency": [1]}, r"must be an integer \(or unset\), got \[1\]"),
    ],
)
def test_a_list_and_an_optional_setting_are_checked_like_every_other(values, message):
    with pytest.raises(InvalidSettings, match=message):
        Settings.from_mapping(values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"computeReservedConcurrency": ""}, None),
        ({"computeReservedConcurrency": "250", "maxConcurrency": "250"}, None),
        ({"computeReservedConcurrency": "0"}, r"'computeReservedConcurrency' must be at least 1, got 0"),
        ({"computeReservedConcurrency": "100"}, r"'maxConcurrency' must be between 1 and computeReservedConcurrency"),
        ({"maxConcurrency": "10001"}, r"'maxConcurrency' must be between 0 and 10,000 .*got 10001"),
        ({"maxItems": "100000000"}, None),
        ({"maxItems": "100000001"}, r"'maxItems' must be between 1 and 100,000,000 .*got 100000001"),
        ({"toleratedFailurePercentage": 2.5}, r"must be a whole number between 0 and 100 .*got 2.5"),
        ({"toleratedFailurePercentage": "5"}, None),
        ({"retryBackoffRate": float("nan")}, r"'retryBackoffRate' must be a finite number, got nan"),
        ({"maxItems": float("inf")}, r"'maxItems' must be an integer, got inf"),
        ({"maxItems": "1e3"}, r"'maxItems' must be an integer, got '1e3'"),
        ({"logRetentionDays": 2}, r"'logRetentionDays' must be one of 1 or 3 or 5"),
        ({"resultsExpireDays": 14}, r"'resultsExpireDays' must be at least 15 .*redrive.*got 14"),
        ({"executionType": "EXPRESS", "computeTimeoutSeconds": 300}, None),
        ({"executionType": "EXPRESS", "computeTimeoutSeconds": 301}, r"at most 300 with executionType EXPRESS"),
        ({"stateMachineName": "x" * 56}, None),
        ({"stateMachineName": "x" * 57}, r"'stateMachineName' must be 1 to 56"),
        ({"alarmEmail": "ops@example.com"}, None),
        ({"alarmEmail": "nobody"}, r"'alarmEmail' must be an email address, or empty"),
    ],
)
def test_every_bound_aws_has(values, message):
    if message is None:
        Settings.from_mapping(values)
    else:
        with pytest.raises(InvalidSettings, match=message):
            Settings.from_mapping(values)


def test_settings_built_in_code_get_the_same_type_checks():
    with pytest.raises(InvalidSettings, match=r"'maxItems' must be an integer, got '5'"):
        Settings(max_items="5")  # type: ignore[arg-type]
    with pytest.raises(InvalidSettings, match=r"'tracing' must be true or false, got 1"):
        Settings(tracing=1)  # type: ignore[arg-type]

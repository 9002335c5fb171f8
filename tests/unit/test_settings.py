import pytest

from hpc.settings import InvalidSettings, Settings, config_key
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

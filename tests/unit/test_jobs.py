import json

import pytest

from hpc.functions import function_specs
from hpc.jobs import MAX_INPUT_BYTES, InvalidExecutionInput, build_input
from hpc.settings import Settings


def test_options_override_the_input_json():
    job = build_input(size=10, workload="monte-carlo-pi", raw_input='{"size": 3, "seed": 4}')
    assert job == {"size": 10, "seed": 4, "workload": "monte-carlo-pi"}


@pytest.mark.parametrize("raw", ["{size: 3}", "[1, 2]", '"text"'])
def test_input_that_is_not_a_json_object_is_refused(raw):
    with pytest.raises(InvalidExecutionInput, match="--input"):
        build_input(size=None, workload=None, raw_input=raw)


def test_input_over_the_payload_limit_is_refused():
    big = json.dumps({"size": 1, "padding": "x" * MAX_INPUT_BYTES})
    with pytest.raises(InvalidExecutionInput, match="at most 262,144"):
        build_input(size=None, workload=None, raw_input=big)


def test_function_specs_share_one_bucket_and_lift_the_digit_limit():
    specs = function_specs(Settings(max_items=77, tolerated_failure_percentage=3), "bucket-1")
    assert specs["start"].environment["RESULTS_BUCKET"] == specs["sum"].environment["RESULTS_BUCKET"] == "bucket-1"
    assert specs["start"].environment["MAX_ITEMS"] == "77"
    assert float(specs["sum"].environment["TOLERATED_FAILURE_PERCENTAGE"]) == 3
    assert "RESULTS_BUCKET" not in specs["compute"].environment
    assert all(spec.environment["PYTHONINTMAXSTRDIGITS"] == "0" for spec in specs.values())
    assert specs["compute"].entry_point == "handlers.compute:handler"


def test_the_region_comes_from_the_state_machine_arn():
    from hpc.cloud import InvalidStateMachineArn, check_state_machine_arn

    assert check_state_machine_arn("arn:aws:states:eu-west-1:123456789012:stateMachine:hpc-dev") == "eu-west-1"
    assert check_state_machine_arn("arn:aws-cn:states:cn-north-1:123456789012:stateMachine:x") == "cn-north-1"
    for not_an_arn in (
        "hpc-dev",
        "arn:aws:states:eu-west-1:123:stateMachine:x",
        "arn:aws:lambda:eu-west-1:123456789012:function:x",
    ):
        with pytest.raises(InvalidStateMachineArn, match="expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME"):
            check_state_machine_arn(not_an_arn)

"""Lambda error mapping, Retry, Catch, Fail and payload limits, as the Step Functions and Lambda guides describe."""

from __future__ import annotations

import json
import random

import pytest
from toy_machine import machine, task

from hpc.engine import InvalidExecutionInput, InvalidName
from hpc.engine.error_handling import error_matches, retry_delay


def test_handler_exception_becomes_error_named_by_class_with_lambda_json_cause(make_engine):
    result = make_engine(machine(("Fail", task("fail")))).run({"message": "no good"})
    assert (result.status, result.error) == ("FAILED", "Boom")
    cause = json.loads(result.cause)
    assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert cause["errorMessage"] == "no good"
    assert cause["errorType"] == "Boom"
    assert any("toy.py" in line for line in cause["stackTrace"])


def test_step_functions_error_attribute_overrides_the_error_name(make_engine):
    result = make_engine(machine(("Call", task("throttled")))).run({})
    assert (result.error, result.cause) == ("Lambda.TooManyRequestsException", "Rate exceeded")


def test_unmarshallable_return_fails_like_the_lambda_runtime(make_engine):
    result = make_engine(machine(("Call", task("not_json")))).run({})
    assert result.error == "Runtime.MarshalError"
    assert json.loads(result.cause)["errorMessage"].startswith("Unable to marshal response")


def _retry(errors, max_attempts, **fields):
    return [{"ErrorEquals": errors, "IntervalSeconds": 1, "MaxAttempts": max_attempts, "BackoffRate": 2.0, **fields}]


def test_retry_then_success(make_engine):
    # GIVEN a function throttled twice, and a retrier allowing three retries of throttling
    state = task("flaky", Retry=_retry(["Lambda.TooManyRequestsException"], 3), OutputPath="$.Payload")
    # WHEN it runs
    result = make_engine(machine(("Flaky", state))).run({"key": "a", "failures": 2, "error": "Throttled"})
    # THEN the third call succeeded
    assert (result.status, result.output) == ("SUCCEEDED", {"attempt": 3})


def test_retry_exhausted_goes_to_catch_with_error_and_cause(make_engine):
    state = task(
        "flaky",
        Retry=_retry(["Lambda.TooManyRequestsException"], 2),
        Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}],
        Next="Handled",
    )
    definition = machine(("Flaky", state), ("Handled", {"Type": "Pass", "End": True}))
    result = make_engine(definition).run({"key": "b", "failures": 5, "error": "Throttled"})
    assert result.status == "SUCCEEDED"
    # 1 call + 2 retries, then the catcher put {"Error", "Cause"} at $.error of the raw input
    assert result.output["error"] == {"Error": "Lambda.TooManyRequestsException", "Cause": "attempt 3"}
    assert result.output["key"] == "b"


def test_retry_does_not_apply_to_errors_it_does_not_name(make_engine, fake_dir):
    state = task("flaky", Retry=_retry(["Lambda.TooManyRequestsException"], 3))
    result = make_engine(machine(("Flaky", state))).run({"key": "c", "failures": 1, "error": "Boom"})
    assert (result.status, result.error) == ("FAILED", "Boom")
    assert (fake_dir / "calls-c").read_text() == "."  # called once


def test_each_retrier_counts_its_own_attempts_and_max_attempts_zero_never_retries(make_engine, fake_dir):
    retriers = [
        {"ErrorEquals": ["Boom"], "MaxAttempts": 0},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    result = make_engine(machine(("Flaky", task("flaky", Retry=retriers)))).run(
        {"key": "d", "failures": 3, "error": "Boom"}
    )
    # Boom matches the first retrier, which allows no retry: States.ALL is never consulted.
    assert (result.status, result.error) == ("FAILED", "Boom")
    assert (fake_dir / "calls-d").read_text() == "."


def test_task_failed_matches_function_errors_in_catch(make_engine):
    state = task("fail", Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}])
    definition = machine(("Fail", state), ("Handled", {"Type": "Pass", "End": True}))
    result = make_engine(definition).run({})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "Boom"  # default catcher ResultPath "$" replaces the input with the error


def test_backoff_grows_by_rate_and_is_capped():
    retrier = {"ErrorEquals": ["X"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxDelaySeconds": 30}
    assert [retry_delay(retrier, attempt) for attempt in range(4)] == [2, 6, 18, 30]


def test_full_jitter_draws_below_the_backoff():
    retrier = {"ErrorEquals": ["X"], "IntervalSeconds": 1, "BackoffRate": 2.0, "JitterStrategy": "FULL"}
    random.seed(1)
    delays = [retry_delay(retrier, 3) for _ in range(200)]
    assert all(0 <= delay <= 8 for delay in delays)
    assert len(set(delays)) > 100


def test_retry_waits_the_scaled_backoff(make_engine, monkeypatch):
    # GIVEN retries with interval 1 s and backoff rate 2, and a delay scale of 0.5
    slept = []
    monkeypatch.setattr("hpc.engine.interpreter.time.sleep", slept.append)
    state = task("flaky", Retry=_retry(["Boom"], 3))
    engine = make_engine(machine(("Flaky", state)), retry_delay_scale=0.5)
    # WHEN the function fails three times
    engine.run({"key": "e", "failures": 3, "error": "Boom"})
    # THEN the waits were 1, 2 and 4 seconds, halved
    assert slept == [0.5, 1.0, 2.0]


def test_states_all_does_not_catch_data_limit_exceeded_but_its_name_does(make_engine):
    over = {"bytes": 300_000}
    caught_by_all = machine(
        ("Big", task("big", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}])),
        ("Handled", {"Type": "Pass", "End": True}),
    )
    result = make_engine(caught_by_all).run(over)
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    caught_by_name = machine(
        ("Big", task("big", Catch=[{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Handled"}])),
        ("Handled", {"Type": "Pass", "End": True}),
    )
    assert make_engine(caught_by_name).run(over).status == "SUCCEEDED"


def test_task_result_over_256_kib_fails_even_if_outputpath_would_trim_it(make_engine):
    state = task("big", OutputPath="$.StatusCode")
    result = make_engine(machine(("Big", state))).run({"bytes": 262_144})
    assert result.error == "States.DataLimitExceeded"
    small = make_engine(machine(("Big", task("big", OutputPath="$.StatusCode")))).run({"bytes": 100_000})
    assert small.output == 200


def test_fail_state_reads_error_and_cause_from_paths(make_engine):
    definition = machine(
        (
            "Explain",
            {"Type": "Pass", "Parameters": {"Error.$": "$.e", "Cause.$": "States.StringToJson($.c)"}, "Next": "F"},
        ),
        ("F", {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause.errorMessage"}),
    )
    result = make_engine(definition).run({"e": "InvalidInput", "c": json.dumps({"errorMessage": "size must be >= 1"})})
    assert (result.status, result.error, result.cause) == ("FAILED", "InvalidInput", "size must be >= 1")


def test_fail_state_with_static_error(make_engine):
    result = make_engine(machine(("F", {"Type": "Fail", "Error": "Custom", "Cause": "because"}))).run({})
    assert (result.error, result.cause) == ("Custom", "because")


def test_execution_input_over_256_kib_is_refused_before_running(make_engine, fake_dir):
    engine = make_engine(machine(("Flaky", task("flaky"))))
    with pytest.raises(InvalidExecutionInput, match="262144"):
        engine.run({"key": "never", "failures": 0, "error": "Boom", "pad": "x" * 262_144})
    assert not (fake_dir / "calls-never").exists()


def test_execution_input_at_exactly_256_kib_is_accepted(make_engine):
    padding = 262_144 - len(json.dumps({"pad": ""}, separators=(",", ":")))
    result = make_engine(machine(("P", {"Type": "Pass", "Result": 1, "End": True}))).run({"pad": "x" * padding})
    assert result.status == "SUCCEEDED"


def test_non_json_execution_input_is_refused(make_engine):
    with pytest.raises(InvalidExecutionInput):
        make_engine(machine(("P", {"Type": "Pass", "End": True}))).run({"a": {1, 2}})


def test_error_matching_rules():
    assert error_matches(["States.ALL"], "Boom")
    assert not error_matches(["States.ALL"], "States.Runtime")
    assert not error_matches(["States.Runtime"], "States.Runtime")
    assert not error_matches(["States.TaskFailed"], "States.Timeout")
    assert error_matches(["States.TaskFailed"], "Lambda.ServiceException")


@pytest.mark.parametrize("name", ["has space", "a/b", "x" * 81, ""])
def test_execution_name_startexecution_would_refuse_is_refused(make_engine, name):
    with pytest.raises(InvalidName):
        make_engine(machine(("P", {"Type": "Pass", "End": True}))).run({}, name=name)

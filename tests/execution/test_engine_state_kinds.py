"""What users write: Lambda ARNs and FunctionName.$, Wait, Parallel, inline Map, Choice on timestamps, and the
`...Path` forms of Distributed Map settings -- each run as the Step Functions developer guide describes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from test_engine_map import map_state, result_files
from toy_machine import machine, task

from hpc.engine import InvalidDefinition, UnsupportedDefinition

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


# ---- 7. Task Resource as a function ARN, FunctionName.$ -------------------------------------------------------------


def test_task_with_a_function_arn_gets_the_effective_input_and_returns_the_bare_result(make_engine):
    state = {"Type": "Task", "Resource": ARN.format("echo"), "Parameters": {"v.$": "$.x"}, "End": True}
    result = make_engine(machine(("Call", state))).run({"x": [1, 2]})
    assert (result.status, result.output) == ("SUCCEEDED", {"v": [1, 2]})


def test_task_with_a_function_arn_reports_function_errors_like_the_integration(make_engine):
    state = {"Type": "Task", "Resource": ARN.format("fail") + ":live", "End": True}
    result = make_engine(machine(("Call", state))).run({"message": "bad"})
    assert result.error == "Boom"
    assert json.loads(result.cause)["errorMessage"] == "bad"


def test_function_name_from_the_input_is_resolved_by_name_or_arn(make_engine):
    parameters = {"FunctionName.$": "$.fn", "Payload.$": "$.body"}
    engine = make_engine(machine(("Call", task("echo", Parameters=parameters, OutputPath="$.Payload"))))
    assert engine.run({"fn": "echo", "body": {"a": 1}}).output == {"a": 1}
    assert engine.run({"fn": ARN.format("echo"), "body": {"a": 2}}).output == {"a": 2}
    unknown = engine.run({"fn": "nobody", "body": {}})
    assert unknown.error == "Lambda.ResourceNotFoundException"
    assert unknown.cause.startswith("Function not found: nobody")


def test_an_unknown_function_arn_is_refused_before_the_run(tmp_path, make_engine):
    state = {"Type": "Task", "Resource": ARN.format("nobody"), "End": True}
    with pytest.raises(InvalidDefinition, match=r"States\.Call\.Resource: no local handler for"):
        make_engine(machine(("Call", state)))


def test_other_service_integrations_are_refused_naming_the_resource(make_engine):
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": True}
    with pytest.raises(UnsupportedDefinition, match=r"States\.Call\.Resource: "):
        make_engine(machine(("Call", state)))


# ---- 9. Wait --------------------------------------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("hpc.engine.interpreter.time.sleep", slept.append)
    return slept


@pytest.mark.parametrize(
    ("wait", "data", "expected"),
    [
        ({"Seconds": 10}, {}, 10.0),
        ({"SecondsPath": "$.s"}, {"s": 7}, 7.0),
        ({"Timestamp": "2030-01-01T00:01:00Z"}, {}, 60.0),
        ({"TimestampPath": "$.t"}, {"t": "2030-01-01T01:00:00+01:00"}, 0.0),  # already past: no wait
        ({"TimestampPath": "$.t"}, {"t": "2030-01-01T00:00:30.500Z"}, 30.5),
    ],
)
def test_wait_sleeps_on_the_scaled_clock_and_passes_its_input_on(
    make_engine, sleeps, monkeypatch, wait, data, expected
):
    monkeypatch.setattr("hpc.engine.interpreter._utc_now", lambda: datetime(2030, 1, 1, tzinfo=UTC))
    definition = machine(("W", {"Type": "Wait", **wait, "Next": "Done"}), ("Done", {"Type": "Succeed"}))
    result = make_engine(definition, wait_scale=0.5).run(data)
    assert (result.status, result.output) == ("SUCCEEDED", data)
    assert sleeps == ([expected * 0.5] if expected else [])


@pytest.mark.parametrize(("data", "fragment"), [({"s": -1}, "outside"), ({"s": "5"}, "non-negative integer")])
def test_wait_seconds_path_must_find_a_non_negative_integer(make_engine, sleeps, data, fragment):
    result = make_engine(machine(("W", {"Type": "Wait", "SecondsPath": "$.s", "End": True}))).run(data)
    assert result.error == "States.Runtime" and fragment in result.cause


@pytest.mark.parametrize(
    "wait",
    [{}, {"Seconds": 1, "SecondsPath": "$.s"}, {"Seconds": -1}, {"Seconds": 1.5}, {"Timestamp": "2030-01-01 00:00:00"}],
)
def test_wait_with_no_or_two_durations_or_a_bad_value_is_refused(make_engine, wait):
    with pytest.raises(InvalidDefinition, match=r"States\.W"):
        make_engine(machine(("W", {"Type": "Wait", **wait, "End": True})))


# ---- 9. Parallel ----------------------------------------------------------------------------------------------------


def branch(*states: tuple[str, dict]) -> dict:
    return machine(*states)


def test_parallel_gives_each_branch_the_input_and_collects_outputs_in_order(make_engine):
    state = {
        "Type": "Parallel",
        "Parameters": {"n.$": "$.n"},
        "Branches": [
            branch(("A", {"Type": "Pass", "Result": "a", "End": True})),
            branch(("B", task("echo", OutputPath="$.Payload.n"))),
            branch(("C", {"Type": "Wait", "Seconds": 0, "Next": "D"}), ("D", {"Type": "Pass", "End": True})),
        ],
        "ResultPath": "$.results",
        "End": True,
    }
    result = make_engine(machine(("P", state))).run({"n": 3})
    assert result.output == {"n": 3, "results": ["a", 3, {"n": 3}]}


def test_parallel_fails_with_the_failing_branchs_error_which_catch_sees(make_engine):
    branches = [
        branch(("Ok", {"Type": "Pass", "End": True})),
        branch(("Bad", {"Type": "Fail", "Error": "E", "Cause": "c"})),
    ]
    failing = make_engine(machine(("P", {"Type": "Parallel", "Branches": branches, "End": True})))
    assert (failing.run({}).error, failing.run({}).cause) == ("E", "c")
    caught = {
        "Type": "Parallel",
        "Branches": branches,
        "Catch": [{"ErrorEquals": ["E"], "ResultPath": "$.error", "Next": "Handled"}],
        "End": False,
        "Next": "Handled",
    }
    del caught["End"]
    definition = machine(("P", caught), ("Handled", {"Type": "Succeed"}))
    assert make_engine(definition).run({"x": 1}).output == {"x": 1, "error": {"Error": "E", "Cause": "c"}}


def test_parallel_branch_is_checked_like_a_machine(make_engine):
    bad = {"Type": "Parallel", "Branches": [branch(("A", {"Type": "Pass", "Next": "Nowhere"}))], "End": True}
    with pytest.raises(InvalidDefinition, match=r"States\.P\.Branches\[0\]\.States\.A\.Next"):
        make_engine(machine(("P", bad)))


# ---- 8. inline Map --------------------------------------------------------------------------------------------------


def inline_map(**fields) -> dict:
    state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "Work", "States": {"Work": task("echo", OutputPath="$.Payload")}},
        "End": True,
    }
    state.update(fields)
    return state


def test_inline_map_runs_each_selected_item_and_keeps_item_order(make_engine):
    state = inline_map(
        ItemSelector={"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "job.$": "$.job"},
        MaxConcurrency=2,
    )
    result = make_engine(machine(("M", state))).run({"items": ["a", "b"], "job": 7})
    assert result.output == [{"value": "a", "index": 0, "job": 7}, {"value": "b", "index": 1, "job": 7}]


def test_inline_map_accepts_the_legacy_iterator_and_parameters(make_engine):
    state = {
        "Type": "Map",
        "Parameters": {"v.$": "$$.Map.Item.Value"},
        "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "ResultSelector": {"all.$": "$[*].v"},
        "End": True,
    }
    assert make_engine(machine(("M", state))).run([1, 2, 3]).output == {"all": [1, 2, 3]}


def test_inline_map_fails_with_the_first_failing_iteration(make_engine):
    state = inline_map(ItemProcessor={"StartAt": "F", "States": {"F": task("fail")}})
    result = make_engine(machine(("M", state))).run({"items": [{"message": "first"}, {"message": "second"}]})
    assert result.error == "Boom" and json.loads(result.cause)["errorMessage"] == "first"


def test_inline_map_items_must_be_an_array(make_engine):
    result = make_engine(machine(("M", inline_map()))).run({"items": {"a": 1}})
    assert result.error == "States.Runtime" and "must be a JSON array" in result.cause


def test_inline_map_refuses_distributed_only_fields(make_engine):
    with pytest.raises(InvalidDefinition, match=r"States\.M\.ToleratedFailurePercentage: only a Map in DISTRIBUTED"):
        make_engine(machine(("M", inline_map(ToleratedFailurePercentage=5))))


def test_inline_map_max_concurrency_path_must_find_an_integer(make_engine):
    engine = make_engine(machine(("M", inline_map(MaxConcurrencyPath="$.c"))))
    assert engine.run({"items": [1], "c": 2}).output == [1]
    assert engine.run({"items": [1], "c": "two"}).error == "States.Runtime"


# ---- 9. Choice on timestamps ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "data", "matched"),
    [
        ({"TimestampLessThan": "2024-01-01T00:00:00Z"}, {"t": "2023-12-31T23:59:59.999Z"}, True),
        ({"TimestampEquals": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T01:00:00+01:00"}, True),
        ({"TimestampGreaterThanEquals": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T00:00:00Z"}, True),
        ({"TimestampGreaterThan": "2024-01-01T00:00:00Z"}, {"t": "not a timestamp"}, False),
        (
            {"TimestampLessThanEqualsPath": "$.limit"},
            {"t": "2024-01-01T00:00:00Z", "limit": "2024-06-01T00:00:00Z"},
            True,
        ),
        ({"IsTimestamp": True}, {"t": "2024-01-01T00:00:00Z"}, True),
        ({"IsTimestamp": True}, {"t": "2024-01-01t00:00:00Z"}, False),
    ],
)
def test_choice_compares_timestamps_as_instants(make_engine, rule, data, matched):
    definition = machine(
        ("C", {"Type": "Choice", "Choices": [{"Variable": "$.t", **rule, "Next": "Yes"}], "Default": "No"}),
        ("Yes", {"Type": "Pass", "Result": True, "End": True}),
        ("No", {"Type": "Pass", "Result": False, "End": True}),
    )
    assert make_engine(definition).run(data).output is matched


def test_choice_variable_miss_has_aws_cause(make_engine):
    definition = machine(
        ("AllDone", {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "E"}]}),
        ("E", {"Type": "Succeed"}),
    )
    result = make_engine(definition).run({})
    assert result.cause == (
        "An error occurred while executing the state 'AllDone' (entered at the event id #2). "
        "Invalid path '$.done': The choice state's condition path references an invalid value."
    )


# ---- 8. Distributed Map settings read from the input ----------------------------------------------------------------


def test_distributed_map_reads_its_settings_from_path_fields(make_engine, tmp_path):
    state = map_state(
        "square",
        MaxConcurrencyPath="$.limits.concurrency",
        ToleratedFailurePercentagePath="$.limits.tolerated",
        ItemBatcher={"MaxItemsPerBatchPath": "$.limits.batch", "BatchInput": {"fail.$": "$.fail"}},
    )
    data = {"items": list(range(10)), "fail": [3], "limits": {"concurrency": 2, "tolerated": 20, "batch": 2}}
    result = make_engine(machine(("Map", state))).run(data)
    assert result.status == "SUCCEEDED", result.cause
    files = result_files(tmp_path / "store", result.output)
    assert len(files["SUCCEEDED"]) == 4 and len(files["FAILED"]) == 1  # batches of 2; the one holding 3 failed


@pytest.mark.parametrize("bad", [{"batch": 0}, {"batch": "2"}, {"batch": 1.5}, {}])
def test_distributed_map_path_setting_with_a_bad_value_fails_before_children_start(make_engine, tmp_path, bad):
    state = map_state(ItemBatcher={"MaxItemsPerBatchPath": "$.limits.batch"})
    result = make_engine(machine(("Map", state))).run({"items": [1, 2], "limits": bad})
    assert result.error == "States.Runtime"
    assert not (tmp_path / "store" / "results").exists()


def test_reader_max_items_path_caps_the_items(make_engine, tmp_path):
    (tmp_path / "store" / "b").mkdir(parents=True)
    (tmp_path / "store" / "b" / "k.json").write_text(json.dumps([{"v": i} for i in range(10)]))
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.max"},
        "Parameters": {"Bucket": "b", "Key": "k.json"},
    }
    result = make_engine(machine(("Map", map_state(ItemsPath=None, ItemReader=reader)))).run({"max": 3})
    assert len(result_files(tmp_path / "store", result.output)["SUCCEEDED"]) == 3


def test_a_setting_and_its_path_form_are_exclusive(make_engine):
    with pytest.raises(
        InvalidDefinition, match=r"States\.Map: needs at most one of MaxConcurrency, MaxConcurrencyPath"
    ):
        make_engine(machine(("Map", map_state(MaxConcurrency=1, MaxConcurrencyPath="$.c"))))

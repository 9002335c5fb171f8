"""Input/output processing, the context object, intrinsic functions, Pass and Choice, by AWS's documented rules."""

from __future__ import annotations

import json

import pytest
from toy_machine import machine, task

from hpc.engine import ExecutionResult


def test_task_applies_inputpath_parameters_resultselector_resultpath_outputpath_in_order(make_engine):
    # GIVEN a task using every processing field, each one visible in the output
    state = task(
        "echo",
        InputPath="$.request",
        Parameters={"FunctionName": "echo", "Payload": {"value.$": "$.value", "fixed": 1}},
        ResultSelector={"echoed.$": "$.Payload", "status.$": "$.StatusCode"},
        ResultPath="$.response",
        OutputPath="$.response",
    )
    # WHEN it runs on an input with data outside InputPath
    result = make_engine(machine(("Echo", state))).run({"request": {"value": 7}, "other": "kept?"})
    # THEN the handler saw only the Parameters built from InputPath, and OutputPath picked the ResultPath slot
    assert result.status == "SUCCEEDED"
    assert result.output == {"echoed": {"value": 7, "fixed": 1}, "status": 200}


def test_resultpath_merges_into_the_raw_input_not_the_inputpath_selection(make_engine):
    state = task("echo", InputPath="$.request", ResultPath="$.response.body")
    result = make_engine(machine(("Echo", state))).run({"request": {"value": 7}, "other": "kept"})
    body = result.output["response"]["body"]
    assert {key: body[key] for key in ("ExecutedVersion", "Payload", "StatusCode")} == {
        "ExecutedVersion": "$LATEST",
        "Payload": {"value": 7},
        "StatusCode": 200,
    }
    assert {key: value for key, value in result.output.items() if key != "response"} == {
        "request": {"value": 7},
        "other": "kept",
    }


def test_null_paths_discard_input_result_and_output(make_engine):
    definition = machine(
        ("NoInput", task("echo", InputPath=None, ResultSelector={"p.$": "$.Payload"}, Next="NoResult")),
        ("NoResult", task("echo", ResultPath=None, Next="NoOutput")),
        ("NoOutput", task("echo", OutputPath=None)),
    )
    engine = make_engine(definition)
    assert engine.run({"a": 1}).output == {}
    first_two = make_engine(machine(("NoInput", task("echo", InputPath=None, ResultSelector={"p.$": "$.Payload"}))))
    assert first_two.run({"a": 1}).output == {"p": {}}
    keep = make_engine(machine(("NoResult", task("echo", ResultPath=None))))
    assert keep.run({"a": 1}).output == {"a": 1}


def test_context_object_gives_execution_name_and_input(make_engine):
    state = task(
        "echo",
        Parameters={
            "FunctionName": "echo",
            "Payload": {"name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input", "state.$": "$$.State.Name"},
        },
        OutputPath="$.Payload",
    )
    result = make_engine(machine(("Named", state))).run({"x": 1}, name="run-42")
    assert result.output == {"name": "run-42", "input": {"x": 1}, "state": "Named"}
    assert result.execution_arn.endswith(":execution:local:run-42")


def test_missing_definite_path_fails_with_states_runtime(make_engine):
    state = task("echo", Parameters={"FunctionName": "echo", "Payload": {"v.$": "$.missing"}})
    result = make_engine(machine(("Echo", state))).run({"present": 1})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "$.missing" in result.cause


def test_indefinite_path_yields_a_list(make_engine):
    state = {"Type": "Pass", "Parameters": {"ids.$": "$.items[*].id", "big.$": "$.items[?(@.id > 1)].id"}, "End": True}
    result = make_engine(machine(("P", state))).run({"items": [{"id": 1}, {"id": 2}, {"id": 3}]})
    assert result.output == {"ids": [1, 2, 3], "big": [2, 3]}


def test_resultpath_creates_missing_objects_and_refuses_to_descend_into_a_scalar(make_engine):
    created = make_engine(machine(("P", {"Type": "Pass", "Result": 5, "ResultPath": "$.a.b.c", "End": True})))
    assert created.run({"x": 1}).output == {"x": 1, "a": {"b": {"c": 5}}}
    blocked = make_engine(machine(("P", {"Type": "Pass", "Result": 5, "ResultPath": "$.a.b", "End": True})))
    result = blocked.run({"a": "a string"})
    assert (result.status, result.error) == ("FAILED", "States.ResultPathMatchFailure")


def test_pass_result_and_parameters(make_engine):
    definition = machine(
        ("Params", {"Type": "Pass", "Parameters": {"copy.$": "$.v", "k": "static"}, "ResultPath": "$.p", "Next": "R"}),
        ("R", {"Type": "Pass", "Result": {"fixed": True}, "ResultPath": "$.r", "End": True}),
    )
    assert make_engine(definition).run({"v": 3}).output == {
        "v": 3,
        "p": {"copy": 3, "k": "static"},
        "r": {"fixed": True},
    }


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ("States.Format('Hello, my name is {}.', $.name)", {"name": "Arnav"}, "Hello, my name is Arnav."),
        ("States.Format('{} {} {} {}', 1, 2.5, true, null)", {}, "1 2.5 true null"),
        ("States.Format('\\{\\} {} it\\'s', 'x')", {}, "{} x it's"),
        ("States.Format($.template, $.name)", {"template": "Hi {}!", "name": "Bo"}, "Hi Bo!"),
        ("States.StringToJson($.text)", {"text": '{"a": [1, 2]}'}, {"a": [1, 2]}),
        ("States.JsonToString($.obj)", {"obj": {"a": [1, "é"]}}, '{"a":[1,"é"]}'),
        ("States.Array('start', $.n, States.Array(1), 'end')", {"n": 4}, ["start", 4, [1], "end"]),
        ("States.Format('{}', States.JsonToString($.obj))", {"obj": {"k": 1}}, '{"k":1}'),
    ],
)
def test_intrinsic_functions_follow_the_aws_examples(make_engine, expression, data, expected):
    state = {"Type": "Pass", "Parameters": {"value.$": expression}, "End": True}
    assert make_engine(machine(("P", state))).run(data).output == {"value": expected}


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("States.Format('{} and {}', $.a)", {"a": 1}),
        ("States.StringToJson($.a)", {"a": "{not json"}),
        ("States.StringToJson($.a)", {"a": 5}),
    ],
)
def test_intrinsic_that_cannot_be_evaluated_fails_with_intrinsic_failure(make_engine, expression, data):
    state = {"Type": "Pass", "Parameters": {"value.$": expression}, "End": True}
    result: ExecutionResult = make_engine(machine(("P", state))).run(data)
    assert (result.status, result.error) == ("FAILED", "States.IntrinsicFailure")


def test_choice_routes_by_the_first_matching_rule_then_default(make_engine):
    definition = machine(
        (
            "Route",
            {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
                    {
                        "And": [
                            {"Variable": "$.name", "StringMatches": "log-*.txt"},
                            {"Not": {"Variable": "$.skip", "BooleanEquals": True}},
                        ],
                        "Next": "Log",
                    },
                    {"Variable": "$.missing", "IsPresent": True, "Next": "Big"},
                ],
                "Default": "Other",
            },
        ),
        ("Big", {"Type": "Pass", "Result": "big", "End": True}),
        ("Log", {"Type": "Pass", "Result": "log", "End": True}),
        ("Other", {"Type": "Pass", "Result": "other", "End": True}),
    )
    engine = make_engine(definition)
    assert engine.run({"n": 11}).output == "big"
    assert engine.run({"n": 1, "name": "log-1.txt", "skip": False}).output == "log"
    assert engine.run({"n": 1, "name": "log-1.txt", "skip": True}).output == "other"
    assert engine.run({"n": "11", "name": "x"}).output == "other"  # a string is not numeric: no match, no error


def test_choice_without_match_or_default_fails(make_engine):
    definition = machine(
        ("Route", {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}]}),
        ("Done", {"Type": "Succeed"}),
    )
    result = make_engine(definition).run({"n": 2})
    assert (result.status, result.error) == ("FAILED", "States.NoChoiceMatched")


def test_handler_sees_a_json_copy_and_a_lambda_context(make_engine):
    state = task(
        "describe_call", Parameters={"FunctionName": "describe_call", "Payload.$": "$"}, OutputPath="$.Payload"
    )
    output = make_engine(machine(("Call", state))).run({"a": [1, 2]}).output
    assert output["event"] == {"a": [1, 2]}
    assert output["function_name"] == "describe_call"
    assert output["remaining_ms_positive"] is True
    assert len(output["request_id"]) == 36


def test_handlers_see_the_environment_and_the_local_store(make_engine, tmp_path):
    state = task("environment", OutputPath="$.Payload")
    engine = make_engine(machine(("Env", state)), environment={"RESULTS_BUCKET": "b1"})
    output = engine.run({"names": ["RESULTS_BUCKET", "HPC_LOCAL_STORE"]}).output
    assert output == {"RESULTS_BUCKET": "b1", "HPC_LOCAL_STORE": str((tmp_path / "store").resolve())}


def test_execution_output_is_plain_json(make_engine):
    result = make_engine(machine(("Echo", task("echo", OutputPath="$.Payload")))).run({"n": [1, {"k": None}]})
    assert json.loads(json.dumps(result.output)) == {"n": [1, {"k": None}]}

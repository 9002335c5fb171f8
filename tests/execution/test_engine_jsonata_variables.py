"""Workflow variables (Assign, `$name`) in both query languages, and JSONata states, as the Step Functions developer
guide describes them ("Passing data between states with variables", "Transforming data with JSONata")."""

from __future__ import annotations

import json

import pytest
from test_engine_map import map_state, result_files
from toy_machine import machine, task

from hpc.engine import InvalidDefinition, UnsupportedDefinition


def jsonata(*states: tuple[str, dict]) -> dict:
    return {"QueryLanguage": "JSONata", **machine(*states)}


PUT = "arn:aws:states:::s3:putObject"
JSONATA_DISTRIBUTED = {
    "Type": "Map",
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {"Work": {"Type": "Pass", "End": True}},
    },
    "End": True,
}


# ---- variables in JSONPath states -----------------------------------------------------------------------------------


def test_jsonpath_assign_stores_values_later_states_read_by_name(make_engine):
    definition = machine(
        ("Keep", {"Type": "Pass", "Assign": {"customer.$": "$.name", "count": 42}, "Next": "Use"}),
        (
            "Use",
            {
                "Type": "Pass",
                "Parameters": {
                    "name.$": "$customer",
                    "greeting.$": "States.Format('Hello {} ({})', $customer, $count)",
                    "not-evaluated": "$customer",
                },
                "End": True,
            },
        ),
    )
    result = make_engine(definition).run({"name": "Ana"})
    assert result.output == {"name": "Ana", "greeting": "Hello Ana (42)", "not-evaluated": "$customer"}


def test_jsonpath_assign_reads_the_task_result_after_result_selector(make_engine):
    state = task(
        "echo",
        ResultSelector={"doubled.$": "States.MathAdd($.Payload.n, $.Payload.n)"},
        Assign={"total.$": "$.doubled"},
        ResultPath=None,
        Next="Show",
    )
    definition = machine(("Call", state), ("Show", {"Type": "Pass", "Parameters": {"t.$": "$total"}, "End": True}))
    assert make_engine(definition).run({"n": 4}).output == {"t": 8}


def test_all_assignments_of_a_state_see_the_values_from_before_it(make_engine):
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "Swap"}),
        ("Swap", {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a"}, "Next": "Show"}),
        ("Show", {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b"}, "End": True}),
    )
    assert make_engine(definition).run({}).output == {"a": 2, "b": 1}


def test_a_variable_never_assigned_fails_with_states_runtime(make_engine):
    result = make_engine(machine(("P", {"Type": "Pass", "Parameters": {"v.$": "$ghost"}, "End": True}))).run({})
    assert result.error == "States.Runtime" and "'$ghost'" in result.cause


def test_branches_read_outer_variables_and_keep_their_own(make_engine):
    branch = machine(
        ("Inner", {"Type": "Pass", "Assign": {"inner": "x", "outer": "shadowed"}, "Next": "Read"}),
        ("Read", {"Type": "Pass", "Parameters": {"outer.$": "$outer", "inner.$": "$inner"}, "End": True}),
    )
    definition = machine(
        ("Set", {"Type": "Pass", "Assign": {"outer": "kept"}, "Next": "P"}),
        ("P", {"Type": "Parallel", "Branches": [branch], "ResultPath": "$.branches", "Next": "After"}),
        ("After", {"Type": "Pass", "Parameters": {"outer.$": "$outer", "b.$": "$.branches"}, "End": True}),
    )
    result = make_engine(definition).run({})
    assert result.output == {"outer": "kept", "b": [{"outer": "shadowed", "inner": "x"}]}
    leaked = machine(
        ("P", {"Type": "Parallel", "Branches": [branch], "Next": "After"}),
        ("After", {"Type": "Pass", "Parameters": {"inner.$": "$inner"}, "End": True}),
    )
    assert make_engine(leaked).run({}).error == "States.Runtime"


def test_distributed_map_children_start_without_the_outer_variables(make_engine, tmp_path):
    child = {"Type": "Pass", "Parameters": {"v.$": "$outer"}, "End": True}
    state = map_state(ItemSelector={"v.$": "$outer"}, ToleratedFailurePercentage=100)
    state["ItemProcessor"]["States"] = {"Work": child}
    definition = machine(("Set", {"Type": "Pass", "Assign": {"outer": 1}, "Next": "Map"}), ("Map", state))
    result = make_engine(definition).run({"items": [1]})
    manifest = tmp_path / "store" / "results" / "runs" / "r1"
    failed = json.loads(next(manifest.rglob("FAILED_0.json")).read_text())
    assert result.status == "SUCCEEDED"
    assert failed[0]["Error"] == "States.Runtime" and "'$outer'" in failed[0]["Cause"]
    assert json.loads(failed[0]["Input"]) == {"v": 1}  # the ItemSelector, in the parent's scope, did see it


@pytest.mark.parametrize(
    ("assign", "message"),
    [({"states": 1}, "not 'states'"), ({"1x": 1}, "variable name"), (["x"], "must be a JSON object")],
)
def test_bad_variable_names_are_refused(make_engine, assign, message):
    with pytest.raises(InvalidDefinition, match=message):
        make_engine(machine(("P", {"Type": "Pass", "Assign": assign, "End": True})))


# ---- JSONata states -------------------------------------------------------------------------------------------------


def test_jsonata_task_uses_arguments_result_and_output(make_engine):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "echo", "Payload": {"title": "{% $states.input.title %}", "n": "{% 1 + 2 %}"}},
        "Output": {"echoed": "{% $states.result.Payload %}", "execution": "{% $states.context.Execution.Name %}"},
        "End": True,
    }
    result = make_engine(jsonata(("Call", state))).run({"title": "T"}, name="run-7")
    assert result.output == {"echoed": {"title": "T", "n": 3}, "execution": "run-7"}


def test_jsonata_task_output_defaults_to_the_result(make_engine):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "Arguments": "{% $states.input.payload %}",
        "End": True,
    }
    assert make_engine(jsonata(("Call", state))).run({"payload": {"k": [1]}}).output == {"k": [1]}


def test_jsonata_pass_choice_wait_and_variables(make_engine):
    definition = jsonata(
        ("Start", {"Type": "Pass", "Assign": {"limit": "{% $states.input.limit %}"}, "Next": "Check"}),
        (
            "Check",
            {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.value > $limit %}",
                        "Assign": {"verdict": "big"},
                        "Output": {"v": "{% $states.input.value %}"},
                        "Next": "Pause",
                    }
                ],
                "Default": "Small",
                "Assign": {"verdict": "small"},
            },
        ),
        ("Pause", {"Type": "Wait", "Seconds": "{% $limit - $limit %}", "Next": "Done"}),
        ("Small", {"Type": "Pass", "Output": {"verdict": "{% $verdict %}"}, "End": True}),
        ("Done", {"Type": "Pass", "Output": "{% {'verdict': $verdict, 'v': $states.input.v} %}", "End": True}),
    )
    engine = make_engine(definition)
    assert engine.run({"limit": 10, "value": 11}).output == {"verdict": "big", "v": 11}
    assert engine.run({"limit": 10, "value": 3}).output == {"verdict": "small"}


def test_jsonata_condition_must_give_a_boolean(make_engine):
    choice = {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "E"}], "Default": "E"}
    result = make_engine(jsonata(("C", choice), ("E", {"Type": "Succeed"}))).run({"n": 5})
    assert result.error == "States.QueryEvaluationError"


def test_jsonata_inline_map_and_parallel(make_engine):
    definition = jsonata(
        (
            "M",
            {
                "Type": "Map",
                "Items": "{% $states.input.numbers %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {
                    "StartAt": "Square",
                    "States": {
                        "Square": {
                            "Type": "Pass",
                            "Output": "{% $states.input.value * $states.input.value %}",
                            "End": True,
                        }
                    },
                },
                "Output": {"squares": "{% $states.result %}"},
                "Next": "P",
            },
        ),
        (
            "P",
            {
                "Type": "Parallel",
                "Arguments": "{% $states.input.squares %}",
                "Branches": [
                    machine(("Sum", {"Type": "Pass", "Output": "{% $sum($states.input) %}", "End": True})),
                    machine(("Max", {"Type": "Pass", "Output": "{% $max($states.input) %}", "End": True})),
                ],
                "End": True,
            },
        ),
    )
    assert make_engine(definition).run({"numbers": [1, 2, 3]}).output == [14, 9]


def test_jsonata_catch_sees_the_error_output(make_engine):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "fail", "Payload": {"message": "nope"}},
        "Catch": [
            {
                "ErrorEquals": ["States.ALL"],
                "Assign": {"failed": "{% $states.errorOutput.Error %}"},
                "Output": {"cause": "{% $parse($states.errorOutput.Cause).errorMessage %}"},
                "Next": "Report",
            }
        ],
        "End": True,
    }
    report = {"Type": "Pass", "Output": {"error": "{% $failed %}", "cause": "{% $states.input.cause %}"}, "End": True}
    assert make_engine(jsonata(("Call", state), ("Report", report))).run({}).output == {
        "error": "Boom",
        "cause": "nope",
    }


def test_jsonata_fail_state_computes_error_and_cause(make_engine):
    fail = {"Type": "Fail", "Error": "{% 'Bad' & $states.input.kind %}", "Cause": "{% $string($states.input.n) %}"}
    result = make_engine(jsonata(("F", fail))).run({"kind": "Input", "n": 3})
    assert (result.error, result.cause) == ("BadInput", "3")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$partition([1,2,3,4,5], 2)", [[1, 2], [3, 4], [5]]),
        ("$range(0, 10, 5)", [0, 5, 10]),
        ("$hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("$parse('{\"a\": [1]}')", {"a": [1]}),
        ("$random(7) = $random(7)", True),
        ("$length($uuid())", 36),
    ],
)
def test_jsonata_has_the_functions_aws_adds(make_engine, expression, expected):
    result = make_engine(jsonata(("P", {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}))).run({})
    assert result.output == expected


def test_jsonata_error_while_evaluating_names_the_field(make_engine):
    state = {"Type": "Pass", "Output": {"x": "{% $number('not a number') %}"}, "End": True}
    result = make_engine(jsonata(("P", state))).run({})
    assert result.error == "States.QueryEvaluationError"
    assert result.cause.startswith("An error occurred while executing the state 'P' (entered at the event id #2).")
    assert "'Output.x'" in result.cause


def test_jsonata_distributed_map_reads_batches_selects_and_writes_results(make_engine, tmp_path):
    (tmp_path / "store" / "in").mkdir(parents=True)
    (tmp_path / "store" / "in" / "items.json").write_text(json.dumps(list(range(1, 8))))
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.max %}"},
            "Arguments": {"Bucket": "in", "Key": "{% $states.input.key %}"},
        },
        "ItemSelector": {"item": "{% $states.context.Map.Item.Value * $factor %}"},
        "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.batch %}", "BatchInput": {"fail": "{% [12] %}"}},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {
                        "FunctionName": "square",
                        "Payload": "{% {'Items': $states.input.Items.item, 'BatchInput': $states.input.BatchInput} %}",
                    },
                    "Output": "{% $states.result.Payload %}",
                    "End": True,
                }
            },
        },
        "ToleratedFailurePercentage": "{% $states.input.tolerated %}",
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Arguments": {"Bucket": "results", "Prefix": "{% 'runs/' & $states.context.Execution.Name %}"},
        },
        "Output": {"key": "{% $states.result.ResultWriterDetails.Key %}"},
        "End": True,
    }
    definition = jsonata(("Init", {"Type": "Pass", "Assign": {"factor": 2}, "Next": "Map"}), ("Map", state))
    data = {"key": "items.json", "max": 6, "batch": 2, "tolerated": 50}
    result = make_engine(definition).run(data, name="j1")
    assert result.status == "SUCCEEDED", result.cause
    files = result_files(
        tmp_path / "store", {"ResultWriterDetails": {"Bucket": "results", "Key": result.output["key"]}}
    )
    # items 1..6 (MaxItems 6), doubled, in batches of 2: [2,4] [6,8] [10,12]; the batch holding 12 fails
    assert sorted(json.loads(r["Output"])["sum"] for r in files["SUCCEEDED"]) == [20, 100]
    assert [json.loads(r["Input"])["Items"] for r in files["FAILED"]] == [[{"item": 10}, {"item": 12}]]
    assert result.output["key"].startswith("runs/j1/")


def test_jsonata_distributed_map_over_items_without_a_writer(make_engine):
    state = {**map_state(), "Items": "{% $states.input.values %}", "Output": "{% $sum($states.result) %}"}
    for key in ("ItemsPath", "ResultWriter"):
        del state[key]
    state["ItemProcessor"]["States"] = {"Work": {"Type": "Pass", "Output": "{% $states.input * 10 %}", "End": True}}
    assert make_engine(jsonata(("Map", state))).run({"values": [1, 2, 3]}).output == 60


def test_a_jsonpath_machine_may_have_a_jsonata_state(make_engine):
    definition = machine(
        ("Old", {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "New"}),
        ("New", {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.n * 10 %}", "End": True}),
    )
    assert make_engine(definition).run({"n": 4}).output == 40


def test_distributed_map_children_may_use_jsonata(make_engine, tmp_path):
    state = map_state()
    state["ItemProcessor"]["States"] = {
        "Work": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input * 2 %}", "End": True}
    }
    del state["ResultWriter"]
    assert make_engine(machine(("Map", state))).run({"items": [1, 2, 3]}).output == [2, 4, 6]


@pytest.mark.parametrize(
    ("definition", "error", "message"),
    [
        (jsonata(("P", {"Type": "Pass", "Output": "{% 1 + %}", "End": True})), InvalidDefinition, r"States\.P\.Output"),
        (
            jsonata(("P", {"Type": "Pass", "Parameters": {}, "End": True})),
            InvalidDefinition,
            r"States\.P\.Parameters: not a field",
        ),
        (
            machine(("P", {"Type": "Pass", "Output": 1, "End": True})),
            InvalidDefinition,
            r"States\.P\.Output: not a field",
        ),
        (
            jsonata(("P", {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True})),
            InvalidDefinition,
            r"States\.P\.QueryLanguage: a state cannot use JSONPath",
        ),
        (
            jsonata(("Map", {**JSONATA_DISTRIBUTED, "ResultWriter": {"Resource": PUT, "Parameters": {"Bucket": "b"}}})),
            UnsupportedDefinition,
            r"States\.Map\.ResultWriter\.Parameters",
        ),
        (
            jsonata(("Map", {**JSONATA_DISTRIBUTED, "ItemReader": {"Resource": "arn:aws:states:::dynamodb:scan"}})),
            UnsupportedDefinition,
            r"States\.Map\.ItemReader\.Resource",
        ),
        (
            jsonata(("Map", {**JSONATA_DISTRIBUTED, "ItemsPath": "$.items"})),
            InvalidDefinition,
            r"States\.Map\.ItemsPath: not a field of a Map state using JSONata",
        ),
    ],
)
def test_jsonata_definitions_are_checked_before_the_run(make_engine, definition, error, message):
    for state in definition["States"].values():
        for key in [k for k, v in state.items() if v is None]:
            del state[key]
    with pytest.raises(error, match=message):
        make_engine(definition)


@pytest.mark.parametrize(("tolerated", "succeeds"), [(100, True), (100.5, False), (-1, False)])
def test_a_jsonata_tolerated_percentage_must_lie_in_0_to_100(make_engine, tolerated, succeeds):
    state = {
        **map_state(),
        "Items": "{% $states.input.values %}",
        "ToleratedFailurePercentage": "{% $states.input.t %}",
    }
    for key in ("ItemsPath", "ResultWriter"):
        del state[key]
    state["ItemProcessor"]["States"] = {"Work": {"Type": "Pass", "Output": "{% $states.input %}", "End": True}}
    result = make_engine(jsonata(("Map", state))).run({"values": [1], "t": tolerated})
    assert (result.status == "SUCCEEDED") is succeeds, result.cause
    if not succeeds:
        assert result.error == "States.QueryEvaluationError"
        assert "ToleratedFailurePercentage" in result.cause

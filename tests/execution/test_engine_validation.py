"""Definitions are checked before anything runs: what the engine does not emulate is refused, naming the field."""

from __future__ import annotations

import copy

import pytest
from toy_machine import TOY_FUNCTIONS, machine, task

from asl.definition import Functions, build_definition
from hpc.engine import InvalidDefinition, LocalEngine, UnsupportedDefinition
from hpc.settings import Settings

FUNCTIONS = {"start": "handlers.start:handler", "compute": "handlers.compute:handler", "sum": "handlers.sum:handler"}


def project_definition(**settings) -> dict:
    return build_definition(Functions("start", "compute", "sum"), "local-bucket", Settings(**settings))


def engine_for(definition: dict, tmp_path, functions=None) -> LocalEngine:
    return LocalEngine(definition, functions or FUNCTIONS, tmp_path)


@pytest.mark.parametrize("batch", [1, 128])
def test_the_projects_definition_is_accepted(tmp_path, batch):
    engine_for(project_definition(max_items_per_batch=batch), tmp_path)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda d: d["States"]["Compute"]["ItemReader"]["ReaderConfig"].update(CSVHeaders=["a"]),
            "States.Compute.ItemReader.ReaderConfig.CSVHeaders",
        ),
        (
            lambda d: d["States"]["Compute"]["ItemReader"]["ReaderConfig"].update(InputType="PARQUET"),
            "States.Compute.ItemReader.ReaderConfig.InputType",
        ),
        (
            lambda d: d["States"]["Compute"]["ItemReader"]["ReaderConfig"].update(ManifestType="ATHENA_DATA"),
            "States.Compute.ItemReader.ReaderConfig.ManifestType",
        ),
        (
            lambda d: d["States"]["Compute"]["ItemReader"].update(Resource="arn:aws:states:::s3:listObjects"),
            "States.Compute.ItemReader.Resource",
        ),
        (
            lambda d: d["States"]["Compute"]["ResultWriter"].update(WriterConfig={"Transformation": "COMPACT"}),
            "States.Compute.ResultWriter.WriterConfig",
        ),
        (
            lambda d: d["States"]["Compute"]["ItemProcessor"]["States"]["ComputeItems"].update(TimeoutSeconds=60),
            "States.Compute.ItemProcessor.States.ComputeItems.TimeoutSeconds",
        ),
        (lambda d: d["States"]["Start"].update(Resource="arn:aws:states:::dynamodb:getItem"), "States.Start.Resource"),
        (lambda d: d["States"]["Start"]["Parameters"].update(Qualifier="live"), "States.Start.Parameters.Qualifier"),
        (lambda d: d["States"]["Start"].update(TimeoutSecondsPath="$.t"), "States.Start.TimeoutSecondsPath"),
        (lambda d: d.update(TimeoutSeconds=60), "TimeoutSeconds"),
    ],
)
def test_unsupported_field_is_refused_naming_its_path(tmp_path, change, field):
    definition = copy.deepcopy(project_definition())
    change(definition)
    with pytest.raises(UnsupportedDefinition) as refused:
        engine_for(definition, tmp_path)
    assert str(refused.value).startswith(f"{field}: ")
    assert "not emulated by the local engine" in str(refused.value) or "only JSONPath" in str(refused.value)


def test_intrinsic_function_that_does_not_exist_is_refused_up_front(tmp_path):
    state = {"Type": "Pass", "Parameters": {"id.$": "States.Guid()"}, "End": True}
    with pytest.raises(InvalidDefinition, match=r"States\.P\.Parameters\.id\.\$: intrinsic function States\.Guid"):
        LocalEngine(machine(("P", state)), TOY_FUNCTIONS, tmp_path)


def test_unknown_function_name_is_refused(tmp_path):
    with pytest.raises(InvalidDefinition, match="States.Call.Parameters.FunctionName: no local handler for 'nope'"):
        LocalEngine(machine(("Call", task("nope"))), TOY_FUNCTIONS, tmp_path)


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (machine(("A", {"Type": "Pass", "Next": "Nowhere"})), "States.A.Next: 'Nowhere' is not a state"),
        (machine(("A", {"Type": "Pass"})), "States.A: needs exactly one of Next"),
        ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, "StartAt: 'X' is not a state"),
        (machine(("A", {"Type": "Pass", "ResultPath": "$.a[*]", "End": True})), "States.A.ResultPath"),
        (machine(("A", {"Type": "Pass", "InputPath": "$.a[", "End": True})), "States.A.InputPath"),
        (
            machine(("A", task("echo", Retry=[{"ErrorEquals": ["States.ALL", "X"]}]))),
            "States.A.Retry[0].ErrorEquals: States.ALL must appear alone",
        ),
        (
            machine(("A", {"Type": "Pass", "Parameters": {"v.$": "States.Format(1)"}, "End": True})),
            "States.A.Parameters.v.$",
        ),
    ],
)
def test_invalid_definition_is_refused(tmp_path, definition, message):
    with pytest.raises(InvalidDefinition, match=message.replace("[", r"\[").replace("$", r"\$").replace(".", r"\.")):
        LocalEngine(definition, TOY_FUNCTIONS, tmp_path)


def test_nothing_runs_when_the_definition_is_refused(tmp_path, fake_dir):
    definition = machine(
        ("Call", task("flaky", Next="Bad")),
        ("Bad", {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}),
    )
    with pytest.raises(UnsupportedDefinition, match="States.Bad.Resource"):
        LocalEngine(definition, TOY_FUNCTIONS, tmp_path)
    assert list(fake_dir.iterdir()) == []


def test_handler_that_cannot_be_imported_is_reported_before_running(tmp_path):
    engine = LocalEngine(machine(("Call", task("echo"))), {"echo": "fakes.missing_module:echo"}, tmp_path)
    with pytest.raises(InvalidDefinition, match="cannot import 'fakes.missing_module'"):
        engine.run({})

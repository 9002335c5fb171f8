"""A Map child of the one-Task shape (lambda:invoke, the whole input as payload, OutputPath $.Payload) runs without
the interpreter's per-state machinery, and ends exactly as the interpreter would end it: the same record, the same
output, the same errors and retries."""

from __future__ import annotations

import json
import re

import pytest
from toy_machine import task

from asl import build_definition
from handlers import compute
from hpc.engine import pool
from hpc.engine.direct_invoke import DirectInvoke
from hpc.engine.interpreter import Context, Runtime
from hpc.engine.item_text import IntText
from hpc.engine.map_child import ChildNames, ChildRunner
from hpc.engine.map_items import ChildInputs
from hpc.engine.tolerance import Threshold
from hpc.local import LOCAL_BUCKET, LOCAL_FUNCTIONS
from hpc.settings import Settings


class Flaky(Exception):
    pass


attempts: dict[str, int] = {}


def handler(event, context):
    kind = event["kind"]
    attempts[kind] = attempts.get(kind, 0) + 1
    if kind == "fails":
        raise ValueError(f"bad item {event['n']}")
    if kind == "flaky" and attempts[kind] % 2:
        raise Flaky("try again")
    if kind == "huge":
        return "x" * 300_000
    if kind == "unmarshallable":
        return {1, 2}
    if kind == "changes-its-event":
        event["n"] = -1
    return {"n": event["n"], "seen": kind, "request": len(context.aws_request_id)}


RETRY = [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}]


def processor(**fields):
    return {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {"Work": task("fn", OutputPath="$.Payload", **fields)},
    }


def runner(machine, direct: bool, function=None, state=None, data=None) -> ChildRunner:
    """A worker's child runner for `machine`'s children, their function `function` (default `handler`), the Map
    `state` (its ItemSelector and ItemBatcher) over the Map input `data`; `direct` False forces the interpreter."""
    runtime = Runtime(handlers={"fn": function or handler}, retry_delay_scale=0)
    context = Context({})
    context.variables = None
    made = ChildRunner(
        machine,
        runtime,
        ChildNames(lambda kind: f"arn:aws:states:local:0:{kind}", "m", "Map"),
        ChildInputs(state or {}, data or {}, context),
        threshold=Threshold.of({"ToleratedFailurePercentage": 100}),
        failed_items=pool.SharedInts(1),
        known_total=pool.SharedInts(1, -1),
        stop=pool.StopFlag(),
        writes_results=True,
        timed=True,
    )
    if not direct:
        made.direct = None
    return made


def comparable(outcome) -> tuple:
    status, child, payload, items, _, _, _, tries = outcome
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "<date>", payload.decode())
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text)
    return status, child, json.loads(text), items, tries


@pytest.mark.parametrize("kind", ["ok", "fails", "flaky", "huge", "unmarshallable", "changes-its-event"])
@pytest.mark.parametrize("retry", [True, False])
def test_a_direct_child_ends_as_the_interpreter_ends_it(kind, retry):
    machine = processor(Retry=RETRY) if retry else processor()
    direct, general = runner(machine, True), runner(machine, False)
    assert direct.direct is not None
    child = (3, 3, [{"kind": kind, "n": 3}], False)
    attempts.clear()
    ours = comparable(direct(child)[0])
    attempts.clear()
    theirs = comparable(general(child)[0])
    assert ours == theirs
    record = ours[2]
    assert json.loads(record["Input"]) == {"kind": kind, "n": 3}  # the handler's changes never reach the record
    expected = {"ok": "SUCCEEDED", "changes-its-event": "SUCCEEDED", "flaky": "SUCCEEDED" if retry else "FAILED"}
    assert record["Status"] == expected.get(kind, "FAILED")


def test_its_error_names_the_state_as_the_interpreter_does():
    direct = runner(processor(), True)
    record = json.loads(direct((0, 0, [{"kind": "huge", "n": 0}], False))[0][2])
    assert record["Error"] == "States.DataLimitExceeded"
    assert "'Work'" in record["Cause"]


@pytest.mark.parametrize(
    "machine",
    [
        processor(ResultPath="$.out"),
        processor(ResultSelector={"p.$": "$.Payload"}),
        processor(InputPath="$.x"),
        processor(Assign={"v": 1}),
        processor(QueryLanguage="JSONata"),
        {**processor(), "States": {"Work": task("fn", OutputPath="$")}},
        {**processor(), "States": {"Work": task("fn", Parameters={"FunctionName": "fn", "Payload.$": "$.x"})}},
        {**processor(), "States": {"Work": task("nobody", OutputPath="$.Payload")}},
        {**processor(), "StartAt": "A", "States": {"A": task("fn", Next="Work"), "Work": task("fn")}},
    ],
    ids=["ResultPath", "ResultSelector", "InputPath", "Assign", "JSONata", "OutputPath", "Payload", "unknown", "two"],
)
def test_any_other_shape_runs_in_the_interpreter(machine):
    runtime = Runtime(handlers={"fn": handler})
    assert DirectInvoke.of(machine, runtime) is None


@pytest.mark.parametrize("batch", [1, 128])
def test_the_projects_compute_children_take_the_direct_path(batch):
    definition = build_definition(LOCAL_FUNCTIONS, LOCAL_BUCKET, Settings()._replace(max_items_per_batch=batch))
    item_processor = definition["States"]["Compute"]["ItemProcessor"]
    function = item_processor["States"]["ComputeItems"]["Parameters"]["FunctionName"]
    assert DirectInvoke.of(item_processor, Runtime(handlers={function: compute.handler})) is not None


def test_an_input_too_large_with_its_parameters_fails_as_in_the_interpreter():
    # GIVEN an input under 256 KiB that goes over it once wrapped in {"FunctionName", "Payload"}
    child = (0, 0, [{"kind": "ok", "n": 0, "pad": "x" * (262_144 - 40)}], False)
    direct, general = runner(processor(), True), runner(processor(), False)
    ours, theirs = comparable(direct(child)[0]), comparable(general(child)[0])
    assert ours == theirs
    assert ours[2]["Error"] == "States.DataLimitExceeded"
    assert "input after Parameters" in ours[2]["Cause"]


seen_events: list = []


def meddler(event, context):
    """Records the event it got, then changes every part of it; fails on its first call for each batch."""
    seen_events.append(json.loads(json.dumps(event)))
    first_call = len([e for e in seen_events if e["Items"] == seen_events[-1]["Items"]]) == 1
    event["Items"].append(99)
    event["Items"][0] = -1
    event["BatchInput"]["job"]["n"] = -1
    if first_call:
        raise Flaky("again")
    return {"count": len(event["Items"])}


def batch_runner(direct: bool, fresh_selector: bool = True) -> ChildRunner:
    state: dict = {"ItemBatcher": {"MaxItemsPerBatch": 4, "BatchInput": {"job": {"n": 1}}}}
    if not fresh_selector:
        state["ItemSelector"] = {"v.$": "$$.Map.Item.Value", "shared.$": "$.shared"}
    return runner(processor(Retry=RETRY), direct, meddler, state, {"shared": {"k": [1]}})


@pytest.mark.parametrize("fresh_selector", [True, False])
def test_a_batch_made_for_its_child_alone_is_handed_over_uncopied_and_nothing_it_changes_leaks(fresh_selector):
    # GIVEN batches of integers still in text (made in the worker for their child alone), and a function that changes
    # its whole event and fails its first attempt at each batch
    children = [(0, 0, IntText("1,2,3,4", 4), False), (1, 4, IntText("5,6,7,8", 4), False)]
    outcomes = {}
    for direct in (True, False):
        seen_events.clear()
        runner = batch_runner(direct, fresh_selector)
        if direct:
            assert (runner.inputs.owns_input(children[0])) == fresh_selector
        outcomes[direct] = [comparable(runner(child)[0]) for child in children]
        events = list(seen_events)
        # THEN every attempt, the retry included, and the next batch see the events as the Map made them
        assert [event["BatchInput"] for event in events] == [{"job": {"n": 1}}] * 4
        firsts = [event["Items"] for event in events]
        assert firsts[0] == firsts[1] and firsts[2] == firsts[3]
    # AND the records are those of the interpreter's path
    assert outcomes[True] == outcomes[False]
    assert [outcome[2]["Status"] for outcome in outcomes[True]] == ["SUCCEEDED", "SUCCEEDED"]

"""The engine's cheaper ways of doing what it did before give the same answers: payload sizes without encoding,
request ids without uuid objects."""

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpc.engine import lambdas, limits, map_child, map_items, uuids
from hpc.engine.interpreter import Context, Execution
from hpc.engine.item_text import IntText

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=9),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_payload_size_is_the_utf8_length_of_compact_json(value, remember_a_part):
    # GIVEN a value, one of whose parts may have its JSON remembered (as a Map child's input is)
    if remember_a_part and isinstance(value, dict) and value:
        part = next(iter(value.values()))
        limits.remember(part, limits.to_json(part))
    # THEN its size is exactly what encoding it whole gives
    assert limits.payload_size(value) == len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def test_a_remembered_value_is_sized_and_encoded_from_memory():
    value = {"Items": list(range(1000))}
    limits.remember(value, "[remembered]")
    assert limits.to_json(value) == "[remembered]"
    assert limits.payload_size(value) == len("[remembered]")
    assert limits.to_json({"Items": [1]}) == '{"Items":[1]}'  # an equal but different object is encoded


def test_request_ids_are_version_4_uuids():
    ids = {lambdas.request_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in list(ids)[:50]:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_uuid_text_is_how_the_uuid_module_writes_the_same_number(value):
    assert uuids.uuid_text(value) == str(uuid.UUID(int=value))


def test_random_uuid_numbers_are_version_4_and_differ():
    numbers = {uuids.random_uuid_int() for _ in range(1000)}
    assert len(numbers) == 1000
    for number in list(numbers)[:50]:
        parsed = uuid.UUID(int=number)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_a_handlers_copy_of_its_event_is_what_decoding_its_json_gives(value):
    copied = lambdas.private_copy(value)
    assert json.dumps(copied) == json.dumps(json.loads(json.dumps(value)))


def test_a_handler_changing_its_event_changes_nothing_of_the_states_data():
    event = {"Items": [1, 2, 3], "BatchInput": {"job": {"params": {"size": 3}}}, "rows": [{"a": "1"}]}
    copied = lambdas.private_copy(event)
    copied["Items"].append(4)
    copied["BatchInput"]["job"]["params"]["size"] = 9
    copied["rows"][0]["a"] = "changed"
    assert event == {"Items": [1, 2, 3], "BatchInput": {"job": {"params": {"size": 3}}}, "rows": [{"a": "1"}]}


def test_what_is_not_a_json_value_reaches_the_handler_as_json_would_carry_it():
    assert lambdas.private_copy({"t": (1, 2), 3: "x"}) == {"t": [1, 2], "3": "x"}


@pytest.mark.parametrize("batch_input", [None, {"job": {"workload": "sum-squares", "params": {"size": 9}}}])
def test_a_batch_still_in_text_gets_the_input_and_json_of_its_decoded_items(batch_input):
    batcher = {"MaxItemsPerBatch": 4, **({"BatchInput": batch_input} if batch_input else {})}
    inputs = map_items.ChildInputs({"ItemBatcher": batcher}, {}, Context({}))
    from_text = inputs.input_and_json((0, 0, IntText("5,6,70,8", 4), False))
    from_list = inputs.input_of((0, 0, [5, 6, 70, 8], False))
    assert from_text == (from_list, limits.to_json(from_list), None)


RECORD_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(RECORD_TEXT, RECORD_TEXT, RECORD_TEXT)
def test_a_succeeded_record_is_what_encoding_its_fields_gives(name, input_json, output_json):
    execution = Execution(name=name, arn="arn:x:" + name, input=None, state_machine_arn="arn:m", state_machine_name="m")
    stopped = "2026-11-26T00:00:00.000Z"
    record = {
        "ExecutionArn": execution.arn,
        "Input": input_json,
        "InputDetails": {"Included": True},
        "Name": name,
        "Output": output_json,
        "OutputDetails": {"Included": True},
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE",
        "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
        "StartDate": execution.start_time,
        "StateMachineArn": "arn:m",
        "Status": "SUCCEEDED",
        "StopDate": stopped,
    }
    expected = json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()
    assert map_child.succeeded_record(execution, input_json, output_json, stopped) == expected


@pytest.mark.parametrize("child", [0, 1, 4095, 2**47, 2**48 - 1, 2**48, 2**60])
def test_a_child_name_is_the_map_runs_uuid_with_the_childs_index_folded_in(child):
    names = map_child.ChildNames(lambda kind: f"arn:aws:states:local:0:{kind}", "m", "Map")
    assert names.child_name(child) == str(uuid.UUID(int=names.map_run_uuid ^ child))


@pytest.mark.parametrize(
    "selector",
    [
        {"item.$": "$$.Map.Item.Value", "job.$": "$.job"},
        {"index.$": "$$.Map.Item.Index", "item.$": "$$.Map.Item.Value", "job.$": "$.job", "k": [1, "é"]},
        {"wrapped": {"v.$": "$$.Map.Item.Value"}, "n": None},
    ],
)
@pytest.mark.parametrize("value", [7, 'x"y\\z', {"a": [1, 2.5, None]}, None, "é"])
def test_an_unbatched_childs_input_json_is_what_encoding_its_input_gives(selector, value):
    context = Context({})
    context.variables = None
    inputs = map_items.ChildInputs({"ItemSelector": selector}, {"job": {"w": "s", "p": {"size": 3}}}, context)
    child_input, text, _ = inputs.input_and_json((0, 12, [value], False))
    assert text == limits.to_json(child_input) == limits.to_json(inputs.input_of((0, 12, [value], False)))

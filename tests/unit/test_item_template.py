"""A compiled ItemSelector (templates.ItemTemplate) selects exactly what the general evaluator does, fails the same
way, and knows the size of what it makes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpc.engine import limits, templates
from hpc.engine.errors import StatesError
from hpc.engine.interpreter import Context
from hpc.engine.variables import Scope

DATA = {"job": {"workload": "w", "params": {"n": 1}}, "list": [1, 2, 3], "name": "x"}


def context() -> Context:
    made = Context(Execution={"Name": "run-1", "Id": "arn:x"}, State={"Name": "Map"})
    made.variables = Scope()
    made.variables.assign({"threshold": 7}, "Start")
    return made


def general(template, index, value):
    return templates.evaluate(template, DATA, context().with_map_item(index, value))


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


TEMPLATES = [
    {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
    {"item.$": "$$.Map.Item.Value", "job.$": "$.job", "index.$": "$$.Map.Item.Index"},
    {"fixed": {"a": [1, "two", None], "b.$": "$.list[1]"}, "again.$": "$$.Map.Item.Value", "v.$": "$$.Map.Item.Value"},
    {"execution.$": "$$.Execution.Name", "whole.$": "$", "all.$": "$.list[*]", "limit.$": "$threshold"},
    {"first.$": "$$.Map.Item.Value.a", "format.$": "States.Format('{}-{}', $$.Map.Item.Index, $.name)"},
    {"item.$": "$$.Map.Item", "context.$": "$$.Map"},
    {"nested": [{"i.$": "$$.Map.Item.Index"}, "plain", 3.5, True]},
    {"a": 1, "a.$": "$.name"},  # the later field wins, in the earlier field's place, both ways
]
VALUES = [{"a": "1", "b": "two"}, 5, "text", None, [1, {"a": "é"}], {"a": {"deep": [True]}}]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("value", VALUES)
def test_a_compiled_selector_selects_what_the_general_evaluator_does(template, value):
    compiled = templates.ItemTemplate(template, DATA, context())
    for index in (0, 9, 10, 12345):
        try:
            expected = as_json(general(template, index, value))
        except StatesError as error:
            with pytest.raises(StatesError) as raised:
                compiled(index, value)
            assert (raised.value.error, raised.value.cause) == (error.error, error.cause)
            continue
        assert as_json(compiled(index, value)) == expected


@pytest.mark.parametrize("template", [*TEMPLATES, None])
def test_a_run_is_selected_as_its_items_are_one_by_one(template):
    # GIVEN items of every kind, one of which a path into the value cannot read
    compiled = templates.ItemTemplate(template, DATA, context())
    values = [*VALUES, "x", {"a": "last"}]
    try:
        expected = as_json([compiled(index, value) for index, value in enumerate(values, 40)])
    except StatesError as error:
        # THEN a run fails with the error of its first failing item
        with pytest.raises(StatesError) as raised:
            compiled.select_all(40, values)
        assert (raised.value.error, raised.value.cause) == (error.error, error.cause)
        return
    # THEN a run is its items selected one by one, indices counted from its first
    assert as_json(compiled.select_all(40, values)) == expected


def test_each_item_gets_its_own_containers_as_the_general_evaluator_gives():
    compiled = templates.ItemTemplate({"fixed": {"a": [1]}, "v.$": "$$.Map.Item.Value"}, DATA, context())
    first, second = compiled(0, 1), compiled(1, 1)
    assert first == second and first is not second and first["fixed"] is not second["fixed"]


@pytest.mark.parametrize(
    "template",
    [
        {"job.$": "$.missing", "value.$": "$$.Map.Item.Value"},
        {"value.$": "$$.Map.Item.Value", "limit.$": "$unassigned"},
        {"item.$": "$$.Map.Item.Value.a"},
    ],
)
def test_a_path_that_fails_fails_for_each_item_with_the_general_evaluators_error(template):
    # GIVEN a template whose path finds nothing (read once up front, it is not an error until an item is selected)
    compiled = templates.ItemTemplate(template, DATA, context())
    with pytest.raises(StatesError) as expected:
        general(template, 0, "no object")
    # THEN selecting an item raises the same error
    with pytest.raises(StatesError) as raised:
        compiled(0, "no object")
    assert (raised.value.error, raised.value.cause) == (expected.value.error, expected.value.cause)


def test_without_an_item_selector_the_item_is_its_value():
    compiled = templates.ItemTemplate(None, DATA, context())
    value = {"a": 1}
    assert compiled(3, value) is value
    assert compiled.size_terms == (1, 0, 1)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=6),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TEMPLATES[:4] + [None]), st.integers(min_value=0, max_value=10**12), JSON_VALUES)
def test_size_terms_give_the_exact_size_of_a_selected_item(template, index, value):
    compiled = templates.ItemTemplate(template, DATA, context())
    assert compiled.size_terms is not None
    base, indexes, values = compiled.size_terms
    size = base + indexes * (len(str(index)) - 1) + values * (limits.payload_size(value) - 1)
    assert size == len(as_json(compiled(index, value)).encode())


def test_a_template_evaluated_per_item_has_no_size_terms():
    assert templates.ItemTemplate(TEMPLATES[4], DATA, context()).size_terms is None
    assert templates.ItemTemplate({"v.$": "$.missing"}, DATA, context()).size_terms is None


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), JSON_VALUES)
def test_a_json_shape_puts_an_items_json_together_from_its_index_and_value(index, value):
    for template in [None, TEMPLATES[0], {"a": "50%", "i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"}]:
        compiled = templates.ItemTemplate(template, DATA, context())
        assert compiled.json_shape is not None
        before, between, after, indexed = compiled.json_shape
        made = before + (f"{index}{between}" if indexed else "") + as_json(value) + after
        assert made == as_json(compiled(index, value))


def test_a_template_with_its_value_twice_or_after_its_index_has_no_json_shape():
    assert templates.ItemTemplate(TEMPLATES[2], DATA, context()).json_shape is None
    value_first = {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"}
    assert templates.ItemTemplate(value_first, DATA, context()).json_shape is None

"""Templates whose fields are all static or plain paths are evaluated directly: the same values, keys, order and
errors as the general evaluation (ItemSelector, Parameters and BatchInput are nearly always such templates)."""

import pytest

from hpc.engine import templates
from hpc.engine.errors import StatesError

DATA = {"job": {"params": {"size": 3}}, "items": [1, 2], "n": None, "s": "x"}
CONTEXT = {"Map": {"Item": {"Value": {"v": 1}, "Index": 4}}, "Execution": {"Name": "e"}}
TEMPLATES = [
    {"item.$": "$$.Map.Item.Value", "job.$": "$.job"},
    {"FunctionName": "arn:f", "Payload.$": "$"},
    {"a": 1, "b.$": "$.n", "c": None, "d": "text", "e.$": "$$.Map.Item.Index"},
    {"a.$": "$.missing"},
    {"a.$": "$$.Map.Nothing"},
    {"a.$": "$.s.deeper"},
    {"x": 1, "x.$": "$.s"},
    {"x.$": "$.s", "x": 1},
    {},
    {"nested": {"a.$": "$.job"}, "b.$": "$.n"},  # not plain: evaluated the general way
    {"f.$": "States.Format('{}', $.s)"},
    {"p.$": "$.items[0]"},
]


def outcome(function):
    try:
        value = function()
        return ("value", value, list(value) if isinstance(value, dict) else None)
    except StatesError as error:
        return ("error", error.error, error.cause)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("data", [DATA, [1], "text", None])
def test_plain_templates_evaluate_as_the_general_way_does(template, data):
    fast = outcome(lambda: templates.evaluate(template, data, CONTEXT))
    general = outcome(lambda: templates._evaluate(template, data, CONTEXT))
    assert fast == general


def test_a_template_changed_after_use_is_looked_at_again():
    template = {"a.$": "$.s"}
    assert templates.evaluate(template, DATA, CONTEXT) == {"a": "x"}
    copy = dict(template)
    assert templates.evaluate(copy, DATA, CONTEXT) == {"a": "x"}

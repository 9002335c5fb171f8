"""Every intrinsic function the Step Functions developer guide documents, on the guide's own examples, with its
input-validation rules failing as States.IntrinsicFailure and wrong calls refused with the definition."""

from __future__ import annotations

import re
import uuid

import pytest

from hpc.engine import intrinsics
from hpc.engine.errors import InvalidDefinition, StatesError

NINE = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}


def run(expression: str, data: object = None) -> object:
    return intrinsics.evaluate(expression, data if data is not None else {}, {})


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        (
            "States.Array('Foo', 2020, $.someJson, null)",
            {"someJson": {"random": "abcdefg"}},
            ["Foo", 2020, {"random": "abcdefg"}, None],
        ),
        ("States.ArrayPartition($.inputArray, 4)", NINE, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ("States.ArrayContains($.inputArray, $.lookingFor)", {**NINE, "lookingFor": 5}, True),
        ("States.ArrayContains($.a, $.b)", {"a": [{"k": [1, 2]}], "b": {"k": [1, 2.0]}}, True),
        ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
        ("States.ArrayRange(9, 1, -4)", {}, [9, 5, 1]),
        ("States.ArrayGetItem($.inputArray, $.index)", {**NINE, "index": 5}, 6),
        ("States.ArrayLength($.inputArray)", NINE, 9),
        ("States.ArrayUnique($.values)", {"values": [1, 2, 3, 3, 3, 3, 3, 3, 4]}, [1, 2, 3, 4]),
        ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
        (
            "States.Hash($.Data, $.Algorithm)",
            {"Data": "input data", "Algorithm": "SHA-1"},
            "aaff4a450a104cd177d28d18d74485e8cae074b7",
        ),
        ("States.Hash('input data', 'MD5')", {}, "812f45842bc6d66ee14572ce20db8e86"),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            {"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}},
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
        ),
        ("States.StringToJson($.escapedJsonString)", {"escapedJsonString": '{"foo": "bar"}'}, {"foo": "bar"}),
        ("States.JsonToString($.unescapedJson)", {"unescapedJson": {"foo": "bar"}}, '{"foo":"bar"}'),
        ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
        ("States.MathAdd(1.5, 2.4)", {}, 4),
        (
            "States.StringSplit($.inputString, $.splitter)",
            {"inputString": "1,2,3,4,5", "splitter": ","},
            ["1", "2", "3", "4", "5"],
        ),
        (
            "States.StringSplit($.inputString, $.splitter)",
            {"inputString": "This.is+a,test=string", "splitter": ".+,="},
            ["This", "is", "a", "test", "string"],
        ),
        (
            "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit($.arn, '/'), 1), 'x')",
            {"arn": "a/b/c"},
            "b.x",
        ),
    ],
)
def test_documented_examples(expression, data, expected):
    assert run(expression, data) == expected


def test_math_random_is_in_range_and_repeatable_with_a_seed():
    values = {run("States.MathRandom(1, 999)") for _ in range(50)}
    assert all(isinstance(v, int) and 1 <= v < 999 for v in values)
    assert run("States.MathRandom(1, 999, 7)") == run("States.MathRandom(1, 999, 7)")


def test_uuid_is_a_version_4_uuid():
    value = run("States.UUID()")
    assert re.fullmatch(r"[0-9a-f-]{36}", value) and uuid.UUID(value).version == 4


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("States.ArrayPartition($.inputArray, 0)", NINE),
        ("States.ArrayPartition($.inputArray, 1.5)", NINE),
        ("States.ArrayPartition($.notArray, 2)", {"notArray": {"a": 1}}),
        ("States.ArrayRange(1, 9, 0)", {}),
        ("States.ArrayRange(0, 1000, 1)", {}),  # 1001 items: the limit is 1000
        ("States.ArrayRange(1, 'nine', 1)", {}),
        ("States.ArrayGetItem($.inputArray, 9)", NINE),
        ("States.ArrayLength($.s)", {"s": "abc"}),
        ("States.Base64Encode($.s)", {"s": "x" * 10_001}),
        ("States.Base64Decode($.s)", {"s": "not base64!"}),
        ("States.Hash($.s, 'SHA-3')", {"s": "x"}),
        ("States.Hash($.s, 'SHA-256')", {"s": {"not": "a string"}}),
        ("States.JsonMerge($.a, $.b, true)", {"a": {}, "b": {}}),
        ("States.JsonMerge($.a, $.b, false)", {"a": [], "b": {}}),
        ("States.MathAdd($.a, 1)", {"a": 2**31}),
        ("States.MathAdd($.a, 1)", {"a": "1"}),
        ("States.MathRandom(5, 5)", {}),
        ("States.StringSplit($.a, 1)", {"a": "x"}),
        ("States.StringToJson($.a)", {"a": "{not json"}),
        ("States.Format('{} and {}', $.a)", {"a": 1}),
    ],
)
def test_input_validation_fails_with_intrinsic_failure(expression, data):
    with pytest.raises(StatesError) as failed:
        run(expression, data)
    assert failed.value.error == "States.IntrinsicFailure"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("States.ArrayLength()", "takes 1 argument"),
        ("States.MathRandom(1)", "takes 2 to 3 argument"),
        ("States.UUID(1)", "takes 0 argument"),
        ("States.Nope(1)", "does not exist"),
        ("States.Format(1)", "must be a string or a path"),
        ("States.Array(" * 11 + ")" * 11, "at most 10 functions may be nested"),
        ("States.Array('unterminated)", "unterminated string"),
    ],
)
def test_wrong_calls_are_refused_with_the_definition(expression, message):
    with pytest.raises(InvalidDefinition, match=re.escape(message)):
        intrinsics.parse(expression)

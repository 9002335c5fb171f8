"""Validation of user-supplied values: how a value reads in an error message, whole numbers, and item lists."""

from __future__ import annotations

import pytest

from handlers.errors import InvalidInput
from handlers.inputs import describe, integer, integer_items, number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "a boolean true"),
        ("10", 'a string "10"'),
        ([1, 2], "an array [1, 2]"),
        ([], "an array []"),
        ({"a": None}, 'an object {"a": null}'),
        ([None], "an array [null]"),
        ({"k": [1]}, 'an object {"k": [1]}'),
        (7, "7"),
        (2.5, "2.5"),
    ],
)
def test_a_json_value_is_described_by_its_kind_and_text(value, text):
    assert describe(value) == text


def test_a_value_that_is_not_json_is_described_by_its_repr():
    assert describe(range(3)) == '"range(0, 3)"'


def test_a_value_of_exactly_60_characters_is_shown_whole():
    value = "x" * 58  # 60 characters with its quotes
    assert describe(value) == f'a string "{value}"'


def test_a_longer_value_is_cut_to_60_characters_ending_in_dots():
    assert describe("x" * 59) == 'a string "' + "x" * 56 + "..."
    assert describe(list(range(100))) == "an array [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16..."
    assert len(describe({"k": "v" * 1000}).removeprefix("an object ")) == 60


def test_a_long_value_is_refused_with_its_description_not_a_type_error():
    with pytest.raises(InvalidInput) as raised:
        integer("size", "9" * 100)
    assert str(raised.value) == 'size must be a whole number, got a string "' + "9" * 56 + "..."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3", 'size must be a whole number, got a string "3"'),
        (True, "size must be a whole number, got a boolean true"),
        (None, "size must be a whole number, got null"),
        ([3], "size must be a whole number, got an array [3]"),
        (2.5, "size must be a whole number, got 2.5"),
        (0, "size must be at least 1, got 0"),
        (11, "size must be at most 10 (why), got 11"),
    ],
)
def test_integer_refusals_name_the_field_and_the_value(value, message):
    with pytest.raises(InvalidInput) as raised:
        integer("size", value, minimum=1, maximum=10, why=" (why)")
    assert str(raised.value) == message


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (10, 10), (4.0, 4), (1.0, 1)])
def test_integer_accepts_whole_numbers_within_the_bounds(value, expected):
    result = integer("size", value, minimum=1, maximum=10)
    assert (result, type(result)) == (expected, int)


def test_integer_without_bounds_accepts_any_whole_number():
    assert integer("n", -(10**30)) == -(10**30)


@pytest.mark.parametrize(
    ("items", "shown"),
    [([], "an array []"), ("12", 'a string "12"'), (3, "3"), (None, "null"), ({"0": 1}, 'an object {"0": 1}')],
)
def test_items_must_be_a_non_empty_array(items, shown):
    with pytest.raises(InvalidInput) as raised:
        integer_items(items, minimum=0)
    assert str(raised.value) == f"items must be a non-empty array, got {shown}"


def test_items_are_checked_one_by_one_against_the_bounds():
    assert integer_items([0, 2.0, 5], minimum=0, maximum=5) == [0, 2, 5]
    with pytest.raises(InvalidInput, match="^item must be at most 5, got 6$"):
        integer_items([0, 6], minimum=0, maximum=5)
    with pytest.raises(InvalidInput, match="^item must be at least 1, got 0$"):
        integer_items([0], minimum=1)


@pytest.mark.parametrize(
    ("value", "above_minimum", "message"),
    [
        (-0.5, False, "rate must be at least 0, got -0.5"),
        (0, True, "rate must be above 0, got 0"),
        (2.5, False, "rate must be at most 2, got 2.5"),
        (float("nan"), False, "rate must be a finite number, got NaN"),
        (float("inf"), False, "rate must be a finite number, got Infinity"),
        (True, False, "rate must be a finite number, got a boolean true"),
        ("1", False, 'rate must be a finite number, got a string "1"'),
    ],
)
def test_number_refusals_name_the_field_the_bound_and_the_value(value, above_minimum, message):
    with pytest.raises(InvalidInput) as raised:
        number("rate", value, minimum=0, maximum=2, above_minimum=above_minimum)
    assert str(raised.value) == message


@pytest.mark.parametrize(("value", "above_minimum"), [(0, False), (2, False), (2, True), (1e-9, True)])
def test_number_accepts_its_bounds_unless_told_to_stay_above_the_minimum(value, above_minimum):
    result = number("rate", value, minimum=0, maximum=2, above_minimum=above_minimum)
    assert (result, type(result)) == (value, float)


def test_a_batch_of_plain_ints_within_the_bounds_is_returned_as_it_is_not_copied():
    items = [0, 3, 5]
    assert integer_items(items, minimum=0, maximum=5) is items
    assert integer_items(items, minimum=0) is items

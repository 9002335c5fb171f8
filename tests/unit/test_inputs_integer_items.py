"""integer_items checks a batch of plain ints in bulk and gives exactly what the item-by-item check gives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.errors import InvalidInput
from handlers.inputs import integer, integer_items


def one_by_one(items, minimum, maximum):
    try:
        return ("value", [integer("item", item, minimum=minimum, maximum=maximum) for item in items])
    except InvalidInput as error:
        return ("error", str(error))


def bulk(items, minimum, maximum):
    try:
        return ("value", integer_items(items, minimum=minimum, maximum=maximum))
    except InvalidInput as error:
        return ("error", str(error))


ITEM = st.one_of(st.integers(-5, 20), st.booleans(), st.floats(-5, 20), st.sampled_from(["3", None, [1]]))


@given(st.lists(ITEM, min_size=1, max_size=12), st.integers(-2, 3), st.one_of(st.none(), st.integers(5, 15)))
def test_bulk_check_equals_the_item_by_item_check(items, minimum, maximum):
    assert bulk(items, minimum, maximum) == one_by_one(items, minimum, maximum)


@pytest.mark.parametrize("items", [[True, 1], [1, 2.0], [0, 1, 99]])
def test_mixed_or_out_of_range_batches_fall_back_to_the_item_by_item_check(items):
    assert bulk(items, 0, 10) == one_by_one(items, 0, 10)
    assert [type(v) for v in (bulk(items, 0, 10)[1] if bulk(items, 0, 10)[0] == "value" else [])] in (
        [],
        [int] * len(items),
    )

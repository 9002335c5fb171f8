"""The children a Distributed Map makes of some items, as a worker receives them: what the readers' fast paths
(runs of items not yet parsed) are checked against the one-by-one path with."""

from __future__ import annotations

import pickle
from typing import Any

from hpc.engine import limits, map_items
from hpc.engine.errors import StatesError
from hpc.engine.interpreter import Context

SELECTORS = [
    None,
    {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},  # what the data Maps use
    {"item.$": "$$.Map.Item.Value", "job.$": "$.job", "both.$": "$$.Map.Item.Value"},
    {"id.$": "States.Format('{}', $$.Map.Item.Index)", "value.$": "$$.Map.Item.Value"},  # sized item by item
    {"i.$": "$$.Map.Item.Index", "fixed": "50%", "v.$": "$$.Map.Item.Value", "job.$": "$.job"},
]


def children_of(
    items: Any, batcher: dict[str, Any], selector: Any, *, name: str, workload: str
) -> tuple[list[Any], str | None]:
    """(id, first index, item count, input JSON) of each child of Map state `name`, and the Map's error if any."""
    state: dict[str, Any] = {"ItemBatcher": {**batcher, "BatchInput": {"job.$": "$.job"}}}
    if selector is not None:
        state["ItemSelector"] = selector
    context = Context()
    context.variables = None
    inputs = map_items.ChildInputs(state, {"job": {"workload": workload}}, context)
    made = []
    try:
        for child in map_items.children(name, state, items, inputs, map_items.ItemCount()):
            shipped = pickle.loads(pickle.dumps(child))  # as it travels to a worker
            child_input, text, quoted = inputs.input_and_json(shipped, quoted=True)  # from a run's text, where it can
            assert text == limits.to_json(child_input)
            assert quoted is None or quoted == limits.quoted(text)  # the Input as a result record holds it
            made.append((shipped[0], shipped[1], len(shipped[2]), text))
    except StatesError as error:
        return made, error.cause
    return made, None

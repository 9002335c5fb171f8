"""Intrinsics for JSON data: States.StringToJson, States.JsonToString and States.JsonMerge.

StringToJson of a blank string ("" or spaces) is null, as in AWS. JsonMerge merges two objects shallowly (the second
one's keys win); AWS accepts only `false` as its third argument (deep merge is not offered).
"""

from __future__ import annotations

import json
from typing import Any

from hpc.engine.intrinsics.family import ArgumentError, Function, shown, string
from hpc.engine.intrinsics.syntax import Call


def _string_to_json(call: Call, values: list[Any]) -> Any:
    text = string(values[0])
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise ArgumentError(f"the string is not JSON ({error})") from None


def _json_to_string(call: Call, values: list[Any]) -> str:
    return shown(values[0])


def _json_merge(call: Call, values: list[Any]) -> dict[str, Any]:
    first, second, deep = values
    for value, what in ((first, "the first argument"), (second, "the second argument")):
        if not isinstance(value, dict):
            raise ArgumentError(f"{what} must be a JSON object, got {shown(value)}")
    if deep is not False:
        raise ArgumentError(f"the third argument (deep merge) must be false, got {shown(deep)}")
    return {**first, **second}


FUNCTIONS = {
    "States.StringToJson": Function((1, 1), _string_to_json),
    "States.JsonToString": Function((1, 1), _json_to_string),
    "States.JsonMerge": Function((3, 3), _json_merge),
}

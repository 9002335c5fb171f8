"""Payload templates (Parameters, ResultSelector, ItemSelector, BatchInput, ItemReader/ResultWriter Parameters).

A key ending in `.$` takes its value from a path (`$...` on the state's data, `$$...` on the context object) or an
intrinsic function, and loses the `.$`; every other value is copied as is. Objects nested in objects and arrays are
templates too. `check` validates a template before any run, so a bad path or function is refused up front.
"""

from __future__ import annotations

from typing import Any

from hpc.engine import intrinsics, jsonata_language, limits, paths
from hpc.engine.errors import InvalidDefinition, StatesError


def check(template: Any, where: str) -> None:
    """InvalidDefinition/UnsupportedDefinition naming `where.<key>` for any dynamic field that cannot be evaluated."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                check_expression(value, f"{where}.{key}")
            else:
                check(value, f"{where}.{key}")
    elif isinstance(template, list):
        for position, value in enumerate(template):
            check(value, f"{where}[{position}]")


def check_expression(expression: Any, where: str) -> None:
    if not isinstance(expression, str):
        raise InvalidDefinition(f"{where}: a '.$' field needs a path or intrinsic function string, got {expression!r}")
    try:
        if intrinsics.is_intrinsic(expression):
            intrinsics.parse(expression)
        else:
            paths.check(expression)
    except InvalidDefinition as error:
        raise type(error)(f"{where}: {error}") from None


def evaluate_expression(expression: str, data: Any, context: dict[str, Any] | None, field: str) -> Any:
    """The value of one `.$` field's expression; a path that finds nothing fails with AWS's cause naming `field`."""
    if expression.startswith("States."):
        return intrinsics.evaluate(expression, data, context)
    try:
        return paths.read(expression, data, context)
    except paths.PathMissing as missing:
        raise missing.in_field(field) from None


def evaluate(template: Any, data: Any, context: dict[str, Any] | None) -> Any:
    """The template's value for `data`; States.Runtime / States.IntrinsicFailure when a dynamic field fails."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate_expression(value, data, context, field=key)
            else:
                out[key] = evaluate(value, data, context)
        return out
    if isinstance(template, list):
        return [evaluate(value, data, context) for value in template]
    if isinstance(template, jsonata_language.Prepared):  # a JSONata Distributed Map's ItemSelector, BatchInput...
        return template.evaluate(context)
    return template


class ItemTemplate:
    """A Map's ItemSelector as a function of one item, `(index, value) -> selected item`, made once per Map run.

    The general `evaluate` walks the template and reads every path again for each item; most of that is the same for
    every item. Here the template becomes one dict/list display (compiled once, so an item costs one call of that
    code): each constant is placed as is; a path on the Map's input, a variable or a context path outside `$$.Map`
    is read once now (a path that fails now fails the same way for every item, so it stays per item, as `evaluate`
    would raise it); `$$.Map.Item.Index` / `$$.Map.Item.Value` are the item's own; anything else (an intrinsic
    function, a path into the item, JSONata) is evaluated per item by the general evaluator. Fields are evaluated in
    the template's order, so the first failing field is the same as `evaluate`'s.

    `size_terms`, when every field is a constant, a value read once or the item's index or value: `(base, indexes,
    values)` such that the item's compact JSON takes `base + indexes * (digits(index) - 1) + values * (size(value) - 1)`
    bytes (the size with index 0 and value 0 is `base`; JSON is written part by part), else None. `json_shape`, for
    such a template that holds the value once (and the index at most once, before it): the JSON around them.
    """

    def __init__(self, template: Any, data: Any, context: Any) -> None:
        self._constants: list[Any] = []
        self._general: list[Any] = []
        self._uses = {"index": 0, "value": 0}
        if template is None:
            source = "value"  # no ItemSelector: the item is its value
            self._uses["value"] = 1
        else:
            source = self._source(template, data, context)
        # The sources are built above from repr()'d keys and slot references. `select_all(first, values)` selects a
        # run of items in one comprehension, with no call per item.
        slots = {"k": self._constants, "g": self._general}
        self.function = eval(f"lambda index, value: {source}", slots)  # noqa: S307
        runs = f"lambda first, values: [{source} for index, value in enumerate(values, first)]"
        self.select_all = eval(runs, slots)  # noqa: S307
        self.size_terms: tuple[int, int, int] | None = None
        self.json_shape: tuple[str, str, str, bool] | None = None
        if not self._general:
            base = limits.payload_size(self.function(0, 0))
            self.size_terms = (base, self._uses["index"], self._uses["value"])
            self.json_shape = self._json_shape()

    def __call__(self, index: int, value: Any) -> Any:
        return self.function(index, value)

    @property
    def fresh(self) -> bool:
        """Whether a selected item holds nothing shared with another item but immutable constants: new objects
        around the item's index and its value."""
        return not self._general and all(type(constant) in limits.JSON_SCALARS for constant in self._constants)

    def _json_shape(self) -> tuple[str, str, str, bool] | None:
        """`(before, between, after, indexed)` such that a selected item's compact JSON is `before + index + between
        + value + after` (indexed) or `before + value + after`, each part as JSON: the template's JSON with marks for
        the index and the value, cut at them (a constant that happens to hold a mark's text leaves no shape)."""
        text = limits.to_json(self.function(_INDEX_MARK, _VALUE_MARK))
        marks = [limits.to_json(_INDEX_MARK), limits.to_json(_VALUE_MARK)]
        parts = text.split(marks[1])
        if len(parts) != 2 or text.count(marks[0]) != self._uses["index"] or self._uses["value"] != 1:
            return None
        before, after = parts
        if self._uses["index"] == 0:
            return before, "", after, False
        pieces = before.split(marks[0])
        if len(pieces) != 2:
            return None  # the index after the value, or more than once
        return pieces[0], pieces[1], after, True

    def _source(self, template: Any, data: Any, context: Any) -> str:
        if isinstance(template, dict):
            fields = []
            for key, value in template.items():
                if key.endswith(".$"):
                    fields.append(f"{key[:-2]!r}: {self._expression(value, key, data, context)}")
                else:
                    fields.append(f"{key!r}: {self._source(value, data, context)}")
            return "{" + ", ".join(fields) + "}"
        if isinstance(template, list):
            return "[" + ", ".join(self._source(value, data, context) for value in template) + "]"
        if isinstance(template, jsonata_language.Prepared):
            return self._per_item(lambda context: template.evaluate(context), context)
        return self._constant(template)

    def _expression(self, expression: str, field: str, data: Any, context: Any) -> str:
        if expression == "$$.Map.Item.Index":
            self._uses["index"] += 1
            return "index"
        if expression == "$$.Map.Item.Value":
            self._uses["value"] += 1
            return "value"
        if _same_for_every_item(expression):
            try:
                return self._constant(evaluate_expression(expression, data, context, field))
            except StatesError:
                pass  # raised again for each item, where `evaluate` raises it
        return self._per_item(lambda context: evaluate_expression(expression, data, context, field), context)

    def _constant(self, value: Any) -> str:
        self._constants.append(value)
        return f"k[{len(self._constants) - 1}]"

    def _per_item(self, evaluate_in: Any, context: Any) -> str:
        self._general.append(lambda index, value: evaluate_in(context.with_map_item(index, value)))
        return f"g[{len(self._general) - 1}](index, value)"


_INDEX_MARK, _VALUE_MARK = "\x00index\x00", "\x00value\x00"  # strings no template holds (see _json_shape)


def _same_for_every_item(expression: str) -> bool:
    """A path whose value does not depend on the item: on the Map's input, a variable, or a definite context path
    outside `$$.Map` (where the item is)."""
    if intrinsics.is_intrinsic(expression):
        return False
    if not paths.is_context_path(expression):
        return True
    segments = paths.definite_segments(expression)
    return segments is not None and len(segments) > 0 and segments[0] != "Map"

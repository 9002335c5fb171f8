"""Definite paths are read and written without jsonpath-ng: the same values, and a miss wherever the library finds
nothing."""

import pytest

from hpc.engine import paths
from hpc.engine.errors import StatesError

DATA = {
    "job": {"params": {"size": 3}, "items": [1, 2]},
    "where_to": {"x": None},
    "null": 0,
    "true": {"false": "yes"},
    "_under": [{"a": 1}],
    "list": [1, 2, 3],
    "text": "abc",
    "empty": {},
    "Payload": {"partial": "ff"},
}
CONTEXT = {"Map": {"Item": {"Value": {"k": 1}, "Index": 7}}, "Execution": {"Name": "run-1"}}
PLAIN = [
    "$",
    "$.job",
    "$.job.params",
    "$.job.params.size",
    "$.job.items",
    "$.where_to.x",
    "$.null",
    "$.true.false",
    "$._under",
    "$.Payload.partial",
    "$.missing",
    "$.job.missing",
    "$.list.length",
    "$.text.upper",
    "$.empty.x",
    "$.job.params.size.deeper",
    "$$.Map.Item.Value",
    "$$.Map.Item.Index",
    "$$.Map.Item.Value.k",
    "$$.Execution.Name",
    "$$.Map.Nothing",
    "$$",
]


def library_read(path, data, context):
    """What `paths.read` does through the library's match objects (the way every path once went)."""
    from jsonpath_ng.ext import parse

    source = context if path.startswith("$$") else data
    matches = parse(path[1:] if path.startswith("$$") else path).find(source)
    if not matches:
        raise StatesError("States.Runtime", "missing")
    return matches[0].value


def outcome(read, *args):
    try:
        return ("value", read(*args))
    except StatesError as error:
        return ("error", error.error)


@pytest.mark.parametrize("path", PLAIN + ["$.job.items[1]", "$['job']['params']", "$.list[5]", "$['true'].false"])
@pytest.mark.parametrize("data", [DATA, [1, 2], "text", None, 5])
def test_definite_paths_read_what_the_library_reads(path, data):
    assert paths.definite_segments(path) is not None
    ours = outcome(lambda: paths.read(path, data, CONTEXT))
    theirs = outcome(lambda: library_read(path, data, CONTEXT))
    assert ours == theirs


@pytest.mark.parametrize("path", ["$.job.*", "$..size", "$.a[0:2]", "$.@x", "$.job[?(@.a)]", "$.a[0,1]", "$[*]"])
def test_other_paths_are_left_to_the_library(path):
    assert paths.definite_segments(path) is None


def test_a_name_the_library_reserves_is_an_ordinary_field_as_in_jayway():
    paths.check("$.where")
    assert paths.read("$.where", {"where": 1}) == 1


@pytest.mark.parametrize(
    ("path", "steps"),
    [("$.results", ("results",)), ("$.new.deeper.leaf", ("new", "deeper", "leaf")), ("$", ()), ("$.a[2]", ("a", 2))],
)
def test_reference_paths_are_split_into_steps(path, steps):
    assert paths.definite_segments(path) == steps


def test_writing_through_a_definite_path_copies_and_creates_objects_on_the_way():
    data = {"job": {"a": 1}, "list": [{"x": 1}]}
    assert paths.write("$.job.new.leaf", data, 5) == {"job": {"a": 1, "new": {"leaf": 5}}, "list": [{"x": 1}]}
    assert paths.write("$.list[0].y", data, 2)["list"] == [{"x": 1, "y": 2}]
    assert data == {"job": {"a": 1}, "list": [{"x": 1}]}
    with pytest.raises(StatesError, match="Unable to apply ResultPath"):
        paths.write("$.job.a.leaf", data, 5)

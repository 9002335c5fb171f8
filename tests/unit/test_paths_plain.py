"""Plain field paths are read and written without jsonpath-ng: the same values and the same errors as the library."""

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
    """What `paths.read` did for every path before plain paths had their own way: the library's match objects."""
    source = context if path.startswith("$$") else data
    matches = paths.compile_path(path).find(source)
    if not matches:
        raise paths._not_found(path, source, "Field.$")
    return matches[0].value


def outcome(read, *args):
    try:
        return ("value", read(*args))
    except StatesError as error:
        return ("error", error.error, error.cause)


@pytest.mark.parametrize("path", PLAIN)
@pytest.mark.parametrize("data", [DATA, [1, 2], "text", None, 5])
def test_plain_paths_read_what_the_library_reads(path, data):
    assert paths.plain_fields(path) is not None
    ours = outcome(lambda: paths.read(path, data, CONTEXT, field="Field.$"))
    theirs = outcome(lambda: library_read(path, data, CONTEXT))
    assert ours == theirs


@pytest.mark.parametrize(
    "path",
    ["$.a[0]", "$['job']", "$.job.*", "$..size", "$.where", "$.a.wherenot", "$.a-b", "$.0", "$.@x", "$.job[?(@.a)]"],
)
def test_other_paths_are_left_to_the_library(path):
    assert paths.plain_fields(path) is None


def test_a_reserved_word_still_reads_through_the_library():
    with pytest.raises(paths.PathSyntaxError):
        paths.check("$.where")


@pytest.mark.parametrize("path", ["$.results", "$.job.result", "$.new.deeper.leaf", "$.null", "$"])
def test_plain_result_paths_write_through_the_steps_the_library_parses(path):
    library_steps = tuple(segment.fields[0] for segment in paths._path_segments(path))
    assert paths._reference_steps(path) == library_steps


def test_writing_through_a_plain_path_copies_and_creates_objects_on_the_way():
    data = {"job": {"a": 1}}
    assert paths.write("$.job.new.leaf", data, 5) == {"job": {"a": 1, "new": {"leaf": 5}}}
    assert data == {"job": {"a": 1}}
    with pytest.raises(StatesError, match="Unable to apply ResultPath"):
        paths.write("$.job.a.leaf", data, 5)

"""Every discovered workload keeps the interface's promises (handlers/workloads docstring)."""

import json
import re

import pytest

import handlers.workloads as workloads
from handlers.errors import InvalidInput

# Small jobs, so each workload's check is quick.
SMALL_OPTIONS = {"monte-carlo-pi": {"samples_per_item": 50}, "asian-option": {"paths_per_item": 100, "fixings": 4}}


GENERATED = sorted(name for name, module in workloads.registry().items() if not workloads.sources(module))
DATA = sorted(name for name, module in workloads.registry().items() if workloads.sources(module))


@pytest.fixture(params=GENERATED)
def workload(request):
    return workloads.registry()[request.param]


@pytest.fixture(params=DATA)
def data_workload(request):
    return workloads.registry()[request.param]


def small_params(workload):
    return workloads.params_for(workload, {"size": 9, **SMALL_OPTIONS.get(workload.NAME, {})})


def test_parse_is_idempotent(workload):
    params = small_params(workload)
    assert workloads.params_for(workload, params) == params


def test_options_are_documented_one_line_each():
    for workload in workloads.registry().values():
        assert workload.DESCRIPTION and "\n" not in workload.DESCRIPTION
        assert all(isinstance(text, str) and text and "\n" not in text for text in workload.OPTIONS.values())
        assert not set(workload.OPTIONS) & {"workload", "size", "data", "format"}


def test_data_workloads_parse_idempotently_and_refuse_a_size(data_workload):
    kind = data_workload.SOURCES[0]
    params = workloads.params_for(data_workload, {"data": "s3://bucket/some/key", "format": kind})
    assert params["format"] == kind
    assert workloads.params_for(data_workload, params) == params
    with pytest.raises(workloads.InvalidInput, match="unknown field.*'size'"):
        workloads.params_for(data_workload, {"data": "s3://bucket/some/key", "format": kind, "size": 3})


def test_batches_in_any_grouping_present_the_same_result(workload):
    # GIVEN the job's items computed one by one, and in uneven batches
    params = small_params(workload)
    values = list(workload.items(params))
    singles = [workload.compute([value], params) for value in values]
    batches = [workload.compute(values[:2], params), workload.compute(values[2:], params)]
    # WHEN the partials travel as JSON (as through the Map) and are combined in different groupings
    singles, batches = json.loads(json.dumps(singles)), json.loads(json.dumps(batches))
    flat = workload.present(workload.combine(singles), params)
    nested = workload.present(workload.combine([workload.combine(singles[:4]), workload.combine(singles[4:])]), params)
    batched = workload.present(workload.combine(batches), params)
    # THEN every grouping presents the same result
    assert "result" in flat
    for other in (nested, batched):
        if isinstance(flat["result"], float):
            assert other["result"] == pytest.approx(flat["result"], rel=1e-12)
        else:
            assert other == flat


@pytest.mark.parametrize(("items", "shown"), [([], "an array []"), ("12", 'a string "12"'), (3, "3")])
def test_compute_refuses_an_empty_or_non_list_batch_by_name(workload, items, shown):
    # An event may be sent by hand: no batch is a ValueError from max([]) or a string iterated character by character.
    with pytest.raises(InvalidInput, match=f"non-empty array, got {re.escape(shown)}$"):
        workload.compute(items, small_params(workload))


def test_remembered_params_never_stand_in_for_an_equal_value_of_another_type():
    # GIVEN the params of size 1 checked (and remembered)
    workload = workloads.get("sum-squares")
    assert workloads.params_for(workload, {"size": 1}) == {"size": 1}
    # THEN size true is still refused, although True == 1 in Python
    with pytest.raises(InvalidInput, match="whole number"):
        workloads.params_for(workload, {"size": True})


def test_remembered_params_are_a_fresh_copy_each_time():
    workload = workloads.get("sum-squares")
    first = workloads.params_for(workload, {"size": 5})
    first["size"] = 99
    assert workloads.params_for(workload, {"size": 5}) == {"size": 5}

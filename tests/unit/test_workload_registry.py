"""Workload discovery: one module in handlers/workloads is a workload, nothing else to register."""

import sys
import textwrap

import pytest

import handlers.workloads as workloads
from handlers.errors import InvalidInput


@pytest.fixture
def fresh_registry():
    workloads.registry.cache_clear()
    yield
    workloads.registry.cache_clear()


def test_shipped_workloads_are_found_by_name(fresh_registry):
    assert {"s3-keys", "monte-carlo-pi", "sum-squares"} <= set(workloads.registry())
    assert workloads.DEFAULT == "s3-keys"


def test_a_new_module_in_the_package_is_a_new_workload(fresh_registry, tmp_path, monkeypatch):
    # GIVEN a module dropped into the package's search path and nothing else
    (tmp_path / "cube_sum.py").write_text(
        textwrap.dedent(
            """
            NAME = "cube-sum"
            DESCRIPTION = "sum of cubes"
            OPTIONS = {}
            def parse(size, options): return {"size": size}
            def items(params): return range(params["size"])
            def compute(items, params): return str(sum(i ** 3 for i in items))
            def combine(partials): return str(sum(map(int, partials)))
            def present(partial, params): return {"result": partial}
            """
        )
    )
    monkeypatch.setattr(workloads, "__path__", [*workloads.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "handlers.workloads.cube_sum", raising=False)
    # WHEN the job names it
    workload = workloads.get("cube-sum")
    # THEN it is used like any shipped workload
    params = workloads.params_for(workload, {"size": 4})
    assert workload.compute(list(workload.items(params)), params) == "36"
    sys.modules.pop("handlers.workloads.cube_sum", None)


def test_a_module_missing_part_of_the_interface_is_reported(fresh_registry, tmp_path, monkeypatch):
    (tmp_path / "half_done.py").write_text('NAME = "half-done"\n')
    monkeypatch.setattr(workloads, "__path__", [*workloads.__path__, str(tmp_path)])
    with pytest.raises(TypeError, match="half_done lacks DESCRIPTION"):
        workloads.registry()
    sys.modules.pop("handlers.workloads.half_done", None)


def test_unknown_workload_lists_the_known_ones(fresh_registry):
    with pytest.raises(InvalidInput, match="known workloads: .*monte-carlo-pi, object-digest, s3-keys, sum-squares"):
        workloads.get("mandelbrot")


def test_two_modules_with_one_name_are_refused(fresh_registry, tmp_path, monkeypatch):
    # GIVEN a module claiming the name of a shipped workload
    body = "\n".join(f"{name} = None" for name in ("DESCRIPTION", "OPTIONS", "parse", "items", "compute", "combine"))
    (tmp_path / "zz_copy.py").write_text(f'NAME = "sum-squares"\n{body}\npresent = None\n')
    monkeypatch.setattr(workloads, "__path__", [*workloads.__path__, str(tmp_path)])
    with pytest.raises(TypeError, match="^two workload modules are named 'sum-squares'$"):
        workloads.registry()
    sys.modules.pop("handlers.workloads.zz_copy", None)


def test_modules_named_with_an_underscore_are_not_workloads(fresh_registry, tmp_path, monkeypatch):
    (tmp_path / "_helpers.py").write_text("VALUE = 1\n")  # no workload interface at all
    monkeypatch.setattr(workloads, "__path__", [*workloads.__path__, str(tmp_path)])
    assert "helpers" not in " ".join(workloads.registry())
    assert "handlers.workloads._helpers" not in sys.modules

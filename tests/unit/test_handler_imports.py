"""The Lambda archive holds only handlers/: its code may import the standard library, boto3 and itself, nothing else.

The one exception: a workload may import the libraries it declares in REQUIREMENTS (the stack's layer holds them),
and only inside functions, because the start and sum functions import every workload and get no layer.
"""

import ast
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import handlers.workloads as workloads

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
WORKLOADS = HANDLERS / "workloads"
ALLOWED = set(sys.stdlib_module_names) | {"boto3", "botocore", "handlers"}
SMALL_OPTIONS = {"asian-option": {"paths_per_item": 100, "fixings": 2}}


def imported_roots(path: Path, *, module_level_only: bool = False) -> set[str]:
    """Top-level names a module imports; with `module_level_only`, not counting imports inside functions."""
    roots: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    if module_level_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def import_names(requirements: list[str]) -> set[str]:
    """The top-level import names the requirements' distributions provide (their own name when not installed)."""
    providers = metadata.packages_distributions()
    wanted = {Requirement(spec).name.lower().replace("_", "-") for spec in requirements}
    names = {root for root, dists in providers.items() if {d.lower().replace("_", "-") for d in dists} & wanted}
    return names | {name.replace("-", "_") for name in wanted}


def outside(paths: list[Path], allowed: set[str], **options: bool) -> list[str]:
    found = {(path, root) for path in paths for root in imported_roots(path, **options) if root not in allowed}
    return sorted(f"{path.relative_to(HANDLERS.parent)}: {root}" for path, root in found)


def test_handlers_own_code_imports_only_the_standard_library_and_boto3():
    # start, compute, sum, the store, the results reader and their helpers: anywhere in the module
    modules = [path for path in sorted(HANDLERS.rglob("*.py")) if WORKLOADS not in path.parents]
    assert {"start.py", "compute.py", "sum.py", "store.py", "results.py"} <= {path.name for path in modules}
    assert not outside(modules, ALLOWED), f"handlers import what the Lambda runtime lacks: {outside(modules, ALLOWED)}"


def test_workloads_import_only_the_standard_library_at_module_level():
    modules = sorted(WORKLOADS.glob("*.py"))
    assert len(modules) >= 4
    found = outside(modules, ALLOWED, module_level_only=True)
    assert not found, f"workloads import libraries at module level (import them inside compute): {found}"


@pytest.mark.parametrize("name", sorted(workloads.registry()))
def test_workloads_import_nothing_beyond_their_requirements(name):
    workload = workloads.registry()[name]
    path = Path(workload.__file__)  # type: ignore[attr-defined]
    allowed = ALLOWED | import_names(workloads.requirements_of(workload))
    assert not outside([path], allowed), f"{name} imports what its REQUIREMENTS do not declare"


def test_the_import_check_notices_a_third_party_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("import json\nfrom yaml import safe_load\nfrom . import sibling\ndef f():\n    import numpy\n")
    assert imported_roots(module) - ALLOWED == {"yaml", "numpy"}
    assert imported_roots(module, module_level_only=True) - ALLOWED == {"yaml"}


def test_start_and_sum_parts_of_a_workload_run_without_its_libraries():
    # GIVEN partials computed here, where the libraries are installed (as in the compute function, with the layer)
    blocked = sorted(import_names(workloads.all_requirements()))
    assert blocked, "no workload declares requirements: nothing to check"
    partials = {}
    for name, workload in workloads.registry().items():
        if not workloads.requirements_of(workload):
            continue  # needs nothing: the module-level check above covers it
        params = workloads.params_for(workload, {"size": 3, **SMALL_OPTIONS.get(name, {})})
        partials[name] = (params, workload.compute(list(workload.items(params)), params))
    # WHEN a Python where they cannot be imported (the start and sum functions get no layer) imports the registry
    # and the handlers, parses each job, lists its items, and combines and presents its partial
    script = f"""
import json, sys
for name in {blocked!r}:
    sys.modules[name] = None  # any import of it raises ImportError
from handlers import workloads
import handlers.start, handlers.sum
for name, (params, partial) in json.loads(sys.stdin.read()).items():
    workload = workloads.get(name)
    assert workloads.params_for(workload, params) == params
    list(workload.items(params))
    assert "result" in workload.present(workload.combine([partial, partial]), params)
print("ok", len(workloads.registry()))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps(partials), cwd=HANDLERS.parent, capture_output=True, text=True
    )
    # THEN nothing needed the libraries
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", str(len(workloads.registry()))]

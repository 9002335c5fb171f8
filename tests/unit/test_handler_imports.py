"""The Lambda archive holds only handlers/: its code may import the standard library, boto3 and itself, nothing else."""

import ast
import sys
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
ALLOWED = set(sys.stdlib_module_names) | {"boto3", "botocore", "handlers"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_handlers_import_only_the_standard_library_and_boto3():
    modules = sorted(HANDLERS.rglob("*.py"))
    assert len(modules) >= 10  # start, compute, sum, their helpers and the workloads
    outside = {f"{path.relative_to(HANDLERS.parent)}: {root}" for path in modules for root in imported_roots(path)}
    outside = {entry for entry in outside if entry.rsplit(": ", 1)[1] not in ALLOWED}
    assert not outside, f"handlers import what the Lambda runtime lacks: {sorted(outside)}"


def test_the_import_check_notices_a_third_party_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("import json\nfrom yaml import safe_load\nfrom . import sibling\n")
    assert imported_roots(module) - ALLOWED == {"yaml"}

"""The set-up: `make run` installs the runtime only, `make test` the rest; pinned versions; a broken venv is rebuilt;
the project is installed in place, never as a wheel of generic top-level packages."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
SET_UP_FILES = ["Makefile", "pyproject.toml", "constraints.txt", "requirements.txt", "package.json", "tools"]


def dry_run(target: str, tmp_path: Path) -> str:
    """What `make TARGET` would run from a fresh clone (no venv yet): make -n in a copy of the set-up files."""
    tmp_path.mkdir()
    for name in SET_UP_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "package-lock.json").write_text("{}")
    # As from a shell: not as a sub-make of `make test`, whose MAKELEVEL/MAKEFLAGS would change what make prints.
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEFILES")}
    done = subprocess.run(
        ["make", "-n", target], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_make_run_installs_the_runtime_only_and_make_test_adds_the_rest(tmp_path: Path):
    run = dry_run("run", tmp_path / "run")
    assert "pip --quiet --disable-pip-version-check install --constraint constraints.txt --editable .\n" in run
    assert "npm" not in run and ".[" not in run  # no node tools, no extras (stack, report, dev)
    test = dry_run("test", tmp_path / "test")
    assert "--constraint constraints.txt --editable '.[stack,report,dev]'" in test
    assert "npm ci" in test


def runtime_and_extras() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return [req for req in map(Requirement, named) if canonicalize_name(req.name) != canonicalize_name(project["name"])]


def pins() -> dict[str, str]:
    lines = (REPO / "constraints.txt").read_text().splitlines()
    found = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    return {canonicalize_name(name): version for name, version in found.items()}


def test_every_dependency_is_pinned_within_its_bounds():
    # A fresh machine resolves what this one resolved: every named requirement has an exact pin that fits its range.
    pinned = pins()
    for requirement in runtime_and_extras():
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not pinned in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement} vs pinned {version}"
    # AND the dev tools have an upper bound, so a new major release cannot change the rules by itself
    bounded = {canonicalize_name(r.name): r for r in runtime_and_extras()}
    for tool in ("ruff", "mypy", "pytest", "hypothesis"):
        assert any(spec.operator == "<" for spec in bounded[tool].specifier), f"{tool} has no upper bound"


def test_the_build_backend_is_pinned_and_refuses_wheels_and_sdists():
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9.]+", requirement) for requirement in build["requires"])
    spec = importlib.util.spec_from_file_location("editable_only", REPO / "tools" / "editable_only.py")
    assert spec is not None and spec.loader is not None
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    assert build["build-backend"] == "editable_only" and build["backend-path"] == ["tools"]
    for refused in (lambda: backend.build_wheel("dist"), lambda: backend.build_sdist("dist")):
        with pytest.raises(SystemExit, match="installed in place only: run `make setup`"):
            refused()
    assert callable(backend.build_editable)


def ensure_venv(python: str, venv: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(REPO / "tools" / "ensure-venv"), python, str(venv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def fake_python(path: Path, version: str) -> Path:
    """A `python` that reports `version` and fails the set-up's >= 3.11 check when it is older."""
    too_old = tuple(map(int, version.split(".")[:2])) < (3, 11)
    path.write_text(f'#!/bin/sh\ncase "$2" in *version_info*) exit {int(too_old)};; *) echo {version};; esac\n')
    path.chmod(0o755)
    return path


def test_a_python_too_old_is_refused_naming_how_to_choose_another(tmp_path: Path):
    done = ensure_venv(str(fake_python(tmp_path / "python3", "3.9.18")), tmp_path / "venv")
    assert done.returncode == 1
    assert "is Python 3.9.18; 3.11 or newer is needed: run e.g. 'make PYTHON=python3.11 run'" in done.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("broken", ["dangling", "too-old", "half-made"])
def test_a_venv_left_by_a_failed_set_up_is_removed_to_be_rebuilt(broken: str, tmp_path: Path):
    # GIVEN a venv whose interpreter is gone, too old, or was never made
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    if broken == "dangling":
        (venv / "bin" / "python").symlink_to(tmp_path / "removed-python")
    elif broken == "too-old":
        fake_python(venv / "bin" / "python", "3.9.18")
    # WHEN the set-up starts with a good Python THEN the broken venv is removed, saying why
    done = ensure_venv(sys.executable, venv)
    assert done.returncode == 0, done.stderr
    assert "has no working Python 3.11+" in done.stderr
    assert not venv.exists()


def test_a_working_venv_is_kept(tmp_path: Path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    done = ensure_venv(sys.executable, venv)
    assert (done.returncode, done.stderr) == (0, "")
    assert (venv / "bin" / "python").exists()

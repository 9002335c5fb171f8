"""The workloads' Lambda layer: built by pip for python3.13 arm64, reproducible, checked, wired to compute only.

Building runs pip against the package index (its download cache makes repeats quick); the layer is built once per
session into a temporary cache, and the mocked deployments reuse the project's own cache (.hpc/layers).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from mock_cloud import ACCOUNT, REGION, Deployment, deploy

import handlers.workloads as workloads
from infra import layer as layers
from infra.cluster import ARCHITECTURE, RUNTIME

TARGET = layers.Target(RUNTIME, ARCHITECTURE)
LAYER = "aws:lambda/layerVersion:LayerVersion"
LAMBDA = "aws:lambda/function:Function"


@pytest.fixture(scope="session")
def requirements() -> list[str]:
    found = workloads.all_requirements()
    assert any(spec.startswith("numpy==") for spec in found)
    return found


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, requirements: list[str]) -> Path:
    return layers.build_layer(requirements, TARGET, tmp_path_factory.mktemp("layer-cache"))


def test_the_layer_holds_cp313_aarch64_extension_modules_under_python(built: Path):
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        wheel = archive.read(next(name for name in names if re.fullmatch(r"python/numpy-\S+\.dist-info/WHEEL", name)))
    assert all(name.startswith("python/") for name in names)
    extensions = [name for name in names if name.endswith(".so") and ".cpython-" in name]
    assert len(extensions) > 10 and "python/numpy/_core/_multiarray_umath.cpython-313-aarch64-linux-gnu.so" in names
    assert all(name.endswith(".cpython-313-aarch64-linux-gnu.so") for name in extensions), extensions
    tags = re.findall(r"^Tag: (\S+)$", wheel.decode(), flags=re.MULTILINE)
    loadable = r"cp313-cp313-manylinux(_2_(1[7-9]|2\d|3[0-4])|2014)_aarch64"  # glibc 2.17 to 2.34
    assert tags and all(re.fullmatch(loadable, tag) for tag in tags)
    assert not [name for name in names if "x86_64" in name or name.startswith("python/bin/") or ".pyc" in name]


def test_the_layer_zip_is_byte_identical_when_built_again(built: Path, requirements: list[str], tmp_path: Path):
    again = layers.build_layer(requirements, TARGET, tmp_path)
    assert again != built and again.name == built.name
    assert again.read_bytes() == built.read_bytes()


def test_entries_are_sorted_with_fixed_times_and_permissions(built: Path):
    with zipfile.ZipFile(built) as archive:
        entries = archive.infolist()
    assert [entry.filename for entry in entries] == sorted(entry.filename for entry in entries)
    assert {entry.date_time for entry in entries} == {layers.ZIP_TIME}
    assert {entry.external_attr >> 16 for entry in entries} == {0o100644}


def test_a_cached_layer_is_reused_without_running_pip(built: Path, requirements: list[str], monkeypatch):
    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran although the layer was cached")

    monkeypatch.setattr(subprocess, "run", no_pip)
    assert layers.build_layer(requirements, TARGET, built.parent) == built


def test_the_cache_key_follows_the_requirements_and_the_target():
    key = layers.cache_key(["numpy==2.4.6"], TARGET)
    assert key == layers.cache_key(["numpy==2.4.6", "numpy==2.4.6"], TARGET)
    assert key != layers.cache_key(["numpy==2.4.5"], TARGET)
    assert key != layers.cache_key(["numpy==2.4.6"], layers.Target(RUNTIME, "x86_64"))


def test_a_requirement_without_an_aarch64_wheel_fails_naming_it(tmp_path: Path, monkeypatch):
    # GIVEN an index that has the library only as an x86_64 wheel
    index = tmp_path / "index"
    index.mkdir()
    with zipfile.ZipFile(index / "hpcfakelib-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", "w"):
        pass
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    # WHEN the layer is built for arm64
    with pytest.raises(layers.LayerError, match=r"no wheel of hpcfakelib==1.0 for python3.13 arm64") as failed:
        layers.build_layer(["hpcfakelib==1.0"], TARGET, tmp_path / "cache")
    # THEN nothing is cached, and the message says what to do
    assert "manylinux aarch64 wheel" in str(failed.value)
    assert not list((tmp_path / "cache").glob("*.zip"))


def test_a_layer_over_lambdas_size_limit_is_refused_naming_the_biggest_packages(built: Path):
    unzipped = layers.check_size(built, code_bytes=100_000)
    assert 20 * 2**20 < unzipped < layers.MAX_UNZIPPED_BYTES
    with pytest.raises(layers.LayerError, match=r"above Lambda.s .* biggest: numpy\.libs [\d.]+ MB, numpy [\d.]+ MB"):
        layers.check_size(built, code_bytes=100_000, limit=unzipped)


def test_only_supported_runtimes_get_a_layer():
    with pytest.raises(layers.LayerError, match="no layer build for python3.11"):
        layers.Target("python3.11", "arm64")


# ---- wiring, under Pulumi mocks -----------------------------------------------------------------------------------


def test_the_layer_is_published_for_the_functions_runtime_and_architecture(deployment: Deployment):
    layer = deployment.one(LAYER, "hpc-libraries")
    assert layer.inputs["layerName"] == "hpc-dev-libraries"
    assert layer.inputs["compatibleRuntimes"] == [RUNTIME] == ["python3.13"]
    assert layer.inputs["compatibleArchitectures"] == [ARCHITECTURE] == ["arm64"]
    assert "numpy==2.4.6" in layer.inputs["description"]


def test_only_the_compute_function_gets_the_layer(deployment: Deployment):
    layer_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:hpc-dev-libraries:1"
    layers_of = {function.name: function.inputs.get("layers") for function in deployment.of_type(LAMBDA)}
    assert layers_of == {"hpc-compute": [layer_arn], "hpc-start": None, "hpc-sum": None}


def test_the_published_zip_is_the_cached_build(deployment: Deployment, built: Path):
    code = deployment.one(LAYER, "hpc-libraries").inputs["code"]
    published = Path(layers.__file__).parents[1] / code.path
    assert published.read_bytes() == built.read_bytes()


def test_no_workload_with_requirements_means_no_layer(monkeypatch):
    monkeypatch.setattr(workloads, "all_requirements", lambda: [])
    bare = deploy()
    assert not bare.of_type(LAYER)
    assert all(function.inputs.get("layers") is None for function in bare.of_type(LAMBDA))

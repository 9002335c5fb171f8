"""The workloads' libraries as one Lambda layer, built by pip for the functions' runtime and architecture, no Docker.

pip installs wheels for another platform when told which: `--platform`, `--implementation cp`, `--python-version`,
`--only-binary=:all:` (a source package would be compiled for this machine instead). python3.12 and later run on
Amazon Linux 2023, whose glibc 2.34 loads every manylinux wheel up to manylinux_2_34, so the layer accepts each
level from manylinux2014 (glibc 2.17) to 2.34: numpy's arm64 wheels, for one, are manylinux_2_28 now.

The zip is cached under `.hpc/layers/`, named by a hash of the requirements and the target, and is byte-identical
for the same inputs (sorted entries, fixed timestamps and permissions): `pulumi up` replaces the layer only when the
requirements change, and `pulumi preview` does not run pip at all once the zip exists.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from handlers import workloads

CACHE_DIR = Path(".hpc") / "layers"  # relative to the project directory, where Pulumi runs the program
FORMAT = 1  # part of the cache key: bump when the zip's layout or writer changes
FUNCTIONS_WITH_LAYER = ("compute",)  # only compute calls workload.compute, the one part allowed to import libraries
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # Lambda: a function's code and all its layers, extracted
MAX_ZIPPED_BYTES = 50 * 1024 * 1024  # Lambda: an archive sent in the request (PublishLayerVersion's ZipFile)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}  # Lambda architecture -> wheel platform machine
AMAZON_LINUX_2023_RUNTIMES = ("python3.12", "python3.13", "python3.14")
NOT_SHIPPED = re.compile(r"^python/bin/|(^|/)__pycache__/|\.pyc$")  # scripts name this machine's interpreter


class LayerError(Exception):
    """The layer cannot be built or would not fit Lambda's limits; the message says which requirement and why."""


@dataclass(frozen=True)
class Target:
    """The Python a layer is built for: Lambda's runtime and architecture."""

    runtime: str
    architecture: str

    def __post_init__(self) -> None:
        if self.runtime not in AMAZON_LINUX_2023_RUNTIMES or self.architecture not in MACHINES:
            raise LayerError(f"no layer build for {self.runtime} on {self.architecture}")

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def platforms(self) -> list[str]:
        machine = MACHINES[self.architecture]
        return [f"manylinux_2_{minor}_{machine}" for minor in range(34, 16, -1)] + [f"manylinux2014_{machine}"]

    def pip_options(self) -> list[str]:
        platforms = [option for platform in self.platforms for option in ("--platform", platform)]
        return [*platforms, "--implementation", "cp", "--python-version", self.python_version, "--only-binary=:all:"]

    def __str__(self) -> str:
        return f"{self.runtime} {self.architecture} (cp{self.python_version.replace('.', '')}, glibc 2.34)"


def cache_key(requirements: Sequence[str], target: Target) -> str:
    inputs = {"requirements": sorted(set(requirements)), "pip": target.pip_options(), "format": FORMAT}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32]


def build_layer(requirements: Sequence[str], target: Target, cache_dir: Path = CACHE_DIR) -> Path:
    """The layer zip for `requirements` on `target`: from the cache, or installed by pip and zipped reproducibly."""
    destination = cache_dir / f"layer-{cache_key(requirements, target)}.zip"
    if destination.is_file():
        return destination
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".build-") as work:
        root = Path(work)
        install(requirements, target, root / "python")
        write_zip(root, root / "layer.zip")
        os.replace(root / "layer.zip", destination)  # atomic: a half-written zip is never taken from the cache
    return destination


def install(requirements: Sequence[str], target: Target, folder: Path) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
    command += ["--no-compile", *target.pip_options(), "--target", str(folder), *sorted(set(requirements))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return
    unavailable = re.findall(r"No matching distribution found for (\S+)", done.stderr)
    if unavailable:
        raise LayerError(
            f"no wheel of {', '.join(unavailable)} for {target}: a layer takes prebuilt wheels only (nothing is "
            "compiled). Pick a version that publishes a manylinux aarch64 wheel for this Python, or another library "
            "(REQUIREMENTS in handlers/workloads)."
        )
    detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
    raise LayerError(f"pip could not install {', '.join(requirements)} for {target}: {detail}")


def write_zip(root: Path, destination: Path) -> None:
    """Every file under `root`, sorted, with fixed timestamps and permissions: the same files give the same bytes."""
    names = sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    with zipfile.ZipFile(destination, "w") as archive:
        for name in names:
            if NOT_SHIPPED.search(name):
                continue
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.create_system = 3  # Unix, so external_attr holds permissions wherever the zip is made
            entry.external_attr = 0o100644 << 16  # a regular file, read-only for group and others
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, (root / name).read_bytes(), compresslevel=6)


def check_size(layer_zip: Path, code_bytes: int, limit: int = MAX_UNZIPPED_BYTES) -> int:
    """The layer's unzipped size; LayerError, naming the biggest packages, if it and the code exceed Lambda's limit."""
    with zipfile.ZipFile(layer_zip) as archive:
        sizes: dict[str, int] = {}
        for entry in archive.infolist():
            package = entry.filename.split("/")[1] if entry.filename.count("/") > 1 else entry.filename
            sizes[package] = sizes.get(package, 0) + entry.file_size
    unzipped = sum(sizes.values())
    if unzipped + code_bytes > limit:
        biggest = sorted(sizes.items(), key=lambda pair: -pair[1])[:5]
        listed = ", ".join(f"{package} {_mb(size)}" for package, size in biggest)
        raise LayerError(
            f"the workloads' libraries take {_mb(unzipped)} unzipped and the handlers {_mb(code_bytes)}, above "
            f"Lambda's {_mb(limit)} for a function and its layers; biggest: {listed}. Drop or replace a requirement "
            "(REQUIREMENTS in handlers/workloads)."
        )
    if layer_zip.stat().st_size > MAX_ZIPPED_BYTES:
        raise LayerError(
            f"the layer zip is {_mb(layer_zip.stat().st_size)}, above the {_mb(MAX_ZIPPED_BYTES)} Lambda accepts "
            "uploaded directly; drop or replace a requirement (REQUIREMENTS in handlers/workloads)."
        )
    return unzipped


def workload_layer(
    name: str, layer_name: str, target: Target, *, code_bytes: int, parent: pulumi.Resource
) -> aws.lambda_.LayerVersion | None:
    """The layer of every workload's requirements, checked against Lambda's limits; None when no workload has any."""
    requirements = workloads.all_requirements()
    if not requirements:
        return None
    layer_zip = build_layer(requirements, target)
    check_size(layer_zip, code_bytes)
    return aws.lambda_.LayerVersion(
        f"{name}-libraries",
        layer_name=layer_name,
        description=f"Workload libraries for {target.runtime} {target.architecture}: {' '.join(requirements)}"[:256],
        code=pulumi.FileArchive(str(layer_zip)),
        source_code_hash=base64.b64encode(hashlib.sha256(layer_zip.read_bytes()).digest()).decode(),
        compatible_runtimes=[target.runtime],
        compatible_architectures=[target.architecture],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def layers_for(function_key: str, layer: aws.lambda_.LayerVersion | None) -> list[pulumi.Output[str]] | None:
    return [layer.arn] if layer is not None and function_key in FUNCTIONS_WITH_LAYER else None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"

"""Build backend of this repository: setuptools, for editable installs only.

The repository is a Pulumi program (`__main__.py` imports `infra`, which imports `asl` and `hpc`, and zips
`handlers/` into the Lambda code) and a command that runs from it (`hpc` reads `Pulumi.<stack>.yaml` in the working
directory). Its four top-level packages keep those short, generic names because the Pulumi program and the Lambda
handler strings (`handlers.start.handler`) depend on the layout. Installed as a wheel, they would land in
site-packages as `hpc`, `asl`, `handlers` and `infra`, where they can shadow or be shadowed by other projects'
packages, detached from the stack files they belong with. So this project is not shipped as a wheel or sdist: it is
installed in place (`pip install -e .`, what `make` and Pulumi's `requirements.txt` do), into its own `./venv`, and
any other build is refused with a message saying so.
"""

from __future__ import annotations

from typing import Any

from setuptools import build_meta as _setuptools

REFUSAL = (
    "hpc-step-functions is installed in place only: run `make setup` (or `pip install -e .` in this repository's "
    "venv). It is a Pulumi program and its command, whose generic top-level packages (hpc, asl, handlers, infra) "
    "are not meant for site-packages; see tools/editable_only.py."
)

get_requires_for_build_editable = _setuptools.get_requires_for_build_editable
prepare_metadata_for_build_editable = _setuptools.prepare_metadata_for_build_editable
build_editable = _setuptools.build_editable


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    raise SystemExit(REFUSAL)


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    raise SystemExit(REFUSAL)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    raise SystemExit(REFUSAL)

"""Whether this Python has the libraries a job's workload declares (its REQUIREMENTS), and the pip line that adds them.

A local run executes the workload's `compute` in this interpreter, as Lambda does with the stack's layer; checking
first turns what would be an ImportError deep in a worker into one refused input that says what to install.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from hpc.outcome import Refused


class MissingRequirements(Refused):
    """The workload needs libraries this Python lacks; the message ends with the pip command that installs them."""


def check_installed(job: Mapping[str, Any]) -> None:
    """Raise MissingRequirements if the job's workload declares requirements that are absent or at another version.

    An unknown or malformed workload name passes: the start function refuses it with the list of known workloads.
    """
    from handlers import workloads

    name = job.get("workload", workloads.DEFAULT)
    workload = workloads.registry().get(name) if isinstance(name, str) else None
    if workload is None:
        return
    unmet = unmet_requirements(workloads.requirements_of(workload))
    if unmet:
        reasons = "; ".join(f"{spec} ({why})" for spec, why in unmet.items())
        raise MissingRequirements(
            f"workload {name!r} needs {reasons} in {sys.prefix}; install with: {pip_install_command(unmet)}"
        )


def unmet_requirements(specifiers: Iterable[str]) -> dict[str, str]:
    """Each specifier this Python does not satisfy, with why: not installed, or which version is."""
    specifiers = list(specifiers)
    if not specifiers:  # most workloads declare none: spare `hpc run` importing metadata and packaging (~50 ms)
        return {}
    from importlib import metadata  # both only paid for by workloads that declare requirements

    from packaging.requirements import Requirement

    unmet: dict[str, str] = {}
    for specifier in specifiers:
        requirement = Requirement(specifier)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            unmet[specifier] = "not installed"
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            unmet[specifier] = f"{installed} is installed"
    return unmet


def pip_install_command(specifiers: Iterable[str]) -> str:
    """The exact command, for this interpreter, that installs `specifiers`."""
    import shlex  # only for a refusal: not imported by every run

    return shlex.join([sys.executable, "-m", "pip", "install", *specifiers])

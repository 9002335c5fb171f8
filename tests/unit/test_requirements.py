"""Whether this Python has a workload's declared libraries, and the exact pip line that adds the missing ones."""

import shlex
import sys
import types

import pytest

import handlers.workloads as workloads
from hpc.requirements import MissingRequirements, check_installed, pip_install_command, unmet_requirements

ABSENT = "hpc-test-absent-library==1.0"


@pytest.fixture
def workload_needing_an_absent_library(monkeypatch):
    shipped = workloads.registry()
    needy = types.SimpleNamespace(NAME="needs-absent", REQUIREMENTS=[ABSENT, "pytest>=1"])
    monkeypatch.setattr(workloads, "registry", lambda: {**shipped, needy.NAME: needy})
    return needy.NAME


def test_installed_requirements_are_met():
    assert unmet_requirements(["pytest>=1", "packaging"]) == {}


def test_absent_and_wrong_version_requirements_say_why():
    unmet = unmet_requirements([ABSENT, "pytest==0.0.1", "pytest>=1"])
    assert unmet == {ABSENT: "not installed", "pytest==0.0.1": f"{pytest.__version__} is installed"}


def test_a_requirement_whose_marker_excludes_this_python_is_not_needed():
    assert unmet_requirements([f"{ABSENT}; python_version < '3'"]) == {}


def test_the_pip_command_installs_into_this_interpreter_and_quotes_specifiers():
    command = pip_install_command(["numpy>=2,<3"])
    assert shlex.split(command) == [sys.executable, "-m", "pip", "install", "numpy>=2,<3"]
    assert "'numpy>=2,<3'" in command  # the shell would read > as a redirection otherwise


def test_a_job_whose_workload_lacks_its_libraries_is_refused_with_the_fix(workload_needing_an_absent_library):
    with pytest.raises(MissingRequirements) as refused:
        check_installed({"workload": workload_needing_an_absent_library, "size": 1})
    message = str(refused.value)
    assert f"{ABSENT} (not installed)" in message and "pytest" not in message.split("install with:")[0]
    assert message.endswith(f"install with: {pip_install_command([ABSENT])}")


def test_jobs_whose_workloads_need_nothing_missing_pass():
    check_installed({"size": 4})  # the default workload needs nothing
    check_installed({"workload": "asian-option", "size": 4})  # installed by make setup
    check_installed({"workload": "no-such-workload"})  # refused later by the start function, naming known ones

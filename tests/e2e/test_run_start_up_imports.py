"""`hpc run` of the default job imports only what a local run of it uses: start-up is most of a small run's time.

Each module below was once imported by every run and is now imported only by the runs that use it (a workload that
declares REQUIREMENTS, a listing or CSV reader that reads, States.UUID, PyYAML for a stack file outside the plain
form, a report, a cloud run...). A new eager import of any of them fails here, naming it. And once `main` runs, the
garbage collector does not walk start-up's objects, and a process that started no thread ends without the
interpreter's teardown.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from command import REPO

from hpc.commands import COMMANDS

NOT_AT_START_UP = (
    "packaging",  # the requirements check, for a workload that declares none
    "importlib.metadata",
    "hashlib",  # the listing reader's ETags, object-digest's hashes
    "csv",  # the CSV reader, which every definition declares but the default job does not read
    "uuid",  # and the platform module it imports: engine UUIDs are formatted by hpc.engine.uuids
    "fractions",  # asian-option's exact present()
    "heapq",  # object-digest's merge
    "jsonata",
    "jsonpath_ng",
    "yaml",
    "boto3",
    "botocore",
    "matplotlib",
    "numpy",
    "hpc.report",
    "hpc.cloud",
    "hpc.estimate",
    # Records are NamedTuples or plain classes: creating a dataclass runs generated code, and `dataclasses` imports
    # `inspect` (with ast, dis, tokenize); pkgutil.iter_modules imports `inspect` too (the workload registry lists its
    # folder itself); traceback (with textwrap) only for a failing function or worker.
    "dataclasses",
    "inspect",
    "pkgutil",
    "traceback",
    "threading",  # the SIGTERM handler finds out whether it runs in the main thread by asking signal
    "datetime",  # only timestamp fields and Wait states need it
    "base64",  # States.Base64Encode/Decode
    "shlex",  # the pip command of a workload's missing requirements
    # `hpc run` builds only its own command line (hpc.commands.parser): the other commands' modules are not imported
    "hpc.commands.estimate",
    "hpc.commands.report",
    "hpc.commands.workloads",
)


def printed_by(code: str) -> list[str]:
    """The lines a new Python process running `code` (from the repository root) printed; it must exit 0."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_local_run_of_the_default_job_imports_none_of_what_it_does_not_use():
    code = (
        "import sys\n"
        "from hpc.cli import main\n"
        "status = main(['run', '--size', '8', '--no-progress'])\n"
        f"print(status, sorted(m for m in {NOT_AT_START_UP!r} if m in sys.modules))\n"
    )
    assert printed_by(code)[-1] == "0 []"


def test_each_command_module_is_named_for_its_command():
    # hpc.commands.parser imports only the module named like the command given, so the two names must agree.
    assert [importlib.import_module(f"hpc.commands.{name}").NAME for name in COMMANDS] == list(COMMANDS)


def test_a_local_run_of_the_default_job_never_runs_the_garbage_collector():
    # The hpc process raises the collector's first threshold above what start-up builds (hpc.cli.main): its ~200
    # modules' objects live as long as the process, so collections during start-up only walked them for nothing.
    code = (
        "import gc, sys\n"
        "import threading  # so that main() returns here instead of ending the process (hpc.cli._end_process)\n"
        "from hpc.cli import main\n"
        "runs = []\n"
        "gc.callbacks.append(lambda phase, info: runs.append(info['generation']) if phase == 'start' else None)\n"
        "sys.argv = ['hpc', 'run', '--size', '8', '--no-progress']\n"
        "status = main()\n"
        "print(status, runs)\n"
    )
    assert printed_by(code)[-1] == "0 []"


@pytest.mark.parametrize("thread_module_loaded", [False, True])
def test_the_process_skips_the_interpreters_teardown_only_when_no_thread_can_be_running(thread_module_loaded):
    code = (
        "import atexit, sys\n"
        + ("import threading\n" if thread_module_loaded else "")
        + "atexit.register(print, 'teardown')\n"
        "from hpc.cli import main\n"
        "sys.argv = ['hpc', 'run', '--size', '8', '--json', '--no-progress']\n"
        "sys.exit(main())\n"
    )
    # THEN the output is whole and the exit status the run's (0), either way
    output, *rest = printed_by(code)
    assert json.loads(output)["items"] == 8
    # AND the interpreter's teardown (atexit handlers, freeing every module) runs only where a thread might
    assert rest == (["teardown"] if thread_module_loaded else [])


def test_a_profiled_run_ends_normally_so_the_profile_is_written(tmp_path):
    # GIVEN hpc run under cProfile, as a developer profiles it
    profile = tmp_path / "run.prof"
    code = (
        "import cProfile, sys\n"
        "from hpc.cli import main\n"
        "sys.argv = ['hpc', 'run', '--size', '8', '--json', '--no-progress']\n"
        f"cProfile.run('main()', {str(profile)!r})\n"
    )
    printed_by(code)
    # THEN the profiler got to write its data: the process was not cut short
    assert profile.stat().st_size > 0

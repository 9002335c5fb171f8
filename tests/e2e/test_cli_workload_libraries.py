"""Workloads that need libraries, through the command: listed with their requirements, refused when they are absent."""

import json
import subprocess
import sys
import textwrap

from command import REPO, hpc

from handlers.workloads import all_requirements, registry, requirements_of
from hpc.cli import EXIT_USAGE, main


def test_workloads_shows_what_each_needs(capsys):
    assert main(["workloads"]) == 0
    printed = capsys.readouterr().out
    assert f"requires          {', '.join(requirements_of(registry()['asian-option']))}" in printed
    assert "requires          nothing beyond Python and boto3" in printed


def test_workloads_requirements_prints_a_requirements_file(capsys):
    assert main(["workloads", "--requirements"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == all_requirements() and "numpy==2.4.6" in lines


def test_a_workload_whose_libraries_are_absent_is_refused_in_one_line_with_the_pip_command(tmp_path):
    # GIVEN a workload module that declares a library this Python lacks
    (tmp_path / "needs_absent.py").write_text(
        textwrap.dedent(
            """
            NAME = "needs-absent"
            DESCRIPTION = "needs a library nobody installed"
            OPTIONS = {}
            REQUIREMENTS = ["hpc-test-absent-library==1.0"]
            def parse(size, options): return {"size": size}
            def items(params): return range(params["size"])
            def compute(items, params):
                import hpc_test_absent_library
            def combine(partials): return partials[0]
            def present(partial, params): return {"result": partial}
            """
        )
    )
    script = (
        "import sys, handlers.workloads as w; w.__path__.append(sys.argv[1]); from hpc.cli import main; "
        "sys.exit(main(['run', '--workload', 'needs-absent', '--size', '2', '--no-progress']))"
    )
    # WHEN a local run is asked of it
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO, capture_output=True, text=True)
    # THEN it is refused before anything runs: exit 2, one line naming the library and the command that installs it
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "hpc-test-absent-library==1.0 (not installed)" in done.stderr
    assert done.stderr.rstrip().endswith(f"install with: {sys.executable} -m pip install hpc-test-absent-library==1.0")


def test_the_numpy_workload_runs_end_to_end():
    job = {"workload": "asian-option", "size": 6, "paths_per_item": 2000, "volatility": 0.3}
    done = hpc("run", "--input", json.dumps(job), "--json", "--set", "maxItemsPerBatch=4")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["paths"] == 12_000 and output["complete"] is True
    assert 0 < output["standard_error"] < output["plain_standard_error"]
    assert abs(output["geometric_estimate"] - output["geometric_result"]) <= 4 * output["geometric_standard_error"]


def test_workloads_lists_data_for_data_workloads_and_size_for_the_others(capsys):
    from handlers.workloads import sources

    assert main(["workloads"]) == 0
    listing: dict[str, list[str]] = {}
    current = ""
    for line in capsys.readouterr().out.splitlines():
        if not line.startswith(" "):
            current = line.split(":")[0].removesuffix(" (default)")
            listing[current] = []
        else:
            listing[current].append(line.split()[0])
    for name, workload in registry().items():
        expected = "data" if sources(workload) else "size"
        assert expected in listing[name] and ({"data", "size"} - {expected}).isdisjoint(listing[name]), name

"""`hpc run --report DIR` as a user runs it, the page in a real headless browser, and what `hpc run` does not import."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from command import REPO, hpc

pytest.importorskip("matplotlib")

from PIL import Image  # noqa: E402 - matplotlib's own dependency

from hpc.report.figures import PIXELS  # noqa: E402

PICTURES = ("timeline", "throughput", "durations")
BROWSER_SECONDS = 60
# Appended to a copy of the page: once everything has loaded, write what the browser made of it into the DOM.
PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images].map(image => ({
    id: image.id, complete: image.complete, width: image.naturalWidth, height: image.naturalHeight,
    shownWidth: image.getBoundingClientRect().width,
  }));
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    images, title: document.title, summaryRows: document.querySelectorAll("#summary tr").length,
    settingsRows: document.querySelectorAll("#settings tr").length,
    pageWidth: document.documentElement.scrollWidth, viewWidth: window.innerWidth,
  });
  document.body.appendChild(probe);
});
</script>"""


@pytest.fixture(scope="module")
def report_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    directory = tmp_path_factory.mktemp("report") / "out"
    done = hpc("run", "--size", "300", "--set", "maxItemsPerBatch=50", "--workers", "2", "--report", str(directory))
    return done, directory


def test_run_with_report_prints_the_result_and_writes_three_pngs_and_a_page(report_run):
    done, directory = report_run
    assert done.returncode == 0, done.stderr
    assert "items           300" in done.stdout
    assert f"report: {directory / 'report.html'}" in done.stderr
    assert sorted(path.name for path in directory.iterdir()) == sorted([f"{p}.png" for p in PICTURES] + ["report.html"])
    for name in PICTURES:
        with Image.open(directory / f"{name}.png") as image:
            assert (image.format, image.size) == ("PNG", PIXELS)
    page = (directory / "report.html").read_text()
    assert "s3-keys" in page and "maxItemsPerBatch" in page and "estimated cost" in page


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def require_chromium() -> str:
    """The browser; CI must have it (.ci/run installs Debian's chromium), elsewhere its absence skips."""
    browser = chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have Chromium: .ci/run installs Debian's chromium package")
        pytest.skip("no Chromium on this machine (`apt-get install chromium`, as .ci/run does)")
    return browser


def test_report_page_renders_in_headless_chromium_with_every_picture_decoded(report_run, tmp_path):
    # GIVEN the page a run wrote, with a probe script appended to a copy of it
    browser = require_chromium()
    _, directory = report_run
    page = (directory / "report.html").read_text()
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(page.replace("</body>", PROBE + "</body>"))
    # WHEN a real headless Chromium loads it
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1300,900",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probe_page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_SECONDS,
        check=False,
    )
    # THEN every picture decoded at its real size and is shown within the window, and the tables are there
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no probe output (exit {done.returncode}): {done.stderr[-2000:]}"
    seen = json.loads(html.unescape(found.group(1)))
    assert [image["id"] for image in seen["images"]] == list(PICTURES)
    for image in seen["images"]:
        assert image["complete"] and (image["width"], image["height"]) == PIXELS, image
        assert 0 < image["shownWidth"] <= seen["viewWidth"], image
    assert seen["title"].startswith("Run report: ")
    assert seen["summaryRows"] >= 10 and seen["settingsRows"] >= 20
    assert seen["pageWidth"] <= seen["viewWidth"]  # nothing forces a sideways scroll


def test_run_without_report_never_imports_matplotlib_or_the_report_package():
    code = (
        "import sys\n"
        "from hpc.cli import main\n"
        "status = main(['run', '--size', '64', '--no-progress'])\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(('matplotlib', 'hpc.report', 'PIL'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"


def test_report_of_something_not_an_execution_arn_is_refused():
    done = hpc("report", "not-an-arn")
    assert done.returncode == 2
    assert done.stderr.startswith("error: InvalidArn: ")
    assert "Traceback" not in done.stderr


def test_report_into_a_file_is_refused_before_anything_runs(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    done = hpc("run", "--size", "8", "--report", str(target))
    assert done.returncode == 2
    assert done.stderr == f"error: UsageError: --report {target}: exists and is not a folder\n"
    assert done.stdout == ""


def test_report_of_a_run_with_retries_and_a_tolerated_failure_counts_both(tmp_path):
    # GIVEN 4 batches of 10 items: the batch holding item 3 is throttled twice, the one holding 25 always fails
    faults = {"throttled": {"3": 2}, "permanent": [25], "log": str(tmp_path)}
    settings = ["--set", "maxItemsPerBatch=10", "--set", "toleratedFailurePercentage=50"]
    # WHEN it runs with a report
    done = hpc("run", "--size", "40", *settings, "--report", str(tmp_path / "r"), faults=faults)
    # THEN the run ends incomplete, and the page counts the retries and the failed child and its items
    assert done.returncode == 3, done.stderr
    page = html.unescape((tmp_path / "r" / "report.html").read_text())
    assert "30 succeeded, 10 failed (of 40)" in page
    assert "3 succeeded, 1 failed" in page
    assert re.search(r"<th>retries</th><td><code>2</code>", page)

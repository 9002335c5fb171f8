"""Run reports: where a run's time went, as pictures and one self-contained page.

`write_report(run, directory)` writes timeline.png, throughput.png, durations.png and report.html for a RunData,
built from a local run (hpc.report.local) or a finished cloud execution (hpc.report.cloud). matplotlib is imported
only here, when a report is written, so `hpc run` without `--report` never pays for it.
"""

from __future__ import annotations

from pathlib import Path

from hpc.report.model import RunData

PICTURES = ("timeline", "throughput", "durations")


def write_report(run: RunData, directory: Path) -> Path:
    """Write the three PNGs and report.html into `directory` (created if needed); the page's path."""
    from hpc.report import figures, page  # matplotlib, only now

    directory.mkdir(parents=True, exist_ok=True)
    pictures = {}
    for name in PICTURES:
        path = figures.save(getattr(figures, name)(run), directory / f"{name}.png")
        pictures[name] = path.read_bytes()
    report = directory / "report.html"
    report.write_text(page.render(run, pictures), encoding="utf-8")
    return report

"""report.html: one self-contained page (pictures embedded as data: URIs, no scripts, no outside requests) with the
job, the settings in force, the counts, the wall time, the modeled cost and the three pictures."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

from hpc.report.model import RunData

RESULT_CHARS = 120  # a 2,206-digit result is shown by its head and its length

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1240px; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: 0.2rem 1rem 0.2rem 0; vertical-align: top; }
th { font-weight: 600; white-space: nowrap; }
code { font-size: 0.9em; word-break: break-all; }
img { display: block; max-width: 100%; height: auto; margin: 0.5rem 0 1.5rem; border: 1px solid #ddd; }
.failed { color: #c0392b; }
"""


def render(run: RunData, pictures: Mapping[str, bytes]) -> str:
    """The page; `pictures` maps a name (timeline, throughput, durations) to its PNG bytes."""
    cost = run.estimated_bill()
    retries = run.retries
    summary: list[tuple[str, str]] = [
        ("execution", run.name),
        ("ran", "locally (hpc run)" if run.source == "local" else "in AWS Step Functions"),
        ("status", run.status + (f": {run.error}: {run.cause or ''}" if run.error else "")),
        ("job", json.dumps(run.job)),
        ("wall time", f"{run.wall_seconds:.3f} s"),
        ("items", _counts(run, "items", run.total_items, run.pending_items)),
        ("child executions", _counts(run, "children", None, None)),
        ("retries", "not recorded in the result files" if retries is None else f"{retries:,}"),
        ("median child", f"{run.median_duration():.4g} s"),
        (
            "estimated cost",
            f"${cost.total:.6f} " + "(" + ", ".join(f"{k} ${v:.6f}" for k, v in cost.dollars.items()) + ")",
        ),
    ]
    summary += [(f"result: {key}", _short(value)) for key, value in run.result.items()]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Run report: {html.escape(run.name)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Run report: {html.escape(run.name)}</h1>",
        _table("summary", summary),
        "<p>The cost is hpc.estimate's model of the AWS bill (US East list prices) with this run's measured child "
        "time taken as compute Lambda time.</p>",
        "<h2>Settings in force</h2>",
        _table("settings", ((key, _short(value)) for key, value in run.settings.items())),
    ]
    captions = {
        "timeline": "Where the time went: one bar per child execution",
        "throughput": "Items finished and children running",
        "durations": "How long children took",
    }
    for name, png in pictures.items():
        data = base64.b64encode(png).decode("ascii")
        parts += [
            f"<h2>{html.escape(captions.get(name, name))}</h2>",
            f'<img id="{html.escape(name)}" alt="{html.escape(name)}" src="data:image/png;base64,{data}">',
        ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _counts(run: RunData, unit: str, total: int | None, pending: int | None) -> str:
    succeeded, failed = run.count(succeeded=True, unit=unit), run.count(succeeded=False, unit=unit)
    text = f"{succeeded:,} succeeded, {failed:,} failed"
    if pending:
        text += f", {pending:,} never started"
    return text + (f" (of {total:,})" if total is not None else "")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= RESULT_CHARS else f"{text[:RESULT_CHARS]}… ({len(text):,} characters)"


def _table(table_id: str, rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th>{html.escape(key)}</th><td><code>{html.escape(value)}</code></td></tr>" for key, value in rows
    )
    return f'<table id="{table_id}">{body}</table>'

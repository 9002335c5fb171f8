"""Runs a job on this machine: the cloud's state machine definition, executed by the local engine."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asl import Functions, build_definition
from hpc.functions import function_specs
from hpc.settings import Settings

LOCAL_BUCKET = "hpc-local"
LOCAL_ARN_PREFIX = "arn:aws:lambda:local:000000000000:function:hpc-"
LOCAL_FUNCTIONS = Functions(*(LOCAL_ARN_PREFIX + key for key in ("start", "compute", "sum")))


def run_locally(
    job: dict[str, Any],
    settings: Settings,
    *,
    store: Path | None = None,
    workers: int | None = None,
    on_progress: Callable[[Any], None] | None = None,
    on_child: Callable[[Any], None] | None = None,
) -> Any:
    """Execute `job` and return the engine's ExecutionResult. Without `store`, intermediate files are deleted after.
    `on_child` receives the engine's ChildSpan of every finished Map child (hpc.report draws them)."""
    from hpc.engine import LocalEngine  # the engine's imports are only paid for when a run happens

    specs = function_specs(settings, LOCAL_BUCKET)
    environment: dict[str, str] = {}
    for spec in specs.values():
        environment.update(spec.environment)
    engine_functions = {LOCAL_ARN_PREFIX + key: spec.entry_point for key, spec in specs.items()}
    definition = build_definition(LOCAL_FUNCTIONS, LOCAL_BUCKET, settings)

    def execute(root: Path) -> Any:
        engine = LocalEngine(definition, engine_functions, root, workers=workers, environment=environment)
        return engine.run(job, on_progress=on_progress, on_child=on_child)

    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        return execute(store)
    with tempfile.TemporaryDirectory(prefix="hpc-run-") as root:
        return execute(Path(root))

"""Runs a job on this machine: the cloud's state machine definition, executed by the local engine.

A data job's `"data"` may be a local file or folder: it is mounted in the engine's store as bucket `local-data` (a
symbolic link, read-only), the input is rewritten to `s3://local-data/...` and the bucket added to dataBuckets for this
run, so the run goes through exactly the readers, checks and errors a cloud run does (and errors name the real path).
A result the sum function stored in the store (a large one) is fetched before the store goes away.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asl import Functions, build_definition
from hpc.functions import function_specs
from hpc.jobs import InvalidExecutionInput
from hpc.settings import Settings

LOCAL_BUCKET = "hpc-local"
DATA_MOUNT = "local-data"
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
    from hpc.requirements import check_installed

    check_installed(job)  # the workload's libraries must be here, as the stack's layer puts them beside Lambda's

    dataset = local_dataset(job)
    if dataset is not None:
        job = {**job, "data": f"s3://{DATA_MOUNT}/{dataset.name if dataset.is_file() else ''}"}
        settings = settings.merged({"dataBuckets": [*settings.data_buckets, DATA_MOUNT]})
    specs = function_specs(settings, LOCAL_BUCKET)
    environment: dict[str, str] = {}
    for spec in specs.values():
        environment.update(spec.environment)
    engine_functions = {LOCAL_ARN_PREFIX + key: spec.entry_point for key, spec in specs.items()}
    definition = build_definition(LOCAL_FUNCTIONS, LOCAL_BUCKET, settings)

    def execute(root: Path) -> Any:
        if dataset is not None:
            mount(root, dataset)
        engine = LocalEngine(definition, engine_functions, root, workers=workers, environment=environment)
        return fetch_stored_result(engine.run(job, on_progress=on_progress, on_child=on_child), root)

    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        return execute(store)
    with tempfile.TemporaryDirectory(prefix="hpc-run-") as root:
        return execute(Path(root))


def local_dataset(job: dict[str, Any]) -> Path | None:
    """The local file or folder a data job names, or None (no data, or an s3:// URI into the store)."""
    data = job.get("data")
    if not isinstance(data, str) or data.startswith("s3://"):
        return None
    path = Path(data).expanduser()
    if not path.exists():
        raise InvalidExecutionInput(f"data {data!r}: no such file or folder")
    if not (path.is_file() or path.is_dir()):
        raise InvalidExecutionInput(f"data {data!r} is neither a regular file nor a folder")
    return path.resolve()


def mount(root: Path, dataset: Path) -> None:
    """Make the dataset's folder (a file's own folder) readable as bucket DATA_MOUNT of the store at `root`."""
    root.mkdir(parents=True, exist_ok=True)
    link = root / DATA_MOUNT
    if link.is_symlink():
        link.unlink()  # a kept --store from an earlier run
    link.symlink_to(dataset if dataset.is_dir() else dataset.parent, target_is_directory=True)


def fetch_stored_result(result: Any, root: Path) -> Any:
    """The execution result with a stored output (`result_object`) replaced by the whole output from the store."""
    output = result.output
    if result.status != "SUCCEEDED" or not isinstance(output, dict) or "result_object" not in output:
        return result
    from handlers.store import LocalStore
    from hpc.stored_output import decoded

    where = output["result_object"]
    with LocalStore(root).open(where["Bucket"], where["Key"]) as stream:
        return result._replace(output=decoded(stream.read()))

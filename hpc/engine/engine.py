"""LocalEngine: runs the state machine definition that asl/ builds for the cloud, on this machine.

One execution per `run`: the input is checked as StartExecution would (JSON, at most 256 KiB, a valid name), the
environment the handlers read is set for the run (HPC_LOCAL_STORE=<store_root> so handlers.store and the Map's
ItemReader/ResultWriter share one local store, plus the caller's variables; PYTHONINTMAXSTRDIGITS is applied to the
interpreter, as the Lambda runtime applies it at start), then hpc.engine.interpreter runs the states, with Distributed
Map children in worker processes (hpc.engine.distributed_map). Everything the definition asks for that the engine
cannot emulate exactly was refused when the engine was made (hpc.engine.validation).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from handlers.store import LOCAL_STORE_ENV
from hpc.engine import lambdas, limits
from hpc.engine.distributed_map import Arns, DistributedMap, MapEnvironment, MapProgress
from hpc.engine.errors import EngineFault, InvalidExecutionInput, InvalidName, StatesError
from hpc.engine.interpreter import Execution, Interpreter, Runtime
from hpc.engine.spans import ChildSpan
from hpc.engine.uuids import random_uuid
from hpc.engine.validation import validate, with_query_language

# StartExecution's rule: 1-80 characters, no whitespace, brackets, wildcards, these specials, or control characters.
_NAME = re.compile(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}")
_MACHINE_NAME = re.compile(r"[0-9A-Za-z_-]{1,80}")


class ExecutionResult(NamedTuple):
    """How an execution ended: status SUCCEEDED (with output) or FAILED (with error and cause)."""

    name: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    execution_arn: str = ""


class LocalEngine:
    """Runs `definition` with each Lambda function (named as the definition names it, by name or ARN) mapped to a
    handler `"package.module:function"`. Wait states sleep `wait_scale` times as long as AWS would (see
    hpc.engine.states.wait); retry delays are scaled by `retry_delay_scale`."""

    def __init__(
        self,
        definition: dict[str, Any],
        functions: dict[str, str],
        store_root: Path,
        *,
        workers: int | None = None,
        environment: dict[str, str] | None = None,
        retry_delay_scale: float = 1.0,
        wait_scale: float = 1.0,
        state_machine_name: str = "local",
    ) -> None:
        definition = with_query_language(definition)
        validate(definition, functions)
        if not _MACHINE_NAME.fullmatch(state_machine_name):
            raise InvalidName(f"state machine name {state_machine_name!r} must be 1-80 of A-Z a-z 0-9 _ -")
        self.definition = definition
        self.functions = dict(functions)
        self.store_root = Path(store_root).resolve()
        self.workers = max(1, workers if workers is not None else os.cpu_count() or 1)
        self.environment = dict(environment or {})
        self.retry_delay_scale = retry_delay_scale
        self.wait_scale = wait_scale
        self.state_machine_name = state_machine_name
        self.arns = Arns()

    def run(
        self,
        input: Any,  # noqa: A002 - the API's name, as StartExecution's
        *,
        name: str | None = None,
        on_progress: Callable[[MapProgress], None] | None = None,
        on_child: Callable[[ChildSpan], None] | None = None,
    ) -> ExecutionResult:
        """Execute once; FAILED results carry the Step Functions error and cause. Ctrl-C stops workers and re-raises.
        `on_child` receives a ChildSpan for every finished Map child (when and on which worker it ran)."""
        execution_input = _checked_input(input)
        name = name if name is not None else random_uuid()
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InvalidName(
                f"execution name {name!r} must be 1-80 characters without whitespace, brackets, wildcards, "
                'control characters or any of " # % \\ ^ | ~ ` $ & , ; : /'
            )
        machine_arn = f"{self.arns.base('stateMachine')}:{self.state_machine_name}"
        execution = Execution(
            name=name,
            arn=f"{self.arns.base('execution')}:{self.state_machine_name}:{name}",
            input=execution_input,
            state_machine_arn=machine_arn,
            state_machine_name=self.state_machine_name,
        )
        self.store_root.mkdir(parents=True, exist_ok=True)
        with _environment({**self.environment, LOCAL_STORE_ENV: str(self.store_root)}):
            handlers = {function: lambdas.resolve(entry) for function, entry in self.functions.items()}
            runtime = Runtime(handlers=handlers, retry_delay_scale=self.retry_delay_scale, wait_scale=self.wait_scale)
            runtime.run_map = DistributedMap(
                MapEnvironment(
                    self.store_root, self.workers, runtime, self.state_machine_name, on_progress, self.arns, on_child
                )
            )
            try:
                output = Interpreter(self.definition, runtime).run(execution)
            except (StatesError, EngineFault) as failure:
                return ExecutionResult(name, "FAILED", None, failure.error, failure.cause, execution.arn)
        return ExecutionResult(name, "SUCCEEDED", output, None, None, execution.arn)


def _checked_input(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)  # NaN and Infinity are not JSON: StartExecution refuses them
        text = limits.to_json(value)
    except (TypeError, ValueError) as error:
        raise InvalidExecutionInput(f"the execution input must be JSON: {error}") from None
    size = len(text.encode())
    if size > limits.MAX_PAYLOAD_BYTES:
        raise InvalidExecutionInput(
            f"the execution input is {size} bytes, over Step Functions' limit of {limits.MAX_PAYLOAD_BYTES} bytes "
            "(256 KiB); put large data in the store and pass its key"
        )
    return json.loads(text)  # the execution sees its own copy, as if it had crossed the API


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in variables}
    saved_digits = sys.get_int_max_str_digits()
    os.environ.update(variables)
    if "PYTHONINTMAXSTRDIGITS" in variables:
        sys.set_int_max_str_digits(int(variables["PYTHONINTMAXSTRDIGITS"]))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sys.set_int_max_str_digits(saved_digits)

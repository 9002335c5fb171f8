"""The local engine: runs the cloud's state machine definition on this machine (see hpc.engine.engine)."""

from hpc.engine.distributed_map import MapProgress
from hpc.engine.engine import ExecutionResult, LocalEngine
from hpc.engine.errors import InvalidDefinition, InvalidExecutionInput, InvalidName, UnsupportedDefinition
from hpc.engine.spans import ChildSpan

__all__ = [
    "ChildSpan",
    "ExecutionResult",
    "InvalidDefinition",
    "InvalidExecutionInput",
    "InvalidName",
    "LocalEngine",
    "MapProgress",
    "UnsupportedDefinition",
]

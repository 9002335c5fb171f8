"""Children out: one child execution of a Distributed Map, run in a worker process, and the record AWS keeps of it.

Each child is a separate execution of the ItemProcessor, named by a UUID unique within the Map Run, with its own
`$$.Execution`. A child input over 256 KiB fails that child with States.DataLimitExceeded. Its outcome for the parent
is `(status, child id, payload, items)`: the payload is the child's record (AWS's ResultWriter format, encoded) when
the Map has a ResultWriter, else its output (or `{"Error", "Cause"}`) as JSON; with a timing sink the outcome also
carries `(worker lane, started, stopped, attempts)` for a ChildSpan. A selection that fails is the Map's error, not the
child's: the outcome is then `("map-error", error, cause, child id)` and no more children start.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hpc.engine import limits, pool, uuids
from hpc.engine.direct_invoke import DirectInvoke
from hpc.engine.errors import StatesError
from hpc.engine.interpreter import Execution, Interpreter, Runtime, timestamp
from hpc.engine.map_items import Child, ChildInputs
from hpc.engine.tolerance import Threshold

SUCCEEDED, FAILED = 0, 1
_LAST_GROUP = 1 << 48  # a UUID's last group, 12 hexadecimal digits
_encode_record = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode


class ChildNames:
    """Names and ARNs of a Map Run and its children."""

    def __init__(self, arn_base: Any, machine: str, label: str) -> None:
        self.map_run_uuid = uuids.random_uuid_int()
        self.map_run_arn = f"{arn_base('mapRun')}:{machine}/{label}:{uuids.uuid_text(self.map_run_uuid)}"
        self.machine_name = f"{machine}/{label}"
        self.machine_arn = f"{arn_base('stateMachine')}:{self.machine_name}"
        self.arn_prefix = f"{arn_base('execution')}:{self.machine_name}:"
        self._name_prefix = uuids.uuid_text(self.map_run_uuid)[:-12]
        self._last_group = self.map_run_uuid & (_LAST_GROUP - 1)

    def child_name(self, child: int) -> str:
        # A UUID per child, unique within the Map Run: its random UUID with the child's index folded into the low
        # bits (the version nibble is untouched while child < 2**76). Not uuid3: hashing would import hashlib/OpenSSL
        # in every worker; and formatted directly, as uuid.UUID(int=...) costs microseconds a child. Below 2**48
        # children only the last group changes: the rest is formatted once.
        if child >= _LAST_GROUP:
            return uuids.uuid_text(self.map_run_uuid ^ child)
        return f"{self._name_prefix}{(self._last_group ^ child):012x}"


class ChildRunner:
    """Runs children in a worker: everything it needs is set up in the parent before the workers fork."""

    def __init__(
        self,
        processor: dict[str, Any],
        runtime: Runtime,
        names: ChildNames,
        inputs: ChildInputs,
        *,
        threshold: Threshold,
        failed_items: pool.SharedInts,
        known_total: pool.SharedInts,
        stop: pool.StopFlag,
        writes_results: bool,
        timed: bool,
    ) -> None:
        self.processor = processor
        self.runtime = runtime
        self.names = names
        self.inputs = inputs
        self.threshold = threshold
        self.failed_items = failed_items  # shared: items of failed children, a slot per worker lane
        self.known_total = known_total  # shared: the item count once all items are read, else -1
        self.stop = stop
        self.writes_results = writes_results
        self.timed = timed
        self.direct = DirectInvoke.of(processor, runtime)  # None: the interpreter runs each child
        self.redrive_status_on_failure = (
            "REDRIVABLE_BY_MAP_RUN" if processor["ProcessorConfig"]["ExecutionType"] == "EXPRESS" else "REDRIVABLE"
        )

    def __call__(self, child: Child) -> tuple[Any, bool, int]:
        """Run one child; `(outcome, urgent, size)` for the pool (see the module docstring for the outcome)."""
        started = time.time() if self.timed else 0.0
        index, _, values, _ = child
        try:
            child_input, input_json, quoted_input = self.inputs.input_and_json(child, quoted=self.writes_results)
        except StatesError as error:
            self.stop.set()
            return ("map-error", error.error, error.cause, index), True, 0
        name = self.names.child_name(index)
        execution = Execution(
            name=name,
            arn=self.names.arn_prefix + name,
            input=child_input,
            state_machine_arn=self.names.machine_arn,
            state_machine_name=self.names.machine_name,
        )
        limits.remember(child_input, input_json)  # its Lambda payload and size checks reuse this text
        output_json = ""
        failure: StatesError | None = None
        retries = 0
        try:
            if limits.payload_size(child_input) > limits.MAX_PAYLOAD_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The input of child execution {name} exceeds the maximum of {limits.MAX_PAYLOAD_BYTES} bytes",
                )
            if self.direct is not None:
                try:
                    owned = input_json if self.inputs.owns_input(child) else None
                    output_json = self.direct.run(execution, owned)
                finally:
                    retries = self.direct.retries
            else:
                interpreter = Interpreter(self.processor, self.runtime)
                try:
                    output_json = limits.to_json(interpreter.run(execution))
                finally:
                    retries = interpreter.retries
        except StatesError as error:
            failure = error
            self._count_failure(len(values))
        status = SUCCEEDED if failure is None else FAILED
        payload: bytes | str
        if self.writes_results:
            stopped = timestamp()
            if failure is None:
                payload = succeeded_record(execution, input_json, output_json, stopped, quoted_input)
            else:
                payload = self._failed_record(execution, input_json, failure, stopped)
        else:
            payload = output_json if failure is None else limits.to_json(_error_fields(failure))
        outcome: tuple[Any, ...] = (status, index, payload, len(values))
        if self.timed:
            attempts = 1 + retries
            outcome += (pool.worker_lane(), started, time.time(), attempts)
        return outcome, status == FAILED, len(payload)

    def _failed_record(self, execution: Execution, input_json: str, failure: StatesError, stopped: str) -> bytes:
        record: dict[str, Any] = {
            **_error_fields(failure),
            "ExecutionArn": execution.arn,
            "Input": input_json,
            "InputDetails": {"Included": True},
            "Name": execution.name,
            "OutputDetails": {"Included": True},
            "RedriveCount": 0,
            "RedriveStatus": self.redrive_status_on_failure,
            "StartDate": execution.start_time,
            "StateMachineArn": execution.state_machine_arn,
            "Status": "FAILED",
            "StopDate": stopped,
        }
        return _encode_record(record).encode()

    def _count_failure(self, items: int) -> None:
        # Stop starting children as soon as the threshold is exceeded; the parent judges it again with every result.
        self.failed_items[pool.worker_lane()] += items  # each worker writes only its own lane's slot
        total = self.known_total[0]
        if self.threshold.exceeded(self.failed_items.total(), None if total < 0 else total):
            self.stop.set()


# A succeeded child's record as _encode_record writes it (keys sorted, compact), its seven variable fields filled in
# by the encoder's own string quoting: one child in two is dominated by encoding its record otherwise.
_SUCCEEDED_RECORD = (
    '{"ExecutionArn":%s,"Input":%s,"InputDetails":{"Included":true},"Name":%s,"Output":%s,'
    '"OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE",'
    '"RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven","StartDate":%s,"StateMachineArn":%s,'
    '"Status":"SUCCEEDED","StopDate":%s}'
)
_quote = limits.quoted


def succeeded_record(
    execution: Execution, input_json: str, output_json: str, stopped: str, quoted_input: str | None = None
) -> bytes:
    """The record; `quoted_input`: the input's JSON already quoted as a string, when its maker wrote that too."""
    quoted = _quote(input_json) if quoted_input is None else quoted_input
    fields = (execution.name, output_json, execution.start_time, execution.state_machine_arn, stopped)
    return (_SUCCEEDED_RECORD % (_quote(execution.arn), quoted, *map(_quote, fields))).encode()


def _error_fields(failure: StatesError) -> dict[str, Any]:
    """A failed child's Error and Cause, as its record and its output hold them (no Cause when there is none)."""
    return {"Error": failure.error} if failure.cause is None else {"Error": failure.error, "Cause": failure.cause}


def pending_record(child_input: Any) -> bytes:
    """The record of a child that never started: only Input, InputDetails and Status, as AWS writes it."""
    record = {"Input": limits.to_json(child_input), "InputDetails": {"Included": True}, "Status": "PENDING"}
    return _encode_record(record).encode()

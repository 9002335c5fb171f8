"""A Map child whose ItemProcessor is one lambda:invoke Task that sends its whole input and keeps the function's
result -- `"Parameters": {"FunctionName": <name>, "Payload.$": "$"}`, `"OutputPath": "$.Payload"`, End, optionally
Retry and Catch: the shape of this project's compute state -- run without the interpreter's per-state machinery.

What AWS does for such a child is unchanged: the same event reaches the same handler, the same output comes back,
and the same size checks apply in the same order. What is skipped is only what nothing can observe in this shape:
the context object (no path or template here reads `$$`), template and path evaluation (a fixed payload and a fixed
OutputPath), and the integration's response metadata, which OutputPath drops. A first attempt that fails goes on
under the state's Retry and Catch in the interpreter (hpc.engine.states.task), as if the interpreter had made it.
"""

from __future__ import annotations

import json
from typing import Any

from hpc.engine import lambdas, limits
from hpc.engine.errors import StatesError
from hpc.engine.interpreter import Execution, Interpreter, Runtime
from hpc.engine.states import task
from hpc.engine.states.task import LAMBDA_INVOKE

_SHAPE_FIELDS = {"Type", "Resource", "Parameters", "OutputPath", "Retry", "Catch", "End", "Comment", "QueryLanguage"}
_PROCESSOR_FIELDS = {"StartAt", "States", "ProcessorConfig", "Comment", "QueryLanguage"}


class DirectInvoke:
    """Runs the child executions of one ItemProcessor of the shape above; `of` says whether it has that shape."""

    def __init__(self, processor: dict[str, Any], runtime: Runtime, name: str, function: str, key: str) -> None:
        self.processor = processor
        self.runtime = runtime
        self.name = name
        self.state = processor["States"][name]
        self.function = function
        self.handler = runtime.handlers[key]
        self.retries = 0
        # {"FunctionName":...,"Payload":<input>} is this many bytes and the input's own: compact JSON adds up
        self.parameters_bytes = limits.payload_size({"FunctionName": function, "Payload": None}) - len("null")

    @classmethod
    def of(cls, processor: dict[str, Any], runtime: Runtime) -> DirectInvoke | None:
        states = processor.get("States", {})
        name = processor.get("StartAt")
        if not isinstance(name, str) or len(states) != 1 or name not in states:
            return None
        if not _PROCESSOR_FIELDS.issuperset(processor):
            return None
        state = states[name]
        if (
            not _SHAPE_FIELDS.issuperset(state)
            or state.get("Type") != "Task"
            or state.get("Resource") != LAMBDA_INVOKE
            or state.get("OutputPath") != "$.Payload"
            or state.get("End") is not True
            or state.get("QueryLanguage", "JSONPath") != "JSONPath"
            or processor.get("QueryLanguage", "JSONPath") != "JSONPath"
        ):
            return None
        parameters = state.get("Parameters")
        if not isinstance(parameters, dict) or set(parameters) != {"FunctionName", "Payload.$"}:
            return None
        function = parameters["FunctionName"]
        if parameters["Payload.$"] != "$" or not isinstance(function, str):
            return None
        key = lambdas.find(runtime.handlers, function)
        return None if key is None else cls(processor, runtime, name, function, key)

    def run(self, execution: Execution, owned_input_json: str | None = None) -> str:
        """The child's output as compact JSON; StatesError when it fails, as Interpreter.run raises it. `retries` is
        then how many retries the child took.

        `owned_input_json`, when given, is the input's JSON and says the input shares nothing but its BatchInput
        (hpc.engine.map_items.ChildInputs.owns_input): the first attempt hands it to the function without copying
        it (the BatchInput copied), and should that attempt fail, the rest start from the input decoded again from
        its JSON, as it was before the function could change it."""
        self.retries = 0
        execution.events += 1  # TaskStateEntered
        entered = execution.events
        try:
            output_json = self._first_attempt(execution, owned=owned_input_json is not None)
        except StatesError as failed:
            if owned_input_json is not None:
                execution.input = json.loads(owned_input_json)
            interpreter = Interpreter(self.processor, self.runtime)
            try:
                _, output = task.run(
                    interpreter, self.name, self.state, execution.input, execution, entered, first_failure=failed
                )
            except StatesError as error:
                raise error.at_state(self.name, entered) from None
            finally:
                self.retries = interpreter.retries
            output_json = limits.to_json(output)
        execution.events += 1  # TaskStateExited
        return output_json

    def _first_attempt(self, execution: Execution, *, owned: bool) -> str:
        # What hpc.engine.states.task's attempt does, for this shape: Parameters, the call, OutputPath; the output's
        # JSON is the response body itself (decoding it and encoding it again gives the same text), never decoded.
        child_input = execution.input
        limits.check_size(self.parameters_bytes + limits.payload_size(child_input), self.name, "input after Parameters")
        execution.events += 3  # TaskScheduled, TaskStarted, then TaskSucceeded or TaskFailed
        event = lambdas.event_from_payload(child_input)
        if owned and "BatchInput" in event:
            event = {**event, "BatchInput": lambdas.private_copy(event["BatchInput"])}  # the one part shared
        invocation = lambdas.invoke(self.handler, self.function, event, owned=owned)
        limits.check_size(lambdas.integration_result_size(invocation), self.name)
        if invocation.body is None:  # the handler's own bytes, read as Step Functions reads them
            limits.check_payload(invocation.payload, self.name, "output")
            return limits.to_json(invocation.payload)
        limits.check_size(invocation.body_bytes, self.name, "output")
        return invocation.body

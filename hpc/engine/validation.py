"""Checks a definition before anything runs: every state type and field must be one the local engine emulates.

Allowed (JSONPath query language only):
- top level: StartAt, States, Comment, Version, QueryLanguage "JSONPath";
- Task: Resource arn:aws:states:::lambda:invoke with Parameters {FunctionName (static, known to the engine),
  Payload | Payload.$}, InputPath, OutputPath, ResultPath, ResultSelector, Retry, Catch;
- Pass (Parameters, Result, ResultPath...), Choice (see hpc.engine.choice), Succeed, Fail (Error, Cause, ErrorPath,
  CausePath);
- Map in DISTRIBUTED mode: ItemReader (s3:getObject, ReaderConfig InputType JSON | JSONL and MaxItems, Parameters
  Bucket and Key, static or `.$`), ItemsPath, ItemSelector, ItemBatcher (MaxItemsPerBatch, MaxInputBytesPerBatch,
  BatchInput), MaxConcurrency, ToleratedFailurePercentage, ToleratedFailureCount, Label, ResultWriter
  (s3:putObject, Parameters Bucket and Prefix), ItemProcessor (ProcessorConfig Mode/ExecutionType, StartAt, States
  without a nested Map), plus the common fields, Retry and Catch.
Refused with UnsupportedDefinition naming the full path of the field, e.g.
"States.Compute.ItemReader.ReaderConfig.CSVHeaders: not emulated by the local engine": Wait, Parallel, INLINE Map,
JSONata, variables (Assign), TimeoutSeconds/HeartbeatSeconds, the `...Path` forms of Map settings, CSV / Parquet /
manifest / listObjectsV2 readers, WriterConfig, intrinsics other than the four in hpc.engine.intrinsics.
Structural mistakes (a Next to no state, a missing End, a bad path) raise InvalidDefinition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hpc.engine import choice, paths, templates
from hpc.engine.errors import InvalidDefinition, UnsupportedDefinition

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
S3_PUT_OBJECT = "arn:aws:states:::s3:putObject"

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_IO = {"InputPath", "OutputPath"}
_FIELDS: dict[str, set[str]] = {
    "Task": _COMMON | _FLOW | _IO | {"Resource", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch"},
    "Pass": _COMMON | _FLOW | _IO | {"Parameters", "Result", "ResultPath"},
    "Choice": _COMMON | _IO | {"Choices", "Default"},
    "Succeed": _COMMON | _IO,
    "Fail": _COMMON | {"Error", "Cause", "ErrorPath", "CausePath"},
    "Map": _COMMON
    | _FLOW
    | _IO
    | {
        "ResultPath",
        "ResultSelector",
        "Retry",
        "Catch",
        "ItemProcessor",
        "ItemReader",
        "ItemsPath",
        "ItemSelector",
        "ItemBatcher",
        "MaxConcurrency",
        "ToleratedFailurePercentage",
        "ToleratedFailureCount",
        "Label",
        "ResultWriter",
    },
}
_RETRIER = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
}
_CATCHER = {"ErrorEquals", "Next", "ResultPath", "Comment"}


def validate(definition: Any, functions: Mapping[str, str]) -> None:
    """InvalidDefinition / UnsupportedDefinition for anything the engine cannot run exactly as AWS would."""
    _machine(definition, "", functions, nested=False)


def _unsupported(where: str, detail: str = "not emulated by the local engine") -> UnsupportedDefinition:
    return UnsupportedDefinition(f"{where}: {detail}")


def _only(mapping: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = set(allowed)
    for key in mapping:
        if key not in allowed:
            raise _unsupported(f"{where}.{key}" if where else key)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidDefinition(f"{where}: must be a JSON object")
    return value


def _machine(definition: Any, where: str, functions: Mapping[str, str], *, nested: bool) -> None:
    definition = _object(definition, where or "definition")
    prefix = f"{where}." if where else ""
    _only(
        definition,
        {"StartAt", "States", "Comment"} | ({"ProcessorConfig"} if nested else {"Version", "QueryLanguage"}),
        where,
    )
    _query_language(definition, where)
    states = _object(definition.get("States"), f"{prefix}States")
    if not states:
        raise InvalidDefinition(f"{prefix}States: needs at least one state")
    if definition.get("StartAt") not in states:
        raise InvalidDefinition(f"{prefix}StartAt: {definition.get('StartAt')!r} is not a state in {prefix}States")
    for name, state in states.items():
        _state(name, _object(state, f"{prefix}States.{name}"), f"{prefix}States.{name}", states, functions, nested)


def _query_language(mapping: Mapping[str, Any], where: str) -> None:
    if mapping.get("QueryLanguage", "JSONPath") != "JSONPath":
        raise _unsupported(f"{where}.QueryLanguage" if where else "QueryLanguage", "only JSONPath is emulated")


def _state(
    name: str, state: dict[str, Any], where: str, states: Mapping[str, Any], functions: Mapping[str, str], nested: bool
) -> None:
    kind = state.get("Type")
    if kind not in _FIELDS:
        raise _unsupported(f"{where}.Type", f"state type {kind!r} is not emulated by the local engine")
    _only(state, _FIELDS[kind], where)
    _query_language(state, where)
    if kind in ("Task", "Pass", "Map"):
        _next_or_end(state, where, states)
    for key in ("InputPath", "OutputPath"):
        if state.get(key) is not None and key in state:
            _path(state[key], f"{where}.{key}")
    if "ResultPath" in state and state["ResultPath"] is not None:
        _reference_path(state["ResultPath"], f"{where}.ResultPath")
    for key in ("Parameters", "ResultSelector"):
        if key in state:
            templates.check(_object(state[key], f"{where}.{key}"), f"{where}.{key}")
    if "Retry" in state:
        _retriers(state["Retry"], f"{where}.Retry")
    if "Catch" in state:
        _catchers(state["Catch"], f"{where}.Catch", states)
    if kind == "Task":
        _task(state, where, functions)
    elif kind == "Choice":
        _choice(state, where, states)
    elif kind == "Fail":
        _fail(state, where)
    elif kind == "Map":
        if nested:
            raise _unsupported(
                f"{where}.Type", "a Map inside a Map's ItemProcessor is not emulated by the local engine"
            )
        _map(state, where, functions)


def _next_or_end(state: dict[str, Any], where: str, states: Mapping[str, Any]) -> None:
    if ("Next" in state) == (state.get("End") is True):
        raise InvalidDefinition(f'{where}: needs exactly one of Next or "End": true')
    if "Next" in state and state["Next"] not in states:
        raise InvalidDefinition(f"{where}.Next: {state['Next']!r} is not a state")


def _path(value: Any, where: str) -> None:
    try:
        paths.check(value)
    except InvalidDefinition as error:
        raise InvalidDefinition(f"{where}: {error}") from None


def _reference_path(value: Any, where: str) -> None:
    _path(value, where)
    if paths.is_context_path(value) or not paths.is_definite(value):
        raise InvalidDefinition(f"{where}: {value!r} must be a reference path ($ followed by fields and indexes only)")


def _expression(value: Any, where: str) -> None:
    templates.check_expression(value, where)


def _error_equals(rule: dict[str, Any], where: str, last: bool) -> None:
    names = rule.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InvalidDefinition(f"{where}.ErrorEquals: must be a non-empty array of error names")
    if "States.ALL" in names and (len(names) != 1 or not last):
        raise InvalidDefinition(f"{where}.ErrorEquals: States.ALL must appear alone, in the last rule")


def _retriers(retriers: Any, where: str) -> None:
    if not isinstance(retriers, list):
        raise InvalidDefinition(f"{where}: must be an array")
    for position, retrier in enumerate(retriers):
        here = f"{where}[{position}]"
        _only(_object(retrier, here), _RETRIER, here)
        _error_equals(retrier, here, position == len(retriers) - 1)
        _number(retrier, "IntervalSeconds", here, minimum=1, integer=True)
        _number(retrier, "MaxAttempts", here, minimum=0, integer=True)
        _number(retrier, "BackoffRate", here, minimum=1.0)
        _number(retrier, "MaxDelaySeconds", here, minimum=1, integer=True)
        if retrier.get("JitterStrategy", "NONE") not in ("FULL", "NONE"):
            raise InvalidDefinition(f"{here}.JitterStrategy: must be FULL or NONE")


def _catchers(catchers: Any, where: str, states: Mapping[str, Any]) -> None:
    if not isinstance(catchers, list):
        raise InvalidDefinition(f"{where}: must be an array")
    for position, catcher in enumerate(catchers):
        here = f"{where}[{position}]"
        _only(_object(catcher, here), _CATCHER, here)
        _error_equals(catcher, here, position == len(catchers) - 1)
        if catcher.get("Next") not in states:
            raise InvalidDefinition(f"{here}.Next: {catcher.get('Next')!r} is not a state")
        if catcher.get("ResultPath") is not None:
            _reference_path(catcher["ResultPath"], f"{here}.ResultPath")


def _number(
    mapping: Mapping[str, Any],
    key: str,
    where: str,
    *,
    minimum: float,
    maximum: float | None = None,
    integer: bool = False,
) -> None:
    if key not in mapping:
        return
    value = mapping[key]
    kinds = (int,) if integer else (int, float)
    if (
        isinstance(value, bool)
        or not isinstance(value, kinds)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidDefinition(
            f"{where}.{key}: must be {'an integer' if integer else 'a number'} {bound}, got {value!r}"
        )


def _task(state: dict[str, Any], where: str, functions: Mapping[str, str]) -> None:
    if state.get("Resource") != LAMBDA_INVOKE:
        raise _unsupported(
            f"{where}.Resource", f"{state.get('Resource')!r} is not emulated by the local engine (only {LAMBDA_INVOKE})"
        )
    parameters = _object(state.get("Parameters"), f"{where}.Parameters")
    _only(parameters, {"FunctionName", "Payload", "Payload.$"}, f"{where}.Parameters")
    function = parameters.get("FunctionName")
    if not isinstance(function, str):
        raise InvalidDefinition(f"{where}.Parameters.FunctionName: must be a string")
    if function not in functions:
        known = ", ".join(sorted(functions)) or "none"
        raise InvalidDefinition(f"{where}.Parameters.FunctionName: no local handler for {function!r} (known: {known})")
    if "Payload" in parameters and "Payload.$" in parameters:
        raise InvalidDefinition(f"{where}.Parameters: Payload and Payload.$ are exclusive")


def _choice(state: dict[str, Any], where: str, states: Mapping[str, Any]) -> None:
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        raise InvalidDefinition(f"{where}.Choices: must be a non-empty array")
    for position, rule in enumerate(rules):
        choice.check_rule(rule, f"{where}.Choices[{position}]", top_level=True)
        if rule["Next"] not in states:
            raise InvalidDefinition(f"{where}.Choices[{position}].Next: {rule['Next']!r} is not a state")
    if "Default" in state and state["Default"] not in states:
        raise InvalidDefinition(f"{where}.Default: {state['Default']!r} is not a state")


def _fail(state: dict[str, Any], where: str) -> None:
    for key in ("Error", "Cause"):
        if key in state and key + "Path" in state:
            raise InvalidDefinition(f"{where}: {key} and {key}Path are exclusive")
        if key in state and not isinstance(state[key], str):
            raise InvalidDefinition(f"{where}.{key}: must be a string")
        if key + "Path" in state:
            _expression(state[key + "Path"], f"{where}.{key}Path")


def _map(state: dict[str, Any], where: str, functions: Mapping[str, str]) -> None:
    processor = _object(state.get("ItemProcessor"), f"{where}.ItemProcessor")
    config = _object(processor.get("ProcessorConfig", {"Mode": "INLINE"}), f"{where}.ItemProcessor.ProcessorConfig")
    _only(config, {"Mode", "ExecutionType"}, f"{where}.ItemProcessor.ProcessorConfig")
    if config.get("Mode", "INLINE") != "DISTRIBUTED":
        raise _unsupported(
            f"{where}.ItemProcessor.ProcessorConfig.Mode",
            f"{config.get('Mode', 'INLINE')!r} (inline Map) is not emulated by the local engine; use DISTRIBUTED",
        )
    if config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
        raise InvalidDefinition(f"{where}.ItemProcessor.ProcessorConfig.ExecutionType: must be STANDARD or EXPRESS")
    _machine(processor, f"{where}.ItemProcessor", functions, nested=True)
    if "ItemReader" in state:
        if "ItemsPath" in state:
            raise _unsupported(
                f"{where}.ItemsPath", "ItemsPath together with ItemReader is not emulated by the local engine"
            )
        _item_reader(_object(state["ItemReader"], f"{where}.ItemReader"), f"{where}.ItemReader")
    elif "ItemsPath" in state:
        _path(state["ItemsPath"], f"{where}.ItemsPath")
    if "ItemSelector" in state:
        templates.check(_object(state["ItemSelector"], f"{where}.ItemSelector"), f"{where}.ItemSelector")
    if "ItemBatcher" in state:
        batcher = _object(state["ItemBatcher"], f"{where}.ItemBatcher")
        _only(batcher, {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}, f"{where}.ItemBatcher")
        if "MaxItemsPerBatch" not in batcher and "MaxInputBytesPerBatch" not in batcher:
            raise InvalidDefinition(f"{where}.ItemBatcher: needs MaxItemsPerBatch and/or MaxInputBytesPerBatch")
        _number(batcher, "MaxItemsPerBatch", f"{where}.ItemBatcher", minimum=1, integer=True)
        _number(batcher, "MaxInputBytesPerBatch", f"{where}.ItemBatcher", minimum=1, maximum=262_144, integer=True)
        if "BatchInput" in batcher:
            templates.check(
                _object(batcher["BatchInput"], f"{where}.ItemBatcher.BatchInput"), f"{where}.ItemBatcher.BatchInput"
            )
    _number(state, "MaxConcurrency", where, minimum=0, integer=True)
    _number(state, "ToleratedFailurePercentage", where, minimum=0, maximum=100)
    _number(state, "ToleratedFailureCount", where, minimum=0, integer=True)
    label = state.get("Label", "")
    if not isinstance(label, str) or len(label) > 40 or any(c in label for c in ' <>{}[]?*"#%\\^|~`$&,;:/'):
        raise InvalidDefinition(f"{where}.Label: must be at most 40 characters without spaces or special characters")
    if "ResultWriter" in state:
        _result_writer(_object(state["ResultWriter"], f"{where}.ResultWriter"), f"{where}.ResultWriter")


def _s3_parameters(parameters: Any, names: tuple[str, ...], required: tuple[str, ...], where: str) -> None:
    parameters = _object(parameters, where)
    _only(parameters, {name + suffix for name in names for suffix in ("", ".$")}, where)
    for name in names:
        if name in parameters and name + ".$" in parameters:
            raise InvalidDefinition(f"{where}: {name} and {name}.$ are exclusive")
        if name + ".$" in parameters:
            _expression(parameters[name + ".$"], f"{where}.{name}.$")
        elif name in parameters and not isinstance(parameters[name], str):
            raise InvalidDefinition(f"{where}.{name}: must be a string")
        elif name not in parameters and name in required:
            raise InvalidDefinition(f"{where}: needs {name} (or {name}.$)")


def _item_reader(reader: dict[str, Any], where: str) -> None:
    _only(reader, {"Resource", "ReaderConfig", "Parameters"}, where)
    if reader.get("Resource") != S3_GET_OBJECT:
        raise _unsupported(
            f"{where}.Resource",
            f"{reader.get('Resource')!r} is not emulated by the local engine (only {S3_GET_OBJECT})",
        )
    config = _object(reader.get("ReaderConfig", {}), f"{where}.ReaderConfig")
    _only(config, {"InputType", "MaxItems"}, f"{where}.ReaderConfig")
    if config.get("InputType") not in ("JSON", "JSONL"):
        raise _unsupported(
            f"{where}.ReaderConfig.InputType",
            f"{config.get('InputType')!r} is not emulated by the local engine (only JSON and JSONL)",
        )
    _number(config, "MaxItems", f"{where}.ReaderConfig", minimum=1, integer=True)
    _s3_parameters(reader.get("Parameters"), ("Bucket", "Key"), ("Bucket", "Key"), f"{where}.Parameters")


def _result_writer(writer: dict[str, Any], where: str) -> None:
    _only(writer, {"Resource", "Parameters"}, where)
    if writer.get("Resource") != S3_PUT_OBJECT:
        raise _unsupported(
            f"{where}.Resource",
            f"{writer.get('Resource')!r} is not emulated by the local engine (only {S3_PUT_OBJECT})",
        )
    _s3_parameters(writer.get("Parameters"), ("Bucket", "Prefix"), ("Bucket",), f"{where}.Parameters")

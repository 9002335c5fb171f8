"""Map states, in both modes: their checks, the INLINE behaviour, and the hand-over to the Distributed Map runner.

INLINE (ProcessorConfig Mode INLINE or absent; also the legacy spelling `Iterator` for ItemProcessor and `Parameters`
for ItemSelector): the items are the array ItemsPath (default `$`) finds in the effective input; each item goes
through ItemSelector (with `$$.Map.Item.Index` / `$$.Map.Item.Value`) and then through the processor, a state machine
whose states write into the execution's history; the result is the array of the iterations' outputs, in item order,
then ResultSelector, ResultPath and OutputPath. The first iteration that fails fails the Map with its error and cause.
MaxConcurrency (or MaxConcurrencyPath) is checked as AWS checks it; locally iterations run one after the other, which
changes timing, not results.

DISTRIBUTED: the `...Path` forms of its settings are resolved first (hpc.engine.map_settings), then the run is
hpc.engine.distributed_map's (ItemReader, ItemBatcher, child executions in worker processes, tolerance,
ResultWriter). Refused before the run: readers hpc.engine.item_reader does not emulate (Parquet, manifests),
WriterConfig, a Distributed Map inside a Distributed Map's processor, and ItemReader / ItemBatcher / ResultWriter /
tolerance on an INLINE Map.

Each inline iteration has its own variable scope. In JSONata, `Items` (by default the input) gives the items,
`ItemSelector` is a JSONata template seeing `$states.context.Map.Item`, `Output` defaults to `$states.result`, and a
DISTRIBUTED Map's settings may be expressions, its ItemReader and ResultWriter take `Arguments`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpc.engine import (
    checks,
    dataflow,
    error_handling,
    item_reader,
    jsonata_language,
    limits,
    map_settings,
    paths,
    templates,
)
from hpc.engine.errors import InvalidDefinition, StatesError
from hpc.engine.interpreter import Context, Execution, Interpreter

S3_PUT_OBJECT = "arn:aws:states:::s3:putObject"

_INLINE = frozenset({"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency"})
_DISTRIBUTED = frozenset(
    {
        "ItemProcessor",
        "ItemReader",
        "ItemsPath",
        "ItemSelector",
        "ItemBatcher",
        "MaxConcurrency",
        "ToleratedFailurePercentage",
        "ToleratedFailureCount",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCountPath",
        "Label",
        "ResultWriter",
    }
)
FIELDS = (
    checks.FLOW
    | checks.IO
    | _INLINE
    | _DISTRIBUTED
    | {"MaxConcurrencyPath", "ResultPath", "ResultSelector", "Retry", "Catch", "Assign"}
)
JSONATA_FIELDS = checks.FLOW | {"ItemProcessor", "Items", "ItemSelector", "MaxConcurrency", "Output", "Assign"}
JSONATA_FIELDS |= {"Retry", "Catch", "ItemReader", "ItemBatcher", "ResultWriter", "Label"}
JSONATA_FIELDS |= {"ToleratedFailurePercentage", "ToleratedFailureCount"}


def mode(state: dict[str, Any]) -> str:
    processor = state.get("ItemProcessor")
    config = processor.get("ProcessorConfig", {}) if isinstance(processor, dict) else {}
    return config.get("Mode", "INLINE") if isinstance(config, dict) else "INLINE"


# ---- checks -------------------------------------------------------------------------------------------------------


def check(state: dict[str, Any], where: str, states: Mapping[str, Any], checker: Any) -> None:
    if dataflow.is_jsonata(state):
        _check_jsonata(state, where, checker)
        return
    processor_key = checks.exclusive(state, ("ItemProcessor", "Iterator"), where, required=True)
    assert processor_key is not None
    processor = checks.obj(state[processor_key], f"{where}.{processor_key}")
    config = checks.obj(processor.get("ProcessorConfig", {}), f"{where}.{processor_key}.ProcessorConfig")
    checks.only(config, {"Mode", "ExecutionType"}, f"{where}.{processor_key}.ProcessorConfig")
    checks.exclusive(state, ("MaxConcurrency", "MaxConcurrencyPath"), where)
    checks.number(state, "MaxConcurrency", where, minimum=0, integer=True)
    if "MaxConcurrencyPath" in state:
        checks.path(state["MaxConcurrencyPath"], f"{where}.MaxConcurrencyPath")
    if "ItemsPath" in state:
        checks.path(state["ItemsPath"], f"{where}.ItemsPath")
    selector = checks.exclusive(state, ("ItemSelector", "Parameters"), where)
    if selector is not None:
        checks.template(state[selector], f"{where}.{selector}")
    map_mode = config.get("Mode", "INLINE")
    if map_mode == "INLINE":
        for key in state:
            if key in _DISTRIBUTED - _INLINE:
                raise InvalidDefinition(f"{where}.{key}: only a Map in DISTRIBUTED mode has {key}")
        checks.only(config, {"Mode"}, f"{where}.{processor_key}.ProcessorConfig")
        checker.machine(processor, f"{where}.{processor_key}", nested=True, extra=frozenset({"ProcessorConfig"}))
    elif map_mode == "DISTRIBUTED":
        if processor_key == "Iterator":
            raise InvalidDefinition(f"{where}.Iterator: a DISTRIBUTED Map names its processor ItemProcessor")
        if checker.in_distributed_child:
            raise checks.unsupported(
                f"{where}.ItemProcessor.ProcessorConfig.Mode",
                "a Distributed Map inside a Distributed Map's ItemProcessor is not emulated by the local engine",
            )
        _check_distributed(state, where, config, processor, checker)
    else:
        raise InvalidDefinition(f"{where}.{processor_key}.ProcessorConfig.Mode: must be INLINE or DISTRIBUTED")


def _check_jsonata(state: dict[str, Any], where: str, checker: Any) -> None:
    processor = checks.obj(state.get("ItemProcessor"), f"{where}.ItemProcessor")
    config = checks.obj(processor.get("ProcessorConfig", {}), f"{where}.ItemProcessor.ProcessorConfig")
    checks.only(config, {"Mode", "ExecutionType"}, f"{where}.ItemProcessor.ProcessorConfig")
    for field, low, high, integer in _JSONATA_NUMBERS:
        if field in state and jsonata_language.expression_of(state[field]) is None:
            checks.number(state, field, where, minimum=low, maximum=high, integer=integer)
    if config.get("Mode", "INLINE") == "INLINE":
        checks.only(config, {"Mode"}, f"{where}.ItemProcessor.ProcessorConfig")
        for key in state:
            if key in _DISTRIBUTED - _INLINE:
                raise InvalidDefinition(f"{where}.{key}: only a Map in DISTRIBUTED mode has {key}")
        checker.machine(processor, f"{where}.ItemProcessor", nested=True, extra=frozenset({"ProcessorConfig"}))
        return
    if config.get("Mode") != "DISTRIBUTED":
        raise InvalidDefinition(f"{where}.ItemProcessor.ProcessorConfig.Mode: must be INLINE or DISTRIBUTED")
    if config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
        raise InvalidDefinition(f"{where}.ItemProcessor.ProcessorConfig.ExecutionType: must be STANDARD or EXPRESS")
    if checker.in_distributed_child:
        raise checks.unsupported(
            f"{where}.ItemProcessor.ProcessorConfig.Mode",
            "a Distributed Map inside a Distributed Map's ItemProcessor is not emulated by the local engine",
        )
    child_checker = type(checker)(checker.functions, in_distributed_child=True)
    child_checker.machine(processor, f"{where}.ItemProcessor", nested=True, extra=frozenset({"ProcessorConfig"}))
    if "ItemReader" in state:
        if "Items" in state:
            raise checks.unsupported(
                f"{where}.Items", "Items together with ItemReader is not emulated by the local engine"
            )
        item_reader.check(_reader_as_jsonpath(state["ItemReader"], f"{where}.ItemReader"), f"{where}.ItemReader")
    if "ItemBatcher" in state:
        batcher = checks.obj(state["ItemBatcher"], f"{where}.ItemBatcher")
        checks.only(batcher, {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}, f"{where}.ItemBatcher")
        if "MaxItemsPerBatch" not in batcher and "MaxInputBytesPerBatch" not in batcher:
            raise InvalidDefinition(f"{where}.ItemBatcher: needs MaxItemsPerBatch and/or MaxInputBytesPerBatch")
    if "ResultWriter" in state:
        writer = checks.obj(state["ResultWriter"], f"{where}.ResultWriter")
        checks.only(writer, {"Resource", "Arguments"}, f"{where}.ResultWriter")
        _result_writer({"Resource": writer.get("Resource"), "Parameters": {"Bucket.$": "$"}}, f"{where}.ResultWriter")
    _label(state, where)


_JSONATA_NUMBERS = (
    ("MaxConcurrency", 0, None, True),
    ("ToleratedFailurePercentage", 0, 100, False),
    ("ToleratedFailureCount", 0, None, True),
)


def _reader_as_jsonpath(reader: Any, where: str) -> dict[str, Any]:
    """A JSONata ItemReader in the JSONPath shape hpc.engine.item_reader checks: Arguments as Parameters (expressions
    standing in as paths), ReaderConfig without its expression-valued fields (checked as JSONata)."""
    reader = checks.obj(reader, where)
    checks.only(reader, {"Resource", "ReaderConfig", "Arguments"}, where)
    config = checks.obj(reader.get("ReaderConfig", {}), f"{where}.ReaderConfig")
    arguments = reader.get("Arguments", {})
    if isinstance(arguments, dict):
        parameters = {
            (key + ".$" if jsonata_language.expression_of(value) is not None else key): (
                "$" if jsonata_language.expression_of(value) is not None else value
            )
            for key, value in arguments.items()
        }
    else:  # one expression for all of them: its keys are known only when it runs
        parameters = {"Bucket.$": "$", "Key.$": "$"} if reader.get("Resource") == item_reader.S3_GET_OBJECT else {}
        parameters = parameters or {"Bucket.$": "$"}
    return {
        "Resource": reader.get("Resource"),
        "ReaderConfig": {k: v for k, v in config.items() if jsonata_language.expression_of(v) is None},
        "Parameters": parameters,
    }


def _label(state: dict[str, Any], where: str) -> None:
    label = state.get("Label", "")
    if not isinstance(label, str) or len(label) > 40 or any(c in label for c in ' <>{}[]?*"#%\\^|~`$&,;:/'):
        raise InvalidDefinition(f"{where}.Label: must be at most 40 characters without spaces or special characters")


def _check_distributed(
    state: dict[str, Any], where: str, config: dict[str, Any], processor: dict[str, Any], checker: Any
) -> None:
    if config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
        raise InvalidDefinition(f"{where}.ItemProcessor.ProcessorConfig.ExecutionType: must be STANDARD or EXPRESS")
    child_checker = type(checker)(checker.functions, in_distributed_child=True)
    child_checker.machine(processor, f"{where}.ItemProcessor", nested=True, extra=frozenset({"ProcessorConfig"}))
    if "Parameters" in state:
        raise InvalidDefinition(f"{where}.Parameters: a DISTRIBUTED Map uses ItemSelector")
    if "ItemReader" in state:
        if "ItemsPath" in state:
            raise checks.unsupported(
                f"{where}.ItemsPath", "ItemsPath together with ItemReader is not emulated by the local engine"
            )
        item_reader.check(checks.obj(state["ItemReader"], f"{where}.ItemReader"), f"{where}.ItemReader")
    if "ItemBatcher" in state:
        batcher = checks.obj(state["ItemBatcher"], f"{where}.ItemBatcher")
        here = f"{where}.ItemBatcher"
        checks.only(
            batcher,
            {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"}
            | {"BatchInput"},
            here,
        )
        items = checks.exclusive(batcher, ("MaxItemsPerBatch", "MaxItemsPerBatchPath"), here)
        size = checks.exclusive(batcher, ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"), here)
        if items is None and size is None:
            raise InvalidDefinition(f"{here}: needs MaxItemsPerBatch and/or MaxInputBytesPerBatch (or their Path)")
        checks.number(batcher, "MaxItemsPerBatch", here, minimum=1, integer=True)
        checks.number(batcher, "MaxInputBytesPerBatch", here, minimum=1, maximum=262_144, integer=True)
        for key in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
            if key in batcher:
                checks.path(batcher[key], f"{here}.{key}")
        if "BatchInput" in batcher:
            checks.template(batcher["BatchInput"], f"{here}.BatchInput")
    for plain in ("ToleratedFailurePercentage", "ToleratedFailureCount"):
        checks.exclusive(state, (plain, plain + "Path"), where)
        if plain + "Path" in state:
            checks.path(state[plain + "Path"], f"{where}.{plain}Path")
    checks.number(state, "ToleratedFailurePercentage", where, minimum=0, maximum=100)
    checks.number(state, "ToleratedFailureCount", where, minimum=0, integer=True)
    _label(state, where)
    if "ResultWriter" in state:
        _result_writer(checks.obj(state["ResultWriter"], f"{where}.ResultWriter"), f"{where}.ResultWriter")


def _result_writer(writer: dict[str, Any], where: str) -> None:
    checks.only(writer, {"Resource", "Parameters"}, where)
    if writer.get("Resource") != S3_PUT_OBJECT:
        raise checks.unsupported(
            f"{where}.Resource",
            f"{writer.get('Resource')!r} is not emulated by the local engine (only {S3_PUT_OBJECT})",
        )
    checks.s3_parameters(writer.get("Parameters"), ("Bucket", "Prefix"), ("Bucket",), f"{where}.Parameters")


# ---- behaviour ----------------------------------------------------------------------------------------------------


def run(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    if dataflow.is_jsonata(state):
        return _run_jsonata(interpreter, name, state, raw, execution, entered)
    distributed = mode(state) == "DISTRIBUTED"

    def attempt(context: Context) -> Any:
        effective = dataflow.input_path(state, raw, context)
        if distributed:
            assert interpreter.runtime.run_map is not None, "a Distributed Map needs a Map runner"
            settings = map_settings.resolve(state, effective, context)
            execution.events += 2  # MapStateStarted, MapRunStarted
            result = interpreter.runtime.run_map(name, settings, effective, execution, context)
            execution.events += 2  # MapRunSucceeded, MapStateSucceeded
        else:
            items = paths.read_field(state.get("ItemsPath", "$"), effective, context, "ItemsPath")
            map_settings.resolve({k: v for k, v in state.items() if k == "MaxConcurrencyPath"}, effective, context)
            selector = state.get("ItemSelector", state.get("Parameters"))

            def select(item_context: Context) -> Any:
                return templates.evaluate(selector, effective, item_context)

            processor = state.get("ItemProcessor") or state["Iterator"]
            result = _iterate(interpreter, processor, items, selector is not None and select, execution, context)
        if "ResultSelector" in state:
            result = templates.evaluate(state["ResultSelector"], result, context)
        dataflow.assign_jsonpath(name, state, result, context)
        return dataflow.finish(name, state, raw, result, context)

    return error_handling.run(interpreter, name, state, raw, execution, entered, attempt)


def _run_jsonata(
    interpreter: Interpreter, name: str, state: dict[str, Any], raw: Any, execution: Execution, entered: int
) -> tuple[str | None, Any]:
    def attempt(context: Context) -> Any:
        bindings = dataflow.jsonata_bindings(raw, context)
        if mode(state) == "DISTRIBUTED":
            assert interpreter.runtime.run_map is not None, "a Distributed Map needs a Map runner"
            settings, data = map_settings.resolve_jsonata(state, bindings)
            execution.events += 2  # MapStateStarted, MapRunStarted
            result = interpreter.runtime.run_map(name, settings, data, execution, context)
            execution.events += 2  # MapRunSucceeded, MapStateSucceeded
            return dataflow.conclude(name, state, raw, result, context, bindings)
        items = jsonata_language.evaluate(state.get("Items", "{% $states.input %}"), bindings, "Items")
        if "MaxConcurrency" in state:
            concurrency = jsonata_language.evaluate(state["MaxConcurrency"], bindings, "MaxConcurrency")
            if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 0:
                raise StatesError(
                    "States.QueryEvaluationError",
                    f"MaxConcurrency must be a non-negative integer, got {concurrency!r}",
                    located=True,
                )

        def select(item_context: Context) -> Any:
            item_bindings = {**bindings, "states": {**bindings["states"], "context": item_context}}
            return jsonata_language.evaluate(state["ItemSelector"], item_bindings, "ItemSelector")

        selector = select if "ItemSelector" in state else None
        result = _iterate(interpreter, state["ItemProcessor"], items, selector, execution, context)
        bindings["states"] = {**bindings["states"], "result": result}
        return dataflow.jsonata_finish(name, state, bindings, result, context)

    return error_handling.run(interpreter, name, state, raw, execution, entered, attempt)


def _iterate(
    interpreter: Interpreter,
    processor: dict[str, Any],
    items: Any,
    select: Any,
    execution: Execution,
    context: Context,
) -> list[Any]:
    """An inline Map's iterations, one after the other, each in a variable scope of its own."""
    if not isinstance(items, list):
        raise StatesError(
            "States.Runtime",
            f"The items of a Map state must be a JSON array, got '{limits.to_json(items)}'",
            located=True,
        )
    execution.events += 1  # MapStateStarted
    outputs = []
    for index, item in enumerate(items):
        if select:
            item = select(context.with_map_item(index, item))
        execution.events += 1  # MapIterationStarted
        outputs.append(interpreter.branch(processor).run(execution, item, use_input=False))
        execution.events += 1  # MapIterationSucceeded
    execution.events += 1  # MapStateSucceeded
    return outputs

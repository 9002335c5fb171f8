"""Where the engine once differed from recorded AWS executions: the context object, States.Format, StringToJson,
bracket-quoted names, AWS's fixed error causes, and the Lambda integration's shapes."""

from __future__ import annotations

import pytest
from toy_machine import machine, task

PREFIX = "An error occurred while executing the state '{}' (entered at the event id #{})."


def pass_state(parameters: dict, **fields) -> dict:
    return {"Type": "Pass", "Parameters": parameters, "End": True, **fields}


# ---- 1. the context object ----------------------------------------------------------------------------------------


def test_pass_state_context_has_entered_time_and_name_only(make_engine):
    result = make_engine(machine(("P", pass_state({"state.$": "$$.State"})))).run({})
    assert sorted(result.output["state"]) == ["EnteredTime", "Name"]
    assert result.output["state"]["Name"] == "P"


def test_task_state_context_counts_retries(make_engine, fake_dir):
    state = task(
        "flaky",
        Parameters={"FunctionName": "flaky", "Payload": {"key": "k", "failures": 1, "error": "Boom"}},
        Retry=[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
        ResultSelector={"attempt.$": "$.Payload.attempt", "state.$": "$$.State"},
    )
    result = make_engine(machine(("T", state))).run({})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["attempt"] == 2
    assert result.output["state"]["RetryCount"] == 1


# ---- 2. States.Format renders objects and arrays as AWS does --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        # localstack's AWS-recorded snapshot test_format_2: the same value in both placeholders
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
        ('{"Arg1": 1, "Arg2": []}', '{"Arg1": 1, "Arg2": []}'),
        ("", ""),
        (None, "null"),
        (1.1, "1.1"),
        ([1, "a", True, {"k": None}], "[1, a, true, {k=null}]"),
    ],
)
def test_format_renders_values_as_aws_does(make_engine, value, rendered):
    parameters = {"v.$": "States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)"}
    result = make_engine(machine(("P", pass_state(parameters)))).run({"fst": value, "snd": value})
    assert result.output == {"v": f"Formatting arguments fst={rendered} and snd={rendered}."}


def test_format_renders_the_state_machine_context_in_map_style(make_engine):
    parameters = {"v.$": "States.Format('{}', $$.StateMachine)"}
    result = make_engine(machine(("P", pass_state(parameters)))).run({})
    assert result.output == {"v": "{Id=arn:aws:states:local:000000000000:stateMachine:local, Name=local}"}


# ---- 3. StringToJson of a blank string ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "   "])
def test_string_to_json_of_a_blank_string_is_null(make_engine, text):
    result = make_engine(machine(("P", pass_state({"v.$": "States.StringToJson($.s)"})))).run({"s": text})
    assert (result.status, result.output) == ("SUCCEEDED", {"v": None})


# ---- 4. bracket-quoted names are read literally ---------------------------------------------------------------------


def test_bracket_quoted_name_with_escaped_quotes_is_read_literally(make_engine):
    # The definition's JSON text "$['Test\\\"\"Name\"']" is the path $['Test\""Name"']: the key is Test\""Name"
    key = 'Test\\""Name"'
    path = "$['" + key + "']"
    result = make_engine(machine(("P", pass_state({"v.$": path})))).run({key: 42})
    assert (result.status, result.output) == ("SUCCEEDED", {"v": 42})


def test_bracket_quoted_name_may_hold_dots_spaces_and_an_escaped_quote(make_engine):
    data = {"a.b c": {"it's": [10, 20]}}
    result = make_engine(machine(("P", pass_state({"v.$": "$['a.b c']['it\\'s'][1]"})))).run(data)
    assert result.output == {"v": 20}


# ---- 5. AWS's fixed causes ------------------------------------------------------------------------------------------


def test_parameters_path_miss_has_aws_cause(make_engine):
    definition = machine(
        ("First", {"Type": "Pass", "Next": "Second"}),
        ("Second", pass_state({"v.$": "$.missing"})),
    )
    result = make_engine(definition).run({"present": 1})
    assert (result.error, result.cause) == (
        "States.Runtime",
        PREFIX.format("Second", 4)
        + " The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{\"present\":1}'",
    )


@pytest.mark.parametrize("field", ["InputPath", "OutputPath"])
def test_inputpath_and_outputpath_misses_have_aws_cause(make_engine, field):
    state = {"Type": "Pass", field: "$.X", "End": True}
    result = make_engine(machine(("P", state))).run({"a": 1})
    assert (result.error, result.cause) == (
        "States.Runtime",
        PREFIX.format("P", 2) + " Invalid path '$.X' : No results for path: $['X']",
    )


def test_path_miss_names_nested_fields_and_indexes_as_jayway_does(make_engine):
    result = make_engine(machine(("P", {"Type": "Pass", "InputPath": "$.a.b[3]", "End": True}))).run({"a": {"b": []}})
    assert result.cause.endswith("Invalid path '$.a.b[3]' : No results for path: $['a']['b'][3]")


def test_event_id_counts_the_task_events_before_the_failing_state(make_engine):
    # ExecutionStarted 1; Call: TaskStateEntered 2, Scheduled 3, Started 4, Succeeded 5, Exited 6; Bad entered at 7
    definition = machine(
        ("Call", task("echo", Next="Bad")), ("Bad", {"Type": "Pass", "InputPath": "$.no", "End": True})
    )
    result = make_engine(definition).run({})
    assert result.cause.startswith(PREFIX.format("Bad", 7))


def test_intrinsic_argument_miss_has_aws_cause(make_engine):
    expression = "States.Format('{}', $.nope)"
    result = make_engine(machine(("Pick", pass_state({"v.$": expression})))).run({"other": 1})
    assert (result.error, result.cause) == (
        "States.Runtime",
        PREFIX.format("Pick", 2) + " The function 'States.Format('{}', $.nope)' had the following error: "
        "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'",
    )


def test_runtime_errors_are_not_caught(make_engine):
    state = task("echo", InputPath="$.nope", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])
    definition = machine(("T", state), ("Caught", {"Type": "Succeed"}))
    assert make_engine(definition).run({}).error == "States.Runtime"


def test_oversized_task_result_has_aws_cause_and_is_caught_by_name(make_engine):
    payload = {"FunctionName": "big", "Payload": {"bytes": 300_000}}
    failing = make_engine(machine(("Big", task("big", Parameters=payload))))
    result = failing.run({})
    assert (result.error, result.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit.",
    )


@pytest.mark.parametrize("writes_results", [True, False])
def test_distributed_map_item_selector_miss_names_the_map_state(make_engine, writes_results):
    from test_engine_map import map_state

    state = map_state(ItemSelector={"v.$": "$.missing"})
    if not writes_results:
        del state["ResultWriter"]
    result = make_engine(machine(("M", state))).run({"items": [1]})
    assert result.error == "States.Runtime"
    assert result.cause.startswith(PREFIX.format("M", 2) + " The JSONPath '$.missing' specified for the field 'v.$'")


def test_item_reader_over_a_json_object_has_aws_cause(make_engine, tmp_path):
    (tmp_path / "store" / "b").mkdir(parents=True)
    (tmp_path / "store" / "b" / "k.json").write_text('{"records": [1, 2]}')
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "b", "Key": "k.json"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "W",
            "States": {"W": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
    result = make_engine(machine(("ProcessWorkers", state))).run({})
    assert (result.error, result.cause) == (
        "States.ItemReaderFailed",
        PREFIX.format("ProcessWorkers", 2) + " Attempting to map over non-iterable node.",
    )


# ---- 6. the Lambda integration --------------------------------------------------------------------------------------


def test_lambda_error_cause_is_compact_json(make_engine):
    definition = machine(
        ("Call", task("fail", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])),
        ("Caught", {"Type": "Succeed"}),
    )
    cause = make_engine(definition).run({"message": "no"}).output["Cause"]
    assert cause.startswith('{"errorMessage":"no","errorType":"Boom","requestId":"')
    assert ", " not in cause.split('"stackTrace"')[0] and '": ' not in cause


def test_lambda_invoke_result_has_the_sdk_metadata(make_engine):
    result = make_engine(machine(("Call", task("echo")))).run({"a": 1})
    output = result.output
    assert list(output) == ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]
    metadata = output["SdkHttpMetadata"]
    request_id = output["SdkResponseMetadata"]["RequestId"]
    assert metadata["HttpStatusCode"] == 200
    assert metadata["HttpHeaders"]["x-amzn-RequestId"] == request_id
    assert metadata["HttpHeaders"]["Content-Length"] == str(len('{"a":1}'))
    assert metadata["AllHttpHeaders"]["Content-Type"] == ["application/json"]
    assert metadata["HttpHeaders"]["Date"].endswith(" GMT")


@pytest.mark.parametrize("payload", [None, {}, "é" * 7, list(range(2000)), {"k": "x" * 99_999}, 12345.5])
def test_the_integration_result_size_is_known_without_encoding_it(payload):
    from hpc.engine import lambdas, limits

    body = limits.to_json(payload)
    context = lambdas.LambdaContext("f", "", "0f8fad5b-d9cb-469f-a165-70867728950e")
    invocation = lambdas.Invocation(payload, context, len(body.encode()))
    assert lambdas.integration_result_size(invocation) == limits.payload_size(lambdas.integration_result(invocation))


@pytest.mark.parametrize("parameters", [{"FunctionName": "echo", "Payload": None}, {"FunctionName": "echo"}])
def test_null_or_missing_payload_invokes_with_an_empty_object(make_engine, parameters):
    result = make_engine(machine(("Call", task("echo", Parameters=parameters, OutputPath="$.Payload")))).run({})
    assert (result.status, result.output) == ("SUCCEEDED", {})


def test_string_payload_is_the_raw_request_body(make_engine):
    parameters = {"FunctionName": "echo", "Payload.$": "$.body"}
    engine = make_engine(machine(("Call", task("echo", Parameters=parameters, OutputPath="$.Payload"))))
    assert engine.run({"body": '{"decoded": [1, 2]}'}).output == {"decoded": [1, 2]}
    refused = engine.run({"body": "not json"})
    assert refused.error == "Lambda.InvalidRequestContentException"


def test_bytes_result_is_passed_through(make_engine):
    parameters = {"FunctionName": "raw_bytes", "Payload": {"text": '{"k": 1}'}}
    result = make_engine(machine(("Call", task("raw_bytes", Parameters=parameters, OutputPath="$.Payload")))).run({})
    assert (result.status, result.output) == ("SUCCEEDED", {"k": 1})


def test_oversized_bytes_result_ends_in_data_limit_exceeded_which_catch_sees(make_engine):
    parameters = {"FunctionName": "raw_bytes", "Payload": {"text": "x", "times": 300_000}}
    catch = [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Caught"}]
    definition = machine(
        ("Call", task("raw_bytes", Parameters=parameters, Catch=catch)), ("Caught", {"Type": "Pass", "End": True})
    )
    result = make_engine(definition).run({})
    assert (result.status, result.output["Error"]) == ("SUCCEEDED", "States.DataLimitExceeded")

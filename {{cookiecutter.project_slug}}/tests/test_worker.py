{%- extends "functions/sqs_test.py.j2" %}
{#- The SQS function's test skeleton `slsguard add --trigger sqs` writes (templates/functions/sqs_test.py.j2), with the
    worker's sample batch (tests/events/sqs_batch.json) and the cases only the worker's example has. #}
{% block summary %}The SQS worker with the sample batch: partial failures, correlation IDs, the time budget.{% endblock %}
{% block imports %}import time

import pytest

from {{ cookiecutter.package_name }} import guard, worker{% endblock %}
{% block fixture %}The worker tests never need a real database.{% endblock %}
{% block bad_message %}event, context, logs):
    batch = event("sqs_batch")

    result = worker.handler(batch, context(function_name="{{ cookiecutter.project_slug }}-dev-worker"))

    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    lines = logs()
    processed = [line for line in lines if line["message"] == "processed a message"]
    assert [line["correlation_id"] for line in processed] == ["sqs-corr-0001", batch["Records"][2]["messageId"]]
    bad = [line for line in lines if line["level"] == "ERROR"]
    assert bad and bad[0]["correlation_id"] == "sqs-corr-0002"
    assert all(line.get("correlation_id") for line in lines)
{% endblock %}
{% block more %}
def test_a_failing_message_is_reported_and_the_rest_still_run(event, context, monkeypatch):
    batch = event("sqs_batch")
    batch["Records"][1]["body"] = '{"name": 42}'  # valid JSON, invalid message

    result = worker.handler(batch, context())

    assert result["batchItemFailures"] == [{"itemIdentifier": batch["Records"][1]["messageId"]}]


def test_fifo_stops_at_the_first_failure_to_keep_the_order(event, context):
    batch = event("sqs_batch")
    for record in batch["Records"]:
        record["attributes"]["MessageGroupId"] = "group-1"

    result = worker.handler(batch, context())

    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [r["messageId"] for r in batch["Records"][1:]]


def test_messages_left_when_the_budget_runs_out_go_back_to_the_queue(event, context, monkeypatch):
    monkeypatch.setattr(guard, "TIME_BUDGET_MARGIN_MS", 500)
    monkeypatch.setattr(worker, "process", lambda body, record: time.sleep(5))
    handler = guard.sqs_handler(lambda body, record: worker.process(body, record))
    batch = event("sqs_batch")

    result = handler(batch, context(remaining_ms=800))

    assert len(result["batchItemFailures"]) == 3


# Message bodies no code can use: each fails alone, its good neighbours are processed and not retried.
UNUSABLE = {
    "json-100000-deep": "[" * 100_000 + "]" * 100_000,
    "escaped-lone-surrogate": '{"name": "a\\ud800b"}',
    "raw-lone-surrogate": '{"name": "a\ud800b"}',
    "not-a-string": 42,
    "absent": None,
}


@pytest.mark.parametrize("case", UNUSABLE, ids=list(UNUSABLE))
def test_an_unusable_message_fails_alone(case, event, context, no_database):
    batch = event("sqs_batch")
    batch["Records"][1]["body"] = UNUSABLE[case]

    result = worker.handler(batch, context())

    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
{%- if cookiecutter.database != "none" %}
    assert sum(call[0] == "execute" for call in no_database.calls) == 2, "the good neighbours were not processed"
{%- endif %}


def test_crafted_records_never_fail_the_whole_batch(event, context):
    batch = event("sqs_batch")
    good = batch["Records"][0]
    good["messageAttributes"] = ["not", "an", "object"]
    good["attributes"] = "not an object"
    batch["Records"].extend(["not a record", {"body": "{}"}])  # neither can be reported back: logged and skipped

    result = worker.handler(batch, context())

    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    assert worker.handler({"Records": "not a list"}, context()) == {"batchItemFailures": []}


def test_the_deadline_is_not_swallowed_by_the_message_functions_except(event, context, monkeypatch):
    seen = []

    def careless(body, record):
        try:
            time.sleep(5)
        except Exception as err:
            seen.append(f"swallowed {err!r}")
        seen.append("ran on")

    monkeypatch.setattr(guard, "TIME_BUDGET_MARGIN_MS", 500)

    result = guard.sqs_handler(careless)(event("sqs_batch"), context(remaining_ms=800))

    assert len(result["batchItemFailures"]) == 3
    assert seen == []

{% endblock %}
{% block warmup %}event, context, logs, no_database):
    assert worker.handler(event("warmup"), context()) == guard.WARMUP_RESPONSE
    assert logs() == [] and no_database.ended == 0
{% endblock %}

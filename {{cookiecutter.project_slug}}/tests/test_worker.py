"""The SQS worker with the sample batch: partial failures, correlation IDs, the time budget."""

from __future__ import annotations

import time

import pytest

from {{ cookiecutter.package_name }} import guard, worker


@pytest.fixture(autouse=True)
def no_database(fake_db):
    """The worker tests never need a real database."""
    return fake_db


def test_only_the_bad_message_goes_back_to_the_queue(event, context, logs):
    batch = event("sqs_batch")

    result = worker.handler(batch, context(function_name="{{ cookiecutter.project_slug }}-dev-worker"))

    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    lines = logs()
    processed = [line for line in lines if line["message"] == "processed a message"]
    assert [line["correlation_id"] for line in processed] == ["sqs-corr-0001", batch["Records"][2]["messageId"]]
    bad = [line for line in lines if line["level"] == "ERROR"]
    assert bad and bad[0]["correlation_id"] == "sqs-corr-0002"
    assert all(line.get("correlation_id") for line in lines)


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


def test_warmup_returns_before_any_work(event, context, logs, no_database):
    assert worker.handler(event("warmup"), context()) == guard.WARMUP_RESPONSE
    assert logs() == [] and no_database.ended == 0

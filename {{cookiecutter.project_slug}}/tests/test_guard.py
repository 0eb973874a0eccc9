"""The runtime guard on its own: warm-up detection, correlation IDs, the time budget, body limits."""

from __future__ import annotations

import base64
import signal
import sys
import time
import types

import pytest

from {{ cookiecutter.package_name }} import guard


def test_warmup_event_is_recognised(event):
    assert guard.is_warmup(event("warmup"))
    assert not guard.is_warmup(event("sqs_batch"))
    assert not guard.is_warmup({"source": "aws.events"})
    assert not guard.is_warmup("serverless-plugin-warmup")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-correlation-id": "abc-123"}, "abc-123"),
        ({"x-correlation-id": "has space"}, "request-id"),
        ({"x-correlation-id": "x" * 129}, "request-id"),
        ({"x-correlation-id": "line\nbreak"}, "request-id"),
        ({"x-correlation-id": "trailing-newline\n"}, "request-id"),
        ({}, "request-id"),
    ],
    ids=["given", "space", "too-long", "newline", "trailing-newline", "absent"],
)
def test_correlation_id_is_taken_only_when_well_formed(headers, expected):
    assert guard.correlation_id(headers, "request-id") == expected


def test_time_budget_interrupts_work_that_runs_past_it(context):
    started = time.monotonic()
    with pytest.raises(guard.DeadlineExceeded), guard.time_budget(context(remaining_ms=700), margin_ms=500):
        time.sleep(5)
    assert time.monotonic() - started < 4, "the alarm did not interrupt the sleep"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_budget_refuses_to_start_without_time(context):
    with pytest.raises(guard.NoTimeLeft), guard.time_budget(context(remaining_ms=400), margin_ms=500):
        pytest.fail("the work must not start")


def test_time_budget_leaves_no_timer_behind(context):
    with guard.time_budget(context(remaining_ms=3000), margin_ms=500) as budget:
        assert 0 < budget.remaining() <= 2.5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert guard.current_budget() is None
    signal.raise_signal(signal.SIGALRM)  # a stray alarm between invocations: guard's handler ignores it


def test_the_deadline_cannot_be_swallowed_by_except_exception(context):
    """DeadlineExceeded is a BaseException: a broad ``except Exception`` in the work does not stop it."""
    swallowed = []
    with pytest.raises(guard.DeadlineExceeded), guard.time_budget(context(remaining_ms=700), margin_ms=500):
        try:
            time.sleep(5)
        except Exception as err:  # what a route or a retry loop often has
            swallowed.append(err)
    assert swallowed == []


def test_outside_the_main_thread_the_budget_is_checked_not_signalled(context):
    import threading

    seen = []

    def work():
        with guard.time_budget(context(remaining_ms=600), margin_ms=500) as budget:
            seen.append(budget.alarm)
            time.sleep(0.2)
            try:
                budget.check()
            except guard.DeadlineExceeded:
                seen.append("spent")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [False, "spent"]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_oversized_body_is_refused_with_413():
    with pytest.raises(guard.HttpError) as err:
        guard.read_body({"body": "x" * 101}, max_body=100)
    assert err.value.status == 413
    encoded = base64.b64encode(b"y" * 101).decode()
    with pytest.raises(guard.HttpError) as err:
        guard.read_body({"body": encoded, "isBase64Encoded": True}, max_body=100)
    assert err.value.status == 413


def test_base64_body_is_decoded_and_bad_base64_is_400():
    assert guard.read_body({"body": base64.b64encode(b'{"a":1}').decode(), "isBase64Encoded": True}) == b'{"a":1}'
    with pytest.raises(guard.HttpError) as err:
        guard.read_body({"body": "%%%not base64", "isBase64Encoded": True})
    assert err.value.status == 400


def test_end_db_runs_only_when_the_invocation_loaded_the_db_module(monkeypatch):
    monkeypatch.delitem(sys.modules, guard.DB_MODULE, raising=False)
    guard.end_db()  # nothing loaded: nothing to end, no import either
    assert guard.DB_MODULE not in sys.modules
    ended = []
    fake = types.SimpleNamespace(end=lambda: ended.append(True))
    monkeypatch.setitem(sys.modules, guard.DB_MODULE, fake)
    guard.end_db()
    assert ended == [True]


def test_log_lines_are_json_with_logging_style_arguments(logs):
    guard.logger.info("processed %s of %d", "a", 2, extra={"k": 1, "message": "mine", "ratio": float("nan")})
    try:
        raise ValueError("boom")
    except ValueError:
        guard.logger.error("failed", exc_info=True)
    guard.logger.info("a lone surrogate \ud800 and a newline\n stay inside the line")

    first, second, third = logs()  # every line parses as JSON
    assert first["message"] == "processed a of 2" and first["k"] == 1
    assert first["extra_message"] == "mine"  # an extra cannot overwrite the line's own keys
    assert first["ratio"] == "nan"  # not JSON's NaN, which Logs Insights cannot parse
    assert second["level"] == "ERROR" and second["exception_name"] == "ValueError" and "boom" in second["exception"]
    assert third["message"].startswith("a lone surrogate")


def test_end_db_failure_is_logged_not_raised(monkeypatch, logs):
    def broken() -> None:
        raise OSError("connection reset")

    monkeypatch.setitem(sys.modules, guard.DB_MODULE, types.SimpleNamespace(end=broken))
    guard.end_db()
    assert any(line["message"] == "closing the database connection failed" for line in logs())


def test_the_database_gets_the_invocations_budget(monkeypatch, context):
    given = []
    monkeypatch.setitem(sys.modules, guard.DB_MODULE, types.SimpleNamespace(set_deadline=given.append))
    with guard.time_budget(context(remaining_ms=3000), margin_ms=500) as budget:
        guard.start_db(budget)
        assert guard.current_budget() is budget
    assert given == [budget]
    assert guard.current_budget() is None


def test_scheduled_handler_logs_with_the_event_id_and_raises_on_failure(context, logs):
    scheduled = {"id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event", "source": "aws.events"}
    seen = []

    guard.scheduled_handler(seen.append)(scheduled, context())

    assert seen == [scheduled]
    assert {line["correlation_id"] for line in logs()} == {scheduled["id"]}

    def fail(event):
        raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):  # raised, so Lambda retries and then the failure destination receives it
        guard.scheduled_handler(fail)(scheduled, context())
    with pytest.raises(guard.TimeBudgetError):  # an ordinary exception for Lambda's runtime, which then retries
        guard.scheduled_handler(seen.append)(scheduled, context(remaining_ms=100))
    assert len(seen) == 1
    assert guard.scheduled_handler(fail)({"source": guard.WARMUP_SOURCE}, context()) == guard.WARMUP_RESPONSE

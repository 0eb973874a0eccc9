"""The generated handlers never answer a client's bytes with 500 (issue 18, item 6).

Crafted events through the real handlers, each in a fresh interpreter imported from the project root as Lambda
does: REST (payload v1) and HTTP API (payload v2) events whose body or shape cannot be used are 400/422 with the
correlation ID; an SQS message that cannot be used fails alone (its neighbours are processed and not retried);
NUL characters and lone surrogates never reach a real database (422); an unreachable database is 503 with
Retry-After, never 500.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.databases import free_port
from tests.support.invoke import body, invoke, load_event, run_as_app

DEEP = "[" * 100_000 + "]" * 100_000  # json.loads: RecursionError (was 500)


def crafted(event: dict[str, Any]) -> dict[str, tuple[dict[str, Any], int]]:
    """name -> (the event with one field made hostile, the status it must get)."""
    v2 = event.get("version") == "2.0"

    def with_(**change: Any) -> dict[str, Any]:
        return {**json.loads(json.dumps(event)), **change}

    method_wrong = json.loads(json.dumps(event))
    if v2:
        method_wrong["requestContext"]["http"]["method"] = 7
    else:
        method_wrong["httpMethod"] = 7
    return {
        "deep": (with_(body=DEEP, isBase64Encoded=False), 400),
        "invalid_utf8": (with_(body=base64.b64encode(b'{"name": "\xff\xfe"}').decode(), isBase64Encoded=True), 400),
        "lone_surrogate": (with_(body='{"name": "a\ud800b"}', isBase64Encoded=False), 400),
        "escaped_surrogate": (with_(body='{"name": "a\\udfffb"}', isBase64Encoded=False), 400),
        "bad_base64": (with_(body="*** not base64 ***", isBase64Encoded=True), 400),
        "body_number": (with_(body=12345), 400),
        "body_object": (with_(body={"name": "x"}), 400),
        "base64_flag_string": (with_(isBase64Encoded="true"), 400),
        "query_list": (with_(queryStringParameters=["a=1"]), 400),
        "query_numbers": (with_(queryStringParameters={"page": 1}), 400),
        "headers_string": (with_(headers="x-correlation-id: evil"), 400),
        "method_number": (method_wrong, 400),
        "path_params_junk": (with_(pathParameters=[1, 2]), 201),
        "context_junk": (with_(routeKey=5) if v2 else with_(requestContext="nope"), 201),
        "nul_in_name": (with_(body='{"name": "a\\u0000b"}', isBase64Encoded=False), 422),
    }


@pytest.mark.parametrize("api", ["rest", "http"])
def test_unusable_requests_are_4xx_with_the_correlation_id(generate, tmp_path, api):
    project = generate(api=api)
    table = crafted(load_event(project, f"{api}_post_item"))
    cases = [{"name": name, "handler": "api", "event": event} for name, (event, _status) in table.items()]

    results, logs = invoke(project, cases, tmp_path)

    assert all(r["error"] is None for r in results.values()), {k: r["error"] for k, r in results.items() if r["error"]}
    statuses = {name: results[name]["response"]["statusCode"] for name in table}
    assert statuses == {name: status for name, (_event, status) in table.items()}
    for name, result in results.items():
        answer = body(result)
        assert (
            answer.get("correlation_id", result["response"]["headers"]["x-correlation-id"])
            == result["response"]["headers"]["x-correlation-id"]
        )
        assert "Traceback" not in result["response"]["body"]
        # every case still writes its one access line, with the status the client got
        done = [line for line in logs[name] if line.get("message") == "request done"]
        assert [line["status"] for line in done] == [statuses[name]], name
    assert "nested too deeply" in body(results["deep"])["error"]
    assert "lone surrogate" in body(results["escaped_surrogate"])["error"]


def test_an_unusable_message_fails_alone_and_its_neighbours_are_not_retried(generate, tmp_path):
    project = generate(api="none")
    batch = load_event(project, "sqs_batch")
    good, bad, other = batch["Records"]
    hostile = {
        "deep": DEEP,
        "surrogate": '{"name": "a\\ud800"}',
        "raw_surrogate": '{"name": "a\ud800"}',
        "number": 7,
        "null": None,
    }
    records = [good, other]
    for n, value in enumerate(hostile.values()):
        records.append({**json.loads(json.dumps(bad)), "messageId": f"hostile-{n}", "body": value})
    records.append("not a record")  # no messageId: cannot be reported back, logged and skipped
    cases = [{"name": "batch", "handler": "worker", "event": {"Records": records}}]

    results, logs = invoke(project, cases, tmp_path)

    assert results["batch"]["error"] is None
    failed = [f["itemIdentifier"] for f in results["batch"]["response"]["batchItemFailures"]]
    assert failed == [f"hostile-{n}" for n in range(len(hostile))]
    processed = [line["correlation_id"] for line in logs["batch"] if line.get("message") == "processed a message"]
    assert processed == ["sqs-corr-0001", other["messageId"]]


def test_nul_and_lone_surrogates_never_reach_a_real_database(generate, tmp_path, db_server):
    # GIVEN a project with the real db module and driver, and the items table as api.py documents it
    project = generate(api="http", database=db_server.engine, database_access="direct")
    ddl = re.search(r"^\s+(CREATE TABLE items .*);$", (project / "my_service" / "api.py").read_text(), re.M)
    assert ddl
    run_as_app(db_server, "DROP TABLE IF EXISTS items")
    run_as_app(db_server, ddl.group(1))
    get = load_event(project, "http_get_items")
    batch = load_event(project, "sqs_batch")
    nul, fine = (json.loads(json.dumps(batch["Records"][0])) for _ in range(2))
    nul.update(messageId="nul", body='{"name": "a\\u0000b"}')  # the worker itself does not check: db refuses it
    fine.update(messageId="fine", body='{"name": "stored"}')
    cases = [
        # a route that hands the query string to the database: the db module refuses before sending (422)
        {"name": "echo_nul", "handler": "api", "inject": "db_echo", "event": {**get, "queryStringParameters": {"v": "a\x00b"}}},
        {"name": "echo_surrogate", "handler": "api", "inject": "db_echo", "event": {**get, "queryStringParameters": {"v": "a\ud800"}}},
        {"name": "echo_fine", "handler": "api", "inject": "db_echo", "event": {**get, "queryStringParameters": {"v": "plain"}}},
        {"name": "batch", "handler": "worker", "event": {"Records": [nul, fine]}},
        {"name": "get", "handler": "api", "event": get},
    ]

    results, _logs = invoke(project, cases, tmp_path, **db_server.env("direct"))

    assert all(r["error"] is None for r in results.values()), results
    for name in ("echo_nul", "echo_surrogate"):
        assert results[name]["calls"] == ["db_echo"]
        assert results[name]["response"]["statusCode"] == 422, results[name]
        assert "NUL character or a lone surrogate" in body(results[name])["error"]
    assert results["echo_fine"]["response"]["statusCode"] == 200
    assert body(results["echo_fine"]) == [{"v": "plain"}]
    assert results["batch"]["response"] == {"batchItemFailures": [{"itemIdentifier": "nul"}]}
    assert [item["name"] for item in body(results["get"])["items"]] == ["stored"]


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_an_unreachable_database_is_503_with_retry_after(generate, tmp_path, engine):
    project = generate(api="rest", database=engine, database_access="direct")
    closed = free_port()  # nobody listens: every connect is refused
    env = {
        "DB_ENGINE": engine,
        "DB_ACCESS": "direct",
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(closed),
        "DB_NAME": "app",
        "DB_USER": "app",
        "DB_PASSWORD": "x",
        "DB_TLS": "disable",
        "DB_MAX_RETRIES": "2",
    }
    cases = [
        {"name": "get", "handler": "api", "event": load_event(project, "rest_get_items")},
        {"name": "post", "handler": "api", "event": load_event(project, "rest_post_item")},
        {"name": "batch", "handler": "worker", "event": load_event(project, "sqs_batch")},
    ]

    results, logs = invoke(project, cases, tmp_path, **env)

    for name in ("get", "post"):
        response = results[name]["response"]
        assert response["statusCode"] == 503, response
        assert response["headers"]["retry-after"] == "5"
        assert body(results[name]) == {
            "error": "the database is unavailable, retry later",
            "correlation_id": response["headers"]["x-correlation-id"],
        }
        errors = [line for line in logs[name] if line.get("level") == "ERROR"]
        assert errors and errors[0]["exception_name"] == "Unavailable"  # the cause stays in the log, not in the answer
    # the worker: every message that needed the database goes back to the queue, none is lost
    ids = [r["messageId"] for r in load_event(project, "sqs_batch")["Records"]]
    assert sorted(f["itemIdentifier"] for f in results["batch"]["response"]["batchItemFailures"]) == sorted(ids)


def test_the_sqs_event_reports_partial_failures(generate):
    """Partial batch responses only count when the event source mapping asks for them."""
    project: Path = generate(api="none")
    config = yaml.safe_load((project / "serverless.yml").read_text())
    [event] = config["functions"]["worker"]["events"]
    assert event["sqs"]["functionResponseType"] == "ReportBatchItemFailures"

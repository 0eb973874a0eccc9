"""The generated handlers, proven on rendered projects: their own test suite and linters pass, and the
handlers invoked with the sample events (in a fresh interpreter, imported from the project root as
Lambda imports them from the zip root) keep every runtime promise of the template."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.invoke import body, invoke, load_event, run_as_app
from tests.support.projects import run_project_tests

SECRET = "SECRET-INJECTED-FAILURE"

COMBINATIONS = [
    pytest.param({"api": "rest"}, id="api:rest"),
    pytest.param({"api": "http"}, id="api:http"),
    pytest.param({"api": "none"}, id="api:none"),
    pytest.param({"database": "postgres", "database_access": "rds-proxy"}, id="db:postgres-rds-proxy"),
    pytest.param({"database": "mysql", "database_access": "data-api"}, id="db:mysql-data-api"),
]


@pytest.mark.parametrize("answers", COMBINATIONS)
def test_generated_project_passes_its_own_tests_and_linters(generate, answers):
    project = generate(**answers)

    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    passed = re.search(r"(\d+) passed", tests.stdout)
    assert passed and int(passed.group(1)) >= 15, tests.stdout[-2000:]

    for command in (["check", "."], ["format", "--check", "."]):
        lint = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=project, capture_output=True, text=True, timeout=120)
        assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("api", ["rest", "http"])
def test_api_handler_keeps_its_runtime_promises(generate, tmp_path, api):
    project = generate(api=api)
    get, post, malformed = (load_event(project, f"{api}_{name}") for name in ("get_items", "post_item", "post_malformed"))
    cid = f"{api}-corr-0001"
    oversized = dict(post, body=json.dumps({"name": "x" * 4096}), isBase64Encoded=False)
    unknown = json.loads(json.dumps(get))
    wrong_method = json.loads(json.dumps(get))
    if api == "rest":
        unknown["path"] = "/nowhere"
        wrong_method["httpMethod"] = "DELETE"
    else:
        unknown["rawPath"] = "/nowhere"
        wrong_method["requestContext"]["http"]["method"] = "DELETE"
    cases = [
        {"name": "get", "handler": "api", "event": get},
        {"name": "warmup", "handler": "api", "event": load_event(project, "warmup"), "inject": "tripwire"},
        {"name": "post", "handler": "api", "event": post},
        {"name": "malformed", "handler": "api", "event": malformed},
        {"name": "oversized", "handler": "api", "event": oversized},
        {"name": "unknown", "handler": "api", "event": unknown},
        {"name": "wrong_method", "handler": "api", "event": wrong_method},
        {"name": "failure", "handler": "api", "event": get, "inject": "raise"},
        {"name": "no_time", "handler": "api", "event": get, "remaining_ms": 100},
    ]

    results, logs = invoke(project, cases, tmp_path, MAX_BODY_BYTES="2048")

    assert all(r["error"] is None for r in results.values()), results
    # GIVEN a request with x-correlation-id THEN it is echoed and on every line, the cold-start metric included
    get_result = results["get"]
    assert get_result["response"]["statusCode"] == 200
    assert get_result["response"]["headers"]["x-correlation-id"] == cid
    assert len(logs["get"]) >= 2
    assert [line.get("correlation_id") for line in logs["get"]] == [cid] * len(logs["get"])
    assert any("ColdStart" in line for line in logs["get"]), "no ColdStart metric on the first invocation"
    # warm-up: answered before any business logic, logging or heavy import
    assert results["warmup"]["response"] == {"warmup": "ok"}
    assert results["warmup"]["calls"] == []
    assert logs["warmup"] == []
    # bad input is the client's mistake, answered with the correlation ID
    expected = {"post": 201, "malformed": 400, "oversized": 413, "unknown": 404, "wrong_method": 405, "no_time": 503}
    assert {name: results[name]["response"]["statusCode"] for name in expected} == expected
    for name in ("malformed", "oversized", "unknown", "wrong_method", "no_time"):
        assert body(results[name])["correlation_id"] == results[name]["response"]["headers"]["x-correlation-id"]
    assert results["wrong_method"]["response"]["headers"]["allow"] == "GET, POST"
    # an unexpected error: 500, only the correlation ID in the answer, the full trace in the log
    failure = results["failure"]
    assert failure["calls"] == ["raise"]
    assert failure["response"]["statusCode"] == 500
    assert body(failure) == {"error": "internal error", "correlation_id": cid}
    assert SECRET not in json.dumps(failure["response"]) and "Traceback" not in json.dumps(failure["response"])
    errors = [line for line in logs["failure"] if line["level"] == "ERROR"]
    assert errors and SECRET in errors[0]["exception"] and "Traceback" in errors[0]["exception"]
    assert errors[0]["correlation_id"] == cid
    # nothing heavy was imported by any of it
    assert results["no_time"]["loaded"] == []


def query_fields(project: Path) -> set[str]:
    """The log fields the rails plugin's saved Logs Insights queries read (CloudWatch's own @fields left out)."""
    text = (project / ".serverless_plugins/rails/rails/queries.js").read_text()
    lines = re.findall(r"'((?:fields|\| filter|filter)[^']*)'", text)
    bare = [re.sub(r'"[^"]*"|/.*/', "", line) for line in lines]  # string literals and /regexes/ are values, not fields
    words = {w for line in bare for w in re.findall(r"[A-Za-z_@][A-Za-z0-9_.@]*(?![\w(])", line)}  # not functions
    keywords = {"fields", "filter", "and", "or", "like", "as"}
    return {w for w in words if not w.startswith("@") and w not in keywords}


@pytest.mark.parametrize("api", ["rest", "http"])
def test_log_lines_carry_every_field_the_saved_queries_read(generate, tmp_path, api):
    project = generate(api=api)
    fields = query_fields(project)
    assert {"correlation_id", "level", "message", "function_name", "exception_name", "exception"} <= fields, fields
    get = load_event(project, f"{api}_get_items")

    _results, logs = invoke(project, [{"name": "failure", "handler": "api", "event": get, "inject": "raise"}], tmp_path)

    error = next(line for line in logs["failure"] if line.get("level") == "ERROR")
    assert fields <= set(error), fields - set(error)
    done = next(line for line in logs["failure"] if line.get("message") == "request done")
    assert {"status", "method", "path", "duration_ms", "correlation_id", "function_request_id", "cold_start"} <= set(done)
    assert (done["status"], done["method"], done["path"]) == (500, "GET", "/items")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000", done["timestamp"]), done["timestamp"]


def test_worker_reports_only_failed_messages_and_skips_warmup(generate, tmp_path):
    project = generate(api="none")
    batch = load_event(project, "sqs_batch")
    ids = [r["messageId"] for r in batch["Records"]]
    cases = [
        {"name": "warmup", "handler": "worker", "event": load_event(project, "warmup"), "inject": "tripwire"},
        {"name": "batch", "handler": "worker", "event": batch},
        {"name": "failure", "handler": "worker", "event": batch, "inject": "raise"},
    ]

    results, logs = invoke(project, cases, tmp_path)

    assert not (project / "my_service" / "api.py").exists()
    assert results["warmup"]["response"] == {"warmup": "ok"} and results["warmup"]["calls"] == [] and logs["warmup"] == []
    assert results["batch"]["response"] == {"batchItemFailures": [{"itemIdentifier": ids[1]}]}
    processed = [line["correlation_id"] for line in logs["batch"] if line.get("message") == "processed a message"]
    assert processed == ["sqs-corr-0001", ids[2]]
    assert all(line.get("correlation_id") for line in logs["batch"])
    assert results["failure"]["error"] is None
    assert results["failure"]["response"] == {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
    assert results["failure"]["calls"] == ["raise", "raise"]  # the malformed message never reaches the code
    assert all(SECRET in line["exception"] for line in logs["failure"] if line.get("message") == "message failed")


def test_database_path_uses_db_and_ends_it_after_every_invocation(generate, tmp_path):
    project = generate(database="postgres", database_access="rds-proxy", api="http")
    assert "psycopg" in (project / "requirements.txt").read_text()
    cases = [
        {"name": "warmup", "handler": "api", "event": load_event(project, "warmup")},
        {"name": "get", "handler": "api", "event": load_event(project, "http_get_items"), "fake_db": True},
        {"name": "post", "handler": "api", "event": load_event(project, "http_post_item"), "fake_db": True},
        {"name": "batch", "handler": "worker", "event": load_event(project, "sqs_batch"), "fake_db": True},
    ]

    results, _logs = invoke(project, cases, tmp_path)

    # warm-up on a database project loads neither the db module nor its driver
    assert results["warmup"]["loaded"] == []
    assert results["get"]["response"]["statusCode"] == 200
    assert body(results["get"])["items"] == [{"id": 7, "name": "from the fake db"}]
    # the guard hands db its budget, the route reads through db.query, and db.end() closes the invocation
    assert [c.split()[0] for c in results["get"]["db_calls"]] == ["set_deadline", "query", "end"]
    assert results["post"]["response"]["statusCode"] == 201
    post_calls = results["post"]["db_calls"]
    assert post_calls[0] == "set_deadline" and post_calls[-1] == "end"
    assert post_calls[1].startswith("query INSERT INTO items") and "RETURNING" in post_calls[1]
    assert results["batch"]["db_calls"].count("end") == 1
    assert sum(c.startswith("execute INSERT") for c in results["batch"]["db_calls"]) == 2


def test_data_path_works_against_a_real_database(generate, tmp_path, db_server):
    # GIVEN a project for this engine and the items table exactly as api.py documents it
    project = generate(api="http", database=db_server.engine, database_access="direct")
    ddl = re.search(r"^\s+(CREATE TABLE items .*);$", (project / "my_service" / "api.py").read_text(), re.M)
    assert ddl, "api.py no longer documents the items table"
    run_as_app(db_server, "DROP TABLE IF EXISTS items")
    run_as_app(db_server, ddl.group(1))
    cases = [
        {"name": "post", "handler": "api", "event": load_event(project, "http_post_item")},
        {"name": "batch", "handler": "worker", "event": load_event(project, "sqs_batch")},
        {"name": "get", "handler": "api", "event": load_event(project, "http_get_items")},
    ]

    # WHEN the real handlers run with the real db module and driver
    results, logs = invoke(project, cases, tmp_path, **db_server.env("direct"))

    # THEN the rows go in and come back out, and every invocation ended cleanly
    assert all(r["error"] is None for r in results.values()), results
    assert results["post"]["response"]["statusCode"] == 201, results["post"]
    created = body(results["post"])
    assert created["name"] == "second item" and int(created["id"]) >= 1
    assert results["batch"]["response"]["batchItemFailures"] == [
        {"itemIdentifier": load_event(project, "sqs_batch")["Records"][1]["messageId"]}
    ]
    assert results["get"]["response"]["statusCode"] == 200, results["get"]
    names = sorted(item["name"] for item in body(results["get"])["items"])
    assert names == ["another", "from the queue", "second item"]
    driver = "pymysql" if db_server.engine == "mysql" else "psycopg"
    assert driver in results["get"]["loaded"]
    assert all(line.get("correlation_id") for case in logs.values() for line in case)

"""The HTTP handler end to end with the sample API Gateway events (REST payload v1 and HTTP API v2)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from {{ cookiecutter.package_name }} import api, guard

FORMATS = ["rest", "http"]
DEEP = "[" * 100_000 + "]" * 100_000


def set_method(request, method):
    if request.get("version") == "2.0":
        request["requestContext"]["http"]["method"] = method
    else:
        request["httpMethod"] = method


# A client's bytes (or a crafted invocation's event) that cannot be used: always 4xx with the correlation ID, never 500.
CRAFTED = {
    "json-100000-deep": ({"body": DEEP, "isBase64Encoded": False}, 400, "nested too deeply"),
    "invalid-utf8": ({"body": base64.b64encode(b'{"name": "caf\xe9"}').decode(), "isBase64Encoded": True}, 400, "not usable"),
    "raw-lone-surrogate": ({"body": '{"name": "a\ud800b"}', "isBase64Encoded": False}, 400, "lone surrogate"),
    "escaped-lone-surrogate": ({"body": '{"name": "a\\udc00b"}', "isBase64Encoded": False}, 400, "lone surrogate"),
    "bad-base64": ({"body": "%%% not base64", "isBase64Encoded": True}, 400, "base64"),
    "body-a-number": ({"body": 42}, 400, "body must be a string"),
    "isBase64Encoded-a-string": ({"isBase64Encoded": "yes"}, 400, "isBase64Encoded"),
    "query-a-list": ({"queryStringParameters": ["a", "b"]}, 400, "query string"),
    "query-values-not-strings": ({"queryStringParameters": {"page": 2}}, 400, "query string"),
    "headers-a-list": ({"headers": ["x-correlation-id"]}, 400, "headers"),
    "nul-in-name": ({"body": '{"name": "a\\u0000b"}', "isBase64Encoded": False}, 422, "control characters"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_unusable_client_input_is_4xx_never_500(fmt, case, event, context, no_database):
    change, status, words = CRAFTED[case]
    request = event(f"{fmt}_post_item")
    request.update(change)

    response = api.handler(request, context())

    assert response["statusCode"] == status, response
    assert words in body_of(response)["error"]
    assert body_of(response)["correlation_id"] == response["headers"]["x-correlation-id"]
    assert not [call for call in no_database.calls if call[0] != "set_deadline"], "the input reached the database"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_method_or_path_of_the_wrong_type_is_400(fmt, event, context):
    request = event(f"{fmt}_get_items")
    set_method(request, ["GET"])

    assert api.handler(request, context())["statusCode"] == 400


def body_of(response):
    return json.loads(response["body"])


@pytest.fixture(autouse=True)
def no_database(fake_db):
    """Every API test runs against the recording stand-in, never a real database."""
    return fake_db


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_items_answers_with_the_callers_correlation_id(fmt, event, context, logs):
    request = event(f"{fmt}_get_items")
    expected = f"{fmt}-corr-0001"

    response = api.handler(request, context())

    assert response["statusCode"] == 200
    assert response["headers"]["x-correlation-id"] == expected
    assert isinstance(body_of(response)["items"], list)
    lines = logs()
    assert lines, "the handler logged nothing"
    assert all(line.get("correlation_id") == expected for line in lines), lines
    done = [line for line in lines if line["message"] == "request done"]
    assert done and done[0]["status"] == 200 and done[0]["path"] == "/items"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_item_creates_it(fmt, event, context, no_database):
    response = api.handler(event(f"{fmt}_post_item"), context())

    assert response["statusCode"] == 201, response
    assert body_of(response)["name"] in ("first item", "second item")
{%- if cookiecutter.database != "none" %}
    assert no_database.calls, "the item was not written to the database"
    assert no_database.ended == 1, "db.end() must run after every invocation"
{%- endif %}


@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_json_is_400_with_the_correlation_id(fmt, event, context):
    response = api.handler(event(f"{fmt}_post_malformed"), context())

    assert response["statusCode"] == 400
    assert body_of(response) == {"error": body_of(response)["error"], "correlation_id": f"{fmt}-corr-0003"}
    assert "not valid JSON" in body_of(response)["error"]


def test_oversized_body_is_413(event, context, monkeypatch):
    monkeypatch.setattr(guard, "MAX_BODY_BYTES", 1024)
    request = event("rest_post_item")
    request["body"] = json.dumps({"name": "x" * 2000})

    response = api.handler(request, context())

    assert response["statusCode"] == 413
    assert body_of(response)["correlation_id"] == "rest-corr-0002"


def test_invalid_item_is_422(event, context):
    request = event("rest_post_item")
    request["body"] = json.dumps({"name": ""})

    assert api.handler(request, context())["statusCode"] == 422


def test_unknown_route_is_404_and_wrong_method_is_405(event, context):
    unknown = event("http_get_items")
    unknown["rawPath"] = "/nowhere"
    assert api.handler(unknown, context())["statusCode"] == 404

    wrong = event("http_get_items")
    wrong["requestContext"]["http"]["method"] = "DELETE"
    response = api.handler(wrong, context())
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET, POST"


def test_unexpected_error_is_500_without_the_stack_trace(event, context, logs, monkeypatch):
    def broken(request):
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setitem(api.ROUTES["/items"], "GET", broken)

    response = api.handler(event("rest_get_items"), context())

    assert response["statusCode"] == 500
    assert body_of(response) == {"error": "internal error", "correlation_id": "rest-corr-0001"}
    assert "secret detail" not in response["body"] and "Traceback" not in response["body"]
    errors = [line for line in logs() if line["level"] == "ERROR"]
    assert errors and "secret detail from deep inside" in errors[0]["exception"]
    assert errors[0]["correlation_id"] == "rest-corr-0001"


def test_slow_work_is_answered_504_before_the_function_timeout(event, context, monkeypatch):
    def slow(request):
        time.sleep(5)

    monkeypatch.setitem(api.ROUTES["/items"], "GET", slow)
    monkeypatch.setattr(guard, "TIME_BUDGET_MARGIN_MS", 500)

    response = api.handler(event("http_get_items"), context(remaining_ms=800))

    assert response["statusCode"] == 504
    assert response["headers"]["x-correlation-id"] == "http-corr-0001"


def test_a_route_that_catches_exception_still_answers_504(event, context, monkeypatch):
    """The deadline is not an Exception: the route's ``except Exception`` cannot swallow it and run on."""
    ran_on = []

    def careless(request):
        try:
            time.sleep(5)
        except Exception as err:
            ran_on.append(f"swallowed {err!r}")
        ran_on.append("ran on")
        return {"late": True}

    monkeypatch.setitem(api.ROUTES["/items"], "GET", careless)
    monkeypatch.setattr(guard, "TIME_BUDGET_MARGIN_MS", 500)

    response = api.handler(event("rest_get_items"), context(remaining_ms=800))

    assert response["statusCode"] == 504
    assert ran_on == []


def test_no_time_left_is_503_and_the_route_never_runs(event, context, monkeypatch):
    monkeypatch.setitem(api.ROUTES["/items"], "GET", lambda request: pytest.fail("the route ran"))
    monkeypatch.setattr(guard, "TIME_BUDGET_MARGIN_MS", 500)

    response = api.handler(event("http_get_items"), context(remaining_ms=300))

    assert response["statusCode"] == 503
    assert response["headers"]["retry-after"] == "1"


def test_warmup_returns_before_any_work(event, context, logs, monkeypatch, no_database):
    for path, methods in api.ROUTES.items():
        for method in methods:
            monkeypatch.setitem(api.ROUTES[path], method, lambda request: pytest.fail("a route ran"))

    assert api.handler(event("warmup"), context()) == guard.WARMUP_RESPONSE
    assert logs() == []
    assert no_database.calls == [] and no_database.ended == 0


def test_request_id_is_the_correlation_id_when_the_header_is_missing(event, context):
    request = event("rest_get_items")
    del request["headers"]["X-Correlation-Id"]

    response = api.handler(request, context())

    assert response["headers"]["x-correlation-id"] == request["requestContext"]["requestId"]

"""`npm run offline` (serverless-offline) in generated projects: every route through the real handlers and guard.

The command is the one the generated README gives; the tests only add free ports (`-- --httpPort P --lambdaPort Q`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import new_project as new
from generator.add import Request, add
from tests.support.offline import Offline, run_offline

pytestmark = pytest.mark.slow

CORRELATION = "test-correlation-42"


@pytest.fixture(scope="module", params=["rest", "http"], ids=["api:rest", "api:http"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Offline]]:
    api = request.param
    out = tmp_path_factory.mktemp(f"offline-{api}")
    # the API key (REST) and public (HTTP API) answers: test_auth_offline.py serves the default, auth=cognito
    project = new({"api": api, "auth": "api-key" if api == "rest" else "none", "project_name": f"Offline {api}"}, out)
    # functions with path parameters, wired to their own routes as `slsguard add --path` writes them
    add(project, Request("orders", "http", path="/orders/{order_id}"))
    add(project, Request("files", "http", path="/files/{key+}"))
    with run_offline(project, out / "home") as offline:
        yield api, offline


def _headers(api: str, slug: str, **extra: str) -> dict[str, str]:
    # REST routes are private (API key); serverless-offline accepts the key's *name* as its value.
    key = {"x-api-key": f"{slug}-dev-default"} if api == "rest" else {}
    return {**key, **extra}


def _prefix(api: str) -> str:
    """REST API stages prefix the path (/dev); an HTTP API's $default stage does not."""
    return "/dev" if api == "rest" else ""


def test_a_route_answers_through_guard_with_the_correlation_id(served: tuple[str, Offline]) -> None:
    api, offline = served
    reply = offline.request("GET", f"{_prefix(api)}/items", headers=_headers(api, f"offline-{api}", **{"x-correlation-id": CORRELATION}))
    assert reply.status == 200, reply
    assert reply.body == {"items": [{"id": 1, "name": "example"}]}
    assert reply.headers["x-correlation-id"] == CORRELATION


def test_post_creates_and_validates(served: tuple[str, Offline]) -> None:
    api, offline = served
    headers = _headers(api, f"offline-{api}", **{"content-type": "application/json"})
    created = offline.request("POST", f"{_prefix(api)}/items", json.dumps({"name": " widget "}).encode(), headers)
    assert (created.status, created.body) == (201, {"name": "widget"})
    malformed = offline.request("POST", f"{_prefix(api)}/items", b"{not json", headers)
    assert malformed.status == 400, malformed
    invalid = offline.request("POST", f"{_prefix(api)}/items", b"{}", headers)
    assert invalid.status == 422, invalid


def test_an_oversized_body_is_refused_before_the_route_runs(served: tuple[str, Offline]) -> None:
    api, offline = served
    body = json.dumps({"name": "x" * (300 * 1024)}).encode()  # guard's MAX_BODY_BYTES is 256 KiB
    reply = offline.request("POST", f"{_prefix(api)}/items", body, _headers(api, f"offline-{api}", **{"content-type": "application/json"}))
    assert reply.status == 413, reply


def test_unknown_routes_and_methods_answer_as_the_handler_does(served: tuple[str, Offline]) -> None:
    api, offline = served
    headers = _headers(api, f"offline-{api}")
    assert offline.request("GET", f"{_prefix(api)}/nothing-here", headers=headers).status == 404
    assert offline.request("DELETE", f"{_prefix(api)}/items", headers=headers).status == 405
    assert offline.request("GET", f"{_prefix(api)}/health", headers=headers).body == {"status": "ok", "service": f"offline-{api}"}


def test_path_parameters_reach_the_route_function(served: tuple[str, Offline]) -> None:
    api, offline = served
    headers = _headers(api, f"offline-{api}", **{"x-correlation-id": CORRELATION})
    order = offline.request("GET", f"{_prefix(api)}/orders/42", headers=headers)
    assert order.status == 200, order
    assert order.body == {"function": "orders", "correlation_id": CORRELATION, "order_id": "42"}
    spaced = offline.request("GET", f"{_prefix(api)}/orders/a%20b", headers=headers)
    assert spaced.status == 200 and spaced.body["order_id"] == "a b", spaced  # decoded, as API Gateway decodes it
    greedy = offline.request("GET", f"{_prefix(api)}/files/reports/2026/q4.csv", headers=headers)
    assert greedy.status == 200 and greedy.body["key"] == "reports/2026/q4.csv", greedy
    # only GET is wired to the function: another method never reaches orders.get (the catch-all api answers 404)
    other = offline.request("DELETE", f"{_prefix(api)}/orders/42", headers=headers)
    assert other.status != 200 and "order_id" not in str(other.body), other


def test_rest_routes_require_the_api_key_locally_http_routes_do_not(served: tuple[str, Offline]) -> None:
    api, offline = served
    expected = 403 if api == "rest" else 200
    assert offline.request("GET", f"{_prefix(api)}/items").status == expected


def _listening(port: int) -> set[str]:
    """Addresses listening on ``port`` (IPv4 and IPv6), read from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_offline_listens_on_loopback_only(served: tuple[str, Offline]) -> None:
    _api, offline = served
    port = int(offline.base.rsplit(":", 1)[1])
    assert _listening(port) == {"0100007F"}, "serverless-offline must listen on 127.0.0.1 only"

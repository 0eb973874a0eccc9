"""Local parity of who may call the API: `npm run offline` with the default auth=cognito refuses what API Gateway
would (no token, expired, wrong audience, wrong issuer, unsigned, signed by another key: 401; a missing scope: 403),
on both API kinds, and the handler finds the verified caller where AWS puts it. Tokens come from `npm run token`,
the local issuer the README shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import new_project as new
from tests.support.offline import Offline, run_offline, token

pytestmark = pytest.mark.slow

WHOAMI = '''"""Who called: the verified caller as guard gives it."""

from {pkg} import guard


def whoami(request):
    caller = request.caller
    return {{"subject": caller.subject, "kind": caller.kind, "scopes": sorted(caller.scopes)}} if caller else {{"caller": None}}


@guard.requires("orders/read")
def orders(request):
    return {{"orders": [], "subject": request.caller.subject}}


handler = guard.http_handler({{"/whoami": {{"GET": whoami}}, "/orders": {{"GET": orders}}, "/health": {{"GET": whoami}}}})
'''


def _functions(pkg: str, rest: bool) -> str:
    def event(path: str) -> str:
        return f"      - http: {{path: {path}, method: get}}\n" if rest else f"      - httpApi: {{path: {path}, method: GET}}\n"

    blocks = ""
    for name, path, extra in (
        ("whoami", "/whoami", ""),
        ("orders", "/orders", "    slsguard:\n      scopes: [orders/read]\n"),
        ("health", "/health", '    slsguard:\n      public: "health checks carry no token"\n'),
    ):
        blocks += (
            f"  {name}:\n    handler: {pkg}/whoami.handler\n    timeout: 6\n    reservedConcurrency: 1\n{extra}    events:\n{event(path)}"
        )
    return blocks


JWT = {"auth": "jwt", "jwt_issuer": "https://login.example.com/", "jwt_audience": "https://api.example.com"}
SETS = {"rest:cognito": {"api": "rest"}, "http:cognito": {"api": "http"}, "http:jwt": {"api": "http", **JWT}}


@pytest.fixture(scope="module", params=list(SETS))
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Offline]]:
    given = SETS[request.param]
    api = given["api"]
    out = tmp_path_factory.mktemp("auth-offline")
    project = new({**given, "project_name": f"Auth Offline {request.param.replace(':', ' ')}", "reserved_concurrency": 5}, out)
    pkg = next(p.name for p in project.iterdir() if (p / "guard.py").exists())
    (project / pkg / "whoami.py").write_text(WHOAMI.format(pkg=pkg))
    config = project / "serverless.yml"
    config.write_text(config.read_text().replace("\nplugins:\n", "\n" + _functions(pkg, api == "rest") + "\nplugins:\n", 1))
    with run_offline(project, out / "home") as offline:
        yield api, project, offline


def _get(served: tuple[str, Path, Offline], path: str, bearer: str | None = None):
    api, _project, offline = served
    headers = {"authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return offline.request("GET", ("/dev" if api == "rest" else "") + path, headers=headers)


def test_a_valid_token_reaches_the_route_with_the_verified_caller(served) -> None:
    api, project, _ = served
    reply = _get(served, "/whoami", token(project, "--sub", "alice", "--scope", "profile"))
    assert reply.status == 200, reply
    assert reply.body == {"subject": "alice", "kind": "cognito" if api == "rest" else "jwt", "scopes": ["profile"]}


@pytest.mark.parametrize(
    "args",
    [None, ("--expired",), ("--audience", "someone-else"), ("--issuer", "https://elsewhere.example/"), ("--unsigned",), ("--foreign-key",)],
    ids=["missing", "expired", "wrong-audience", "wrong-issuer", "unsigned", "bad-signature"],
)
def test_what_api_gateway_refuses_is_refused_locally(served, args) -> None:
    _, project, _ = served
    reply = _get(served, "/whoami", None if args is None else token(project, *args))
    assert (reply.status, reply.body) == (401, {"message": "Unauthorized"}), reply


def test_a_scoped_route_needs_its_scope(served) -> None:
    _, project, _ = served
    assert _get(served, "/orders", token(project, "--scope", "profile")).status == 403
    reply = _get(served, "/orders", token(project, "--sub", "bob", "--scope", "orders/read profile"))
    assert (reply.status, reply.body) == (200, {"orders": [], "subject": "bob"}), reply


def test_a_public_route_needs_no_token(served) -> None:
    reply = _get(served, "/health")
    assert (reply.status, reply.body) == (200, {"caller": None}), reply


def test_the_generated_routes_are_protected_too(served) -> None:
    _, project, _ = served
    assert _get(served, "/items").status == 401
    assert _get(served, "/items", token(project)).status == 200

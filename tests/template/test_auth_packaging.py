"""Who may call the API, proven on packaged projects: every ``auth`` x ``api`` combination the rules allow is
rendered, grown (a function written by hand, one added with ``slsguard add --trigger http``, one public with its
reason, one asking for a scope) and packaged once per module; every route of the compiled templates (root and
nested) carries the service's authorizer, the public one carries its reason, and ``npm run scan`` exits 0.

(api=rest with the default auth=cognito, api=http with cognito and api=none are packaged by test_packaging.py.)
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from generator import cli
from generator import new_project as new
from generator.answers import rules
from generator.answers.parse import complete
from tests.support.projects import run_npm_script
from tests.support.toolchain import MotoServer, compiled_templates, moto, package, scanner_path  # noqa: F401

pytestmark = pytest.mark.slow

JWT = {"jwt_issuer": "https://login.example.com/", "jwt_audience": "https://api.example.com"}
SETS: dict[str, dict[str, Any]] = {
    "rest:cognito": {},
    "rest:iam": {"auth": "iam"},
    "rest:api-key": {"auth": "api-key"},
    "rest:none": {"auth": "none"},
    "http:cognito": {"api": "http"},
    "http:jwt": {"api": "http", "auth": "jwt", **JWT},
    "http:iam": {"api": "http", "auth": "iam"},
    "http:none": {"api": "http", "auth": "none"},
}
PUBLIC_REASON = "load balancer health checks carry no token"
# What each answer compiles to on a route: (AuthorizationType, an authorizer resource is referenced, API key).
EXPECTED = {
    "cognito": {"rest": ("COGNITO_USER_POOLS", True, False), "http": ("JWT", True, None)},
    "jwt": {"http": ("JWT", True, None)},
    "iam": {"rest": ("AWS_IAM", False, False), "http": ("AWS_IAM", False, None)},
    "api-key": {"rest": ("NONE", False, True)},
    "none": {"rest": ("NONE", False, False), "http": (None, False, None)},
}


def _grow(project: Path, answers: dict[str, Any]) -> None:
    """Three functions by hand (one public, one scoped where scopes apply) and one with `slsguard add`."""
    pkg = answers["package_name"]
    rest = answers["api"] == "rest"
    scoped = answers["auth"] in ("cognito", "jwt")

    def event(path: str) -> str:
        return f"      - http: {{path: {path}, method: get}}\n" if rest else f"      - httpApi: {{path: {path}, method: GET}}\n"

    blocks = ""
    for name, path, extra in (
        ("extra", "/extra", ""),
        ("health", "/health", f'    slsguard:\n      public: "{PUBLIC_REASON}"\n'),
        ("orders", "/orders", "    slsguard:\n      scopes: [orders/read]\n" if scoped else ""),
    ):
        blocks += (
            f"  {name}:\n    handler: {pkg}/api.handler\n    timeout: 6\n    reservedConcurrency: 1\n{extra}    events:\n{event(path)}"
        )
    config = project / "serverless.yml"
    config.write_text(config.read_text().replace("\nplugins:\n", "\n" + blocks + "\nplugins:\n", 1))
    assert cli.main(["add", "pages", "--trigger", "http", "--path", "/pages", "--project", str(project)]) == 0


@pytest.fixture(scope="module")
def packaged(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], Path]]:  # noqa: F811
    root = tmp_path_factory.mktemp("auth")
    cache = tmp_path_factory.mktemp("auth-cache")
    projects = {}
    for i, (name, given) in enumerate(SETS.items()):
        answers = complete({"project_name": f"Auth {i}", "reserved_concurrency": 5, **given})
        assert rules.check(answers) == [], name
        project = new(answers, root)
        _grow(project, answers)
        projects[name] = (answers, project)

    def one(item: tuple[str, tuple[dict[str, Any], Path]]) -> tuple[str, Any]:
        name, (answers, project) = item
        try:
            return name, (answers, package(project, moto, cache))
        except Exception as err:  # reported by the tests of this set
            return name, err

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, projects.items()))


def _routes(serverless_dir: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every REST method and HTTP API route of the root and nested update templates, with the template's name."""
    found = {}
    for path in compiled_templates(serverless_dir):
        if "create-stack" in path.name:
            continue
        for lid, resource in json.loads(path.read_text())["Resources"].items():
            if resource["Type"] in ("AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route"):
                found[lid] = (path.name, resource)
    return found


def _result(packaged: dict[str, Any], name: str) -> tuple[dict[str, Any], Path]:
    result = packaged[name]
    if isinstance(result, Exception):
        raise result
    return result


def _served_path(resource: dict[str, Any]) -> str:
    props = resource["Properties"]
    return props.get("RouteKey") or json.dumps(props.get("ResourceId"))


@pytest.mark.parametrize("name", list(SETS))
def test_every_route_carries_the_services_authorizer_and_only_the_public_one_is_open(packaged, name: str) -> None:
    answers, serverless_dir = _result(packaged, name)
    kind, auth_type = answers["api"], answers["auth"]
    routes = _routes(serverless_dir)
    # the generated catch-all, the hand-written extra/health/orders and the added pages route are all compiled
    assert len(routes) >= 5, sorted(routes)
    expected_type, has_authorizer, key = EXPECTED[auth_type][kind]
    public = [lid for lid, (_, r) in routes.items() if (r.get("Metadata") or {}).get("slsguard", {}).get("public")]
    for lid, (where, resource) in routes.items():
        props = resource["Properties"]
        reason = (resource.get("Metadata") or {}).get("slsguard", {}).get("public")
        if "Health" in lid:
            assert reason == PUBLIC_REASON, (lid, where)
            assert props.get("AuthorizationType") in (None, "NONE") and not props.get("ApiKeyRequired"), lid
            continue
        assert props.get("AuthorizationType") == expected_type, (lid, where, props.get("AuthorizationType"))
        assert ("AuthorizerId" in props) == has_authorizer, (lid, where)
        assert props.get("ApiKeyRequired") == key, (lid, where)
        if auth_type == "none":
            assert reason and "auth: none" in reason, (lid, where)
        else:
            assert reason is None, (lid, where)
    assert public, "the public function's routes carry their reason"


@pytest.mark.parametrize("name", [n for n, s in SETS.items() if s.get("auth", "cognito") in ("cognito", "jwt")])
def test_a_scoped_function_asks_for_its_scope(packaged, name: str) -> None:
    _, serverless_dir = _result(packaged, name)
    scoped = {lid: r["Properties"].get("AuthorizationScopes") for lid, (_, r) in _routes(serverless_dir).items() if "Orders" in lid}
    assert scoped and all(scopes == ["orders/read"] for scopes in scoped.values()), scoped


@pytest.mark.parametrize("name", ["rest:cognito", "http:cognito"])
def test_cognito_brings_its_own_locked_down_user_pool(packaged, name: str) -> None:
    _, serverless_dir = _result(packaged, name)
    root = json.loads((serverless_dir / "cloudformation-template-update-stack.json").read_text())
    pool = root["Resources"]["UserPool"]["Properties"]
    client = root["Resources"]["UserPoolClient"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert client["GenerateSecret"] is False and client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert {"UserPoolId", "UserPoolClientId"} <= set(root["Outputs"])


def test_jwt_issuer_and_audience_come_from_the_stage_params(packaged) -> None:
    _, serverless_dir = _result(packaged, "http:jwt")
    root = json.loads((serverless_dir / "cloudformation-template-update-stack.json").read_text())
    (authorizer,) = [r for r in root["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Authorizer"]
    assert authorizer["Properties"]["JwtConfiguration"] == {"Issuer": JWT["jwt_issuer"], "Audience": [JWT["jwt_audience"]]}


@pytest.mark.parametrize("name", list(SETS))
def test_the_projects_own_scan_exits_0(packaged, name: str) -> None:
    _, serverless_dir = _result(packaged, name)
    result = run_npm_script(serverless_dir.parent, "scan", path=scanner_path())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

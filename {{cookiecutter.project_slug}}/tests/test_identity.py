"""The verified caller, the same on HTTP API (JWT, IAM) and REST (Cognito, IAM), and scopes required per route.

The events are the sample events with the authorizer context API Gateway adds after it verified the token.
"""

from __future__ import annotations

import json

import pytest

from {{ cookiecutter.package_name }} import guard


def whoami(request):
    caller = request.caller
    if caller is None:
        return {"caller": None}
    return {"kind": caller.kind, "subject": caller.subject, "scopes": sorted(caller.scopes), "groups": sorted(caller.groups)}


@guard.requires("orders/read")
def read_orders(request):
    return {"orders": [], "subject": request.caller.subject}


handler = guard.http_handler({"/items": {"GET": whoami}, "/orders": {"GET": read_orders}})

CLAIMS = {"sub": "5f1c-user", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc", "client_id": "app", "token_use": "access"}


def http_api(event, claims=None, scopes=None, iam=None, path="/items"):
    e = event("http_get_items")
    e["rawPath"] = e["requestContext"]["http"]["path"] = path
    if claims is not None:
        e["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes}}
    if iam is not None:
        e["requestContext"]["authorizer"] = {"iam": iam}
    return e


def rest(event, claims=None, user_arn=None, path="/items"):
    e = event("rest_get_items")
    e["path"] = e["resource"] = path
    if claims is not None:
        e["requestContext"]["authorizer"] = {"claims": claims}
    e["requestContext"].setdefault("identity", {})["userArn"] = user_arn
    return e


def call(e, context):
    response = handler(e, context())
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def test_http_api_jwt_claims(event, context):
    claims = {**CLAIMS, "scope": "orders/read profile", "cognito:groups": "[admin editor]"}
    status, body, _ = call(http_api(event, claims), context)
    assert status == 200
    assert body == {"kind": "jwt", "subject": "5f1c-user", "scopes": ["orders/read", "profile"], "groups": ["admin", "editor"]}


def test_rest_cognito_claims(event, context):
    claims = {**CLAIMS, "scope": "orders/read", "cognito:groups": "admin,editor"}
    status, body, _ = call(rest(event, claims), context)
    assert status == 200
    assert body == {"kind": "cognito", "subject": "5f1c-user", "scopes": ["orders/read"], "groups": ["admin", "editor"]}


def test_iam_callers_on_both_api_kinds(event, context):
    arn = "arn:aws:iam::123456789012:role/billing"
    assert call(rest(event, user_arn=arn), context)[1] == {"kind": "iam", "subject": arn, "scopes": [], "groups": []}
    iam = {"userArn": arn, "accountId": "123456789012", "accessKey": "ASIAEXAMPLE"}
    assert call(http_api(event, iam=iam), context)[1] == {"kind": "iam", "subject": arn, "scopes": [], "groups": []}


def test_serverless_offline_http_api_claims_path(event, context):
    e = http_api(event)
    e["requestContext"]["authorizer"] = {"claims": CLAIMS}
    assert call(e, context)[1]["subject"] == "5f1c-user"


def test_a_public_route_has_no_caller(event, context):
    assert call(http_api(event), context)[1] == {"caller": None}
    assert call(rest(event), context)[1] == {"caller": None}


@pytest.mark.parametrize("kind", ["http", "rest"])
def test_a_required_scope_401_without_a_caller_403_without_the_scope_200_with_it(event, context, kind):
    build = http_api if kind == "http" else rest
    status, body, headers = call(build(event, path="/orders"), context)
    assert status == 401 and body["error"] == "this route needs a valid access token" and headers["www-authenticate"] == "Bearer"
    status, body, headers = call(build(event, {**CLAIMS, "scope": "profile"}, path="/orders"), context)
    assert status == 403 and "orders/read" in body["error"] and "insufficient_scope" in headers["www-authenticate"]
    assert body["correlation_id"]
    status, body, _ = call(build(event, {**CLAIMS, "scope": "profile orders/read"}, path="/orders"), context)
    assert (status, body) == (200, {"orders": [], "subject": "5f1c-user"})


def test_http_api_scopes_from_the_authorizer_list(event, context):
    status, _, _ = call(http_api(event, CLAIMS, scopes=["orders/read"], path="/orders"), context)
    assert status == 200


MALFORMED = [None, "text", {"jwt": "x"}, {"jwt": {"claims": ["sub"]}}, {"claims": {}}, {"iam": {"userArn": 7}}]
MALFORMED.append({"iam": {"userArn": "offlineContext_userArn"}})  # serverless-offline's placeholder, not an ARN


@pytest.mark.parametrize("authorizer", MALFORMED)
def test_malformed_authorizer_contexts_mean_no_caller(event, context, authorizer):
    e = http_api(event)
    e["requestContext"]["authorizer"] = authorizer
    assert call(e, context)[1] == {"caller": None}


def test_the_caller_repr_holds_no_claims():
    caller = guard.Caller("jwt", "sub-1", frozenset(), frozenset(), {"email": "a@example.com"})
    assert "a@example.com" not in repr(caller)

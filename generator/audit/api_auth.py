"""Who may call the API (issue 21): HTTP API routes without an authorizer, JWT authorizers trusting a plain-http
issuer, and Cognito user pools anyone can sign up to. REST methods are ``api.rest_unauthenticated``'s.

A route (or REST method) whose ``Metadata.slsguard.public`` holds a reason is public on purpose: the rails write it
for a function with ``slsguard: {public: "reason"}`` (and for every route of a service answered ``auth=none``); it is
reported as info with that reason, never as a warning. Values are read through ``generator.cfn.values`` in every
``Fn::If`` branch and parameter value a deploy can give; what cannot be pinned down counts as open (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..cfn import refs, stages
from ..cfn.values import ABSENT, Unknown, property_values, why
from .model import INFO, WARNING, Context, Finding, literal_true, props
from .rule import Fix, Rule

# Cognito pricing (2026-12): the first 10,000 monthly active users free on Lite and Essentials, then about
# $0.0055 (Lite) or $0.015 (Essentials, the tier a pool gets unless UserPoolTier says otherwise) per MAU.
COGNITO_FREE_MAU = 10_000
COGNITO_MAU_USD = {"LITE": 0.0055, "ESSENTIALS": 0.015}
FLOOD_USERS = 100_000


def public_reason(resource: Any) -> str | None:
    """The reason a route or method is public on purpose (``Metadata.slsguard.public``), or None."""
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    mark = metadata.get("slsguard") if isinstance(metadata, dict) else None
    reason = mark.get("public") if isinstance(mark, dict) else None
    return reason.strip()[:200] if isinstance(reason, str) and reason.strip() else None


def _open(value: Any) -> bool:
    """An AuthorizationType that lets anyone in: NONE, absent, or one the template cannot pin down."""
    return value is ABSENT or isinstance(value, Unknown) or (isinstance(value, str) and value.upper() == "NONE")


def _http_apis(ctx: Context) -> set[tuple[int, str]]:
    """HTTP APIs (not WebSocket: their routes authorize on $connect only), by (template id, logical id)."""
    return {
        (id(tpl), lid)
        for tpl, lid, api in ctx.index.of_type("AWS::ApiGatewayV2::Api")
        if any(p.value != "WEBSOCKET" for p in stages.protocols(tpl, api))
    }


def http_api_unauthenticated(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: an HTTP API route without an authorizer (AuthorizationType NONE or absent) is open to anyone."""
    apis = _http_apis(ctx)
    for tpl, lid, route in ctx.index.of_type("AWS::ApiGatewayV2::Route"):
        api = next(iter(refs.targets(props(route).get("ApiId"), tpl)), None)
        if api is not None and (id(api[0]), api[1]) not in apis:
            continue
        open_when = next((p.because for p in property_values(tpl, route, "AuthorizationType") if _open(p.value)), None)
        if open_when is None:
            continue
        key = props(route).get("RouteKey")
        shown = key if isinstance(key, str) else lid
        group = f"api:{api[1]}" if api else None
        reason = public_reason(route)
        if reason:
            message = f"HTTP API route {shown} is public on purpose: {reason}."
            yield HTTP_API_UNAUTHENTICATED.finding(INFO, tpl, lid, "Metadata.slsguard.public", message, variant="public", group=group)
            continue
        subject = f"route {shown}{why(open_when)} has"
        message = (
            f"HTTP API {api[1] if api else ''}: {subject} no authorizer: anyone who finds the URL can call it, and every call is billed."
        )
        yield HTTP_API_UNAUTHENTICATED.finding(WARNING, tpl, lid, "Properties.AuthorizationType", message, group=group, subject=subject)


def jwt_issuer_http(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: an HTTP API JWT authorizer whose issuer is plain http: its signing keys could be swapped on the way."""
    for tpl, lid, authorizer in ctx.index.of_type("AWS::ApiGatewayV2::Authorizer"):
        for config in property_values(tpl, authorizer, "JwtConfiguration"):
            issuer = config.value.get("Issuer") if isinstance(config.value, dict) else None
            if isinstance(issuer, str) and issuer.lower().startswith("http://"):
                message = (
                    f"JWT authorizer {lid} trusts the issuer {issuer[:120]}{why(config.because)} over plain http: anyone on the "
                    "path can serve their own signing keys and mint tokens the API accepts."
                )
                yield JWT_ISSUER_HTTP.finding(WARNING, tpl, lid, "Properties.JwtConfiguration.Issuer", message)
                break


def _admin_only(value: Any) -> bool:
    return isinstance(value, dict) and literal_true(value.get("AllowAdminCreateUserOnly"))


def cognito_self_signup(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a user pool anyone can sign up to: each bot account that signs in is a billed monthly active user."""
    for tpl, lid, pool in ctx.index.of_type("AWS::Cognito::UserPool"):
        open_when = next((p.because for p in property_values(tpl, pool, "AdminCreateUserConfig") if not _admin_only(p.value)), None)
        if open_when is None:
            continue
        tiers = {str(p.value).upper() for p in property_values(tpl, pool, "UserPoolTier") if isinstance(p.value, str)}
        tier = "LITE" if tiers == {"LITE"} else "ESSENTIALS"
        cost = (FLOOD_USERS - COGNITO_FREE_MAU) * COGNITO_MAU_USD[tier]
        message = (
            f"Cognito user pool {lid}{why(open_when)} lets anyone sign up (AllowAdminCreateUserOnly is not true): a sign-up "
            f"flood is a wallet attack, each bot account that signs in is a monthly active user; {FLOOD_USERS:,} of them cost "
            f"about ${cost:,.0f} a month on the {tier.title()} tier (10,000 MAUs free, then ${COGNITO_MAU_USD[tier]} each), "
            "plus the verification e-mails or SMS."
        )
        yield COGNITO_SELF_SIGNUP.finding(WARNING, tpl, lid, "Properties.AdminCreateUserConfig", message)


HTTP_API_UNAUTHENTICATED = Rule(
    id="http-api-unauthenticated",
    challenge="4 wallet attack",
    severity=WARNING,
    summary="every HTTP API route has an authorizer (JWT, IAM or Lambda), or is recorded public with a reason (warning)",
    help="An HTTP API route without an authorizer can be called, and billed, by anyone who finds its URL; give it an authorizer, or record why it is public.",
    checks="every `AWS::ApiGatewayV2::Route` of an HTTP API (not WebSocket) has an `AuthorizationType` other than NONE in every `Fn::If` branch "
    "(absent or not pinned down counts as none); a route whose `Metadata.slsguard.public` holds a reason (the rails write it for "
    "`slsguard: {public: reason}` and for `auth: none`) is info with that reason; one finding per API lists the routes",
    levels="warning; info when recorded public",
    fixes={
        "": Fix(
            "Answer `slsguard upgrade --set auth=cognito` (or jwt, iam): the rails give every httpApi route the authorizer; for a route "
            'public on purpose write `slsguard: {{public: "reason"}}` on its function, {exempt}.',
            "Set `Auth: {{DefaultAuthorizer: ..., Authorizers: {{...: {{JwtConfiguration: ...}}}}}}` on the AWS::Serverless::HttpApi, {exempt}.",
            "Set AuthorizationType (JWT with an AuthorizerId, AWS_IAM, CUSTOM) on the route, {exempt} if public on purpose.",
        ),
        "public": Fix(
            "Nothing to do while the reason holds; remove `slsguard.public` from the function to put it behind the authorizer.",
            "Nothing to do while the reason holds.",
            "Nothing to do while the reason holds.",
        ),
    },
    check=http_api_unauthenticated,
)

JWT_ISSUER_HTTP = Rule(
    id="jwt-issuer-http",
    challenge="4 wallet attack",
    severity=WARNING,
    summary="JWT authorizers trust an https issuer only (warning)",
    help="A JWT authorizer fetches the issuer's signing keys from the issuer URL; over plain http anyone on the path can swap them and mint accepted tokens.",
    checks="`JwtConfiguration.Issuer` of every `AWS::ApiGatewayV2::Authorizer` starts with https:// in every `Fn::If` branch and parameter value",
    levels="warning",
    fixes={
        "": Fix(
            "Set the issuer to its https URL (`params: <stage>: jwtIssuer:` in serverless.yml; slsguard refuses an http issuer as an answer).",
            "Set the JwtConfiguration issuer to its https URL in template.yaml.",
            "Set JwtConfiguration.Issuer to the issuer's https URL.",
        )
    },
    check=jwt_issuer_http,
)

COGNITO_SELF_SIGNUP = Rule(
    id="cognito-self-signup",
    challenge="4 wallet attack",
    severity=WARNING,
    summary="Cognito user pools allow admin-created users only, unless sign-up is meant to be open (warning)",
    help="With self sign-up open, a bot can create users by the thousand; each one that signs in is a billed monthly active user (a wallet attack), "
    "and each sign-up sends a verification message.",
    checks="`AdminCreateUserConfig.AllowAdminCreateUserOnly` is true on every `AWS::Cognito::UserPool` in every `Fn::If` branch (absent means "
    "sign-up is open); the message prices a flood of 100,000 fake users at the pool's tier (`UserPoolTier`, Essentials when absent)",
    levels="warning",
    fixes={
        "": Fix(
            "Set `AdminCreateUserConfig: {{AllowAdminCreateUserOnly: true}}` on the pool under `resources:` (as `auth: cognito` generates it) "
            "and create users with `aws cognito-idp admin-create-user`, {exempt} if sign-up is open on purpose (then add a CAPTCHA or pre-sign-up check).",
            "Set `AdminCreateUserConfig: {{AllowAdminCreateUserOnly: true}}` on the AWS::Cognito::UserPool in template.yaml, {exempt} if open on purpose.",
            "Set `AdminCreateUserConfig: {{AllowAdminCreateUserOnly: true}}` on the AWS::Cognito::UserPool, {exempt} if open on purpose.",
        )
    },
    check=cognito_self_signup,
)

RULES = (HTTP_API_UNAUTHENTICATED, JWT_ISSUER_HTTP, COGNITO_SELF_SIGNUP)

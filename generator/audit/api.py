"""Rules about API Gateway in front of the functions (seed challenge 4: the wallet attack)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..answers import limits
from ..cfn import refs, stages
from ..cfn.numbers import number
from ..cfn.values import ABSENT, Unknown, merge, possible, property_values, shallow, why
from .api_auth import public_reason
from .model import ERROR, INFO, WARNING, Context, Finding, Template, fn_label, literal_true, props
from .rule import Fix, Rule


def _api_limits(ctx: Context) -> Iterator[tuple[Template, str, str, float, list[refs.Ref]]]:
    """(template, integration id, API kind, limit in seconds, functions it invokes) per API Gateway integration."""
    for tpl, lid, method in ctx.index.of_type("AWS::ApiGateway::Method"):
        for integration in (p.value for p in shallow(props(method).get("Integration"), tpl) if isinstance(p.value, dict)):
            if _lambda(integration.get("Type"), tpl):
                limit = _limit(integration.get("TimeoutInMillis"), tpl, limits.REST_API_MAX_INTEGRATION_TIMEOUT_S)
                yield tpl, lid, "REST API", limit, refs.functions(integration.get("Uri"), tpl)
    for tpl, lid, integration in ctx.index.of_type("AWS::ApiGatewayV2::Integration"):
        p = props(integration)
        if _lambda(p.get("IntegrationType"), tpl):
            apis = list(refs.targets(p.get("ApiId"), tpl))
            websocket = bool(apis) and all(k.value == "WEBSOCKET" for t, a in apis for k in stages.protocols(t, t.resources.get(a)))
            kind, default = (
                ("WebSocket API", limits.WEBSOCKET_API_MAX_INTEGRATION_TIMEOUT_S)
                if websocket
                else ("HTTP API", limits.HTTP_API_MAX_INTEGRATION_TIMEOUT_S)
            )
            yield tpl, lid, kind, _limit(p.get("TimeoutInMillis"), tpl, default), refs.functions(p.get("IntegrationUri"), tpl)
    bodies = (("AWS::ApiGateway::RestApi", "REST API", limits.REST_API_MAX_INTEGRATION_TIMEOUT_S),)
    bodies += (("AWS::ApiGatewayV2::Api", "HTTP API", limits.HTTP_API_MAX_INTEGRATION_TIMEOUT_S),)
    for api_type, kind, default in bodies:
        for tpl, lid, api in ctx.index.of_type(api_type):
            for integration in _body_integrations(props(api).get("Body")):
                limit = _limit(integration.get("timeoutInMillis"), tpl, default)
                yield tpl, lid, kind, limit, refs.functions(integration.get("uri"), tpl)


def _lambda(kind: Any, tpl: Template) -> bool:
    """An integration type that invokes a Lambda function (AWS_PROXY or AWS) in some branch."""
    return any(isinstance(p.value, str) and p.value.upper() in ("AWS_PROXY", "AWS") for p in possible(kind, tpl))


def _body_integrations(body: Any) -> Iterator[dict[str, Any]]:
    """Lambda integrations of an OpenAPI body (``x-amazon-apigateway-integration``), as SAM and imported APIs write them."""
    paths = body.get("paths") if isinstance(body, dict) else None
    for operations in (paths if isinstance(paths, dict) else {}).values():
        for op in (operations if isinstance(operations, dict) else {}).values():
            integration = op.get("x-amazon-apigateway-integration") if isinstance(op, dict) else None
            if isinstance(integration, dict) and str(integration.get("type", "")).lower() in ("aws_proxy", "aws"):
                yield integration


def _limit(millis: Any, tpl: Template, default: int) -> float:
    """The integration's timeout in seconds: the smallest a deploy can give it (the default when absent or not known)."""
    found = [number(p.value) for p in possible(millis, tpl)]
    return min((v / 1000 for v in found if v), default=float(default))


class Timeout(NamedTuple):
    """The longest a function may run, why (the branch or parameter), and what cannot be proven about it."""

    seconds: float | None
    because: str
    unproven: str | None


def longest(tpl: Template, fn: dict[str, Any]) -> Timeout:
    """A function's largest possible Timeout (Lambda's 3 s where absent); a parameter bounded only by the deployer is unproven."""
    best: float | None = None
    because, unproven = "", None
    for p in property_values(tpl, fn, "Timeout"):
        if isinstance(p.value, Unknown):
            bound = maximum(p.value)
            if bound is None:
                unproven = unproven or f"{p.value.detail}{why(p.because)}"
                continue
            value, reason = bound, f" ({p.value.detail.split(' (')[0]}'s MaxValue)"
        else:
            value = float(limits.LAMBDA_DEFAULT_TIMEOUT_S) if p.value is ABSENT else number(p.value)
            reason = why(p.because)
        if value is not None and (best is None or value > best):
            best, because = value, reason
    return Timeout(best, because, unproven)


def maximum(value: Unknown) -> float | None:
    """The MaxValue of the Number parameter an Unknown stands for."""
    if value.kind != "parameter" or value.target is None:
        return None
    spec = value.target[0].section("Parameters").get(value.target[1])
    return number(spec.get("MaxValue")) if isinstance(spec, dict) else None


def api_timeout(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: API Gateway gives up at 29 s (REST) or 30 s (HTTP API); a longer function keeps billing after the 504."""
    reported: set[tuple[int, str]] = set()
    for api_tpl, api_id, kind, limit, fns in _api_limits(ctx):
        for fn_tpl, fn_id in fns:
            fn = fn_tpl.resources[fn_id]
            key = (id(fn_tpl), fn_id)
            timeout = longest(fn_tpl, fn)
            over = timeout.seconds is not None and timeout.seconds >= limit
            if key in reported or not (over or timeout.unproven):
                continue
            reported.add(key)
            shown = f"{limit:g}"
            where = api_id if api_tpl is fn_tpl else f"{api_id} in stack {api_tpl.name}"
            label, seconds = fn_label(fn, fn_id), f"{timeout.seconds:g}" if timeout.seconds is not None else ""
            if not over:
                message = (
                    f"Function {label}: that it stops before its {kind} integration ({where}) gives up after {shown} s cannot be "
                    f"proven: its Timeout is {timeout.unproven}, which the deployer may set up to 900 s."
                )
                yield API_TIMEOUT.finding(ERROR, fn_tpl, fn_id, "Properties.Timeout", message, variant="unproven", limit=shown)
            elif timeout.seconds is not None and timeout.seconds > limit:
                message = (
                    f"Function {label} may run {seconds} s{timeout.because} but its {kind} integration ({where}) gives up after "
                    f"{shown} s: callers get a 504 while the function keeps running and billing."
                )
                yield API_TIMEOUT.finding(ERROR, fn_tpl, fn_id, "Properties.Timeout", message, limit=shown)
            else:
                message = (
                    f"Function {label} has a {seconds} s timeout{timeout.because}, equal to its {kind} integration limit ({where}): "
                    "a request that uses it all still gets a 504."
                )
                yield API_TIMEOUT.finding(WARNING, fn_tpl, fn_id, "Properties.Timeout", message, limit=shown)


class Method(NamedTuple):
    """One REST method: an AWS::ApiGateway::Method resource or an operation of the API's OpenAPI ``Body`` (SAM writes those)."""

    tpl: Template
    logical_id: str
    where: str
    verb: str
    keyed: bool  # requires an API key (in every branch)
    authorized: bool  # has an authorizer (IAM, Cognito, Lambda) in every branch
    open: str | None = None  # None: never open; else the branches where it has neither ("" when always)


def _body_methods(tpl: Template, api_id: str, body: Any) -> Iterator[Method]:
    paths = body.get("paths") if isinstance(body, dict) else None
    if not isinstance(paths, dict):
        return
    components = body.get("components")
    schemes = body.get("securityDefinitions") or (components.get("securitySchemes") if isinstance(components, dict) else None)
    key_schemes = {
        n
        for n, d in (schemes if isinstance(schemes, dict) else {}).items()
        if isinstance(d, dict) and d.get("type") == "apiKey" and str(d.get("name", "")).lower() == "x-api-key"
    }
    for path, operations in paths.items():
        for verb, op in (operations if isinstance(operations, dict) else {}).items():
            if not isinstance(op, dict) or str(verb).lower() in ("options", "parameters"):
                continue
            required = {n for req in (op.get("security", body.get("security")) or []) if isinstance(req, dict) for n in req}
            shown = "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper()
            keyed, authorized = bool(required & key_schemes), bool(required - key_schemes)
            where = f"Properties.Body.paths.{path}.{verb}"
            yield Method(tpl, api_id, where, f"{shown} {path}", keyed, authorized, None if keyed or authorized else "")


def methods(ctx: Context, api: refs.Ref) -> Iterator[Method]:
    """The REST API's methods other than OPTIONS (CORS preflight is answered without a key or an authorizer)."""
    yield from _body_methods(api[0], api[1], props(api[0].resources.get(api[1])).get("Body"))
    for tpl, lid, method in ctx.index.of_type("AWS::ApiGateway::Method"):
        p = props(method)
        verb = str(p.get("HttpMethod", "")).upper()
        if verb != "OPTIONS" and refs.points_to(p.get("RestApiId"), tpl, api):
            auths = [(a, _no_auth(a.value)) for a in possible(p.get("AuthorizationType"), tpl)]
            keys = [(k, literal_true(k.value)) for k in possible(p.get("ApiKeyRequired"), tpl)]
            open_when = next(
                (
                    reasons
                    for a, none in auths
                    if none
                    for k, key in keys
                    if not key
                    if (reasons := merge(a.because, k.because)) is not None
                ),
                None,
            )
            keyed, authorized = all(key for _k, key in keys), not any(none for _a, none in auths)
            where = "Properties.AuthorizationType"
            yield Method(tpl, lid, where, f"{verb} {lid}", keyed, authorized, None if open_when is None else why(open_when))


def _no_auth(value: Any) -> bool:
    """An AuthorizationType that lets anyone in: NONE, absent, or one the template cannot pin down."""
    return value is ABSENT or isinstance(value, Unknown) or (isinstance(value, str) and value.upper() == "NONE")


def all_keyed(ctx: Context, api: refs.Ref) -> bool:
    found = list(methods(ctx, api))
    return bool(found) and all(m.keyed for m in found)


def rest_unauthenticated(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a method with neither an API key nor an authorizer is open to anyone who finds the URL; one whose
    only protection is an API key is unauthenticated too (a key is metering: shared, in a clear header, no user).
    A method recorded public with a reason (``Metadata.slsguard.public``) is info."""
    for api_tpl, api_id, _api in ctx.index.of_type("AWS::ApiGateway::RestApi"):
        for m in methods(ctx, (api_tpl, api_id)):
            key_only = m.open is None and m.keyed and not m.authorized
            if m.open is None and not key_only:
                continue
            reason = public_reason(m.tpl.resources.get(m.logical_id)) if m.where == "Properties.AuthorizationType" else None
            if reason:
                message = f"REST API {api_id}: method {m.verb} is public on purpose: {reason}."
                yield REST_UNAUTHENTICATED.finding(INFO, m.tpl, m.logical_id, "Metadata.slsguard.public", message, variant="public")
                continue
            if key_only:
                subject = f"method {m.verb} requires"
                message = (
                    f"REST API {api_id}: {subject} only an API key, which is metering, not authentication: one key is shared by "
                    "every caller, travels in a clear header and identifies no user."
                )
                yield REST_UNAUTHENTICATED.finding(
                    WARNING, m.tpl, m.logical_id, m.where, message, variant="key-only", group=f"api:{api_id}:key", subject=subject
                )
                continue
            subject = f"method {m.verb}{m.open} requires"
            message = (
                f"REST API {api_id}: {subject} neither an API key nor an authorizer: anyone who finds the URL "
                "can call it (fine for a public API, say so with an exemption)."
            )
            yield REST_UNAUTHENTICATED.finding(WARNING, m.tpl, m.logical_id, m.where, message, group=f"api:{api_id}", subject=subject)


API_TIMEOUT = Rule(
    id="api-timeout",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="functions behind API Gateway time out before it does: 29 s REST, 30 s HTTP API (error)",
    help="API Gateway gives up after 29 s (REST, WebSocket) or 30 s (HTTP API), or the integration's own timeout; a function allowed to run longer keeps running and billing after the caller got a 504.",
    checks="a function behind API Gateway times out before the integration does: 29 s REST, 30 s HTTP API, 29 s WebSocket API, or the integration's own `TimeoutInMillis` (through aliases, versions and nested stacks; integrations written in an API's OpenAPI `Body`, as SAM does, count too); the function's largest possible `Timeout` in any `Fn::If` branch or parameter value, named in the message; one the deployer chooses without a `MaxValue` cannot be proven",
    levels="error above (and unprovable), warning equal",
    fixes={
        "": Fix(
            "Set the function's `timeout:` below {limit} s in serverless.yml, or move long work behind a queue.",
            "Set the function's `Timeout` below {limit} s in template.yaml, or move long work behind a queue.",
            "Set the function's `Timeout` below {limit} s, or move long work behind a queue.",
        ),
        "unproven": Fix(
            "Write `timeout:` as a number below {limit} s on the function in serverless.yml (or give the parameter a MaxValue below it).",
            "Give the Timeout parameter in template.yaml a MaxValue or AllowedValues below {limit} s, or write the number.",
            "Give the Timeout parameter a MaxValue or AllowedValues below {limit} s, or write the number.",
        ),
    },
    check=api_timeout,
)

REST_UNAUTHENTICATED = Rule(
    id="rest-unauthenticated",
    challenge="4 wallet attack",
    severity=WARNING,
    summary="every REST method (OPTIONS excepted) requires an authorizer; an API key alone is not authentication (warning)",
    help="A method with no authorizer can be called by anyone who finds its URL, or by anyone holding the one shared API key (metering, not authentication); exempt APIs that are public on purpose, with the reason.",
    checks="every REST method (OPTIONS excepted; `AWS::ApiGateway::Method` or an operation of the API's OpenAPI `Body`, as SAM writes) requires an authorizer; in every `Fn::If` branch of `AuthorizationType` and `ApiKeyRequired` (the message names the branch where it has neither); a method whose only protection is an API key is reported as unauthenticated, with that reason; one finding per API lists the methods; a method whose `Metadata.slsguard.public` holds a reason (written by the rails) is info; exempt APIs that are public on purpose",
    levels="warning; info when recorded public",
    fixes={
        "": Fix(
            "Give each http event an `authorizer:` or `private: true` (API key) in serverless.yml, {exempt} if the API is public on purpose.",
            "Set `Auth: {{DefaultAuthorizer: ..., ApiKeyRequired: true}}` on the AWS::Serverless::Api (or `Globals: Api:`), {exempt} if public on purpose.",
            "Set AuthorizationType (AWS_IAM, COGNITO_USER_POOLS, CUSTOM) or ApiKeyRequired: true on the method, {exempt} if public on purpose.",
        ),
        "key-only": Fix(
            "Answer `slsguard upgrade --set auth=cognito` (or iam): the rails give every http event the authorizer (keep the usage plan for "
            "metering if you like), {exempt} if a shared key is all this API needs.",
            "Set `Auth: {{DefaultAuthorizer: ...}}` (Cognito or IAM) on the AWS::Serverless::Api besides `ApiKeyRequired`, {exempt} if a shared key is enough.",
            "Set AuthorizationType (COGNITO_USER_POOLS, AWS_IAM, CUSTOM) on the method besides ApiKeyRequired, {exempt} if a shared key is enough.",
        ),
        "public": Fix(
            "Nothing to do while the reason holds; remove `slsguard.public` from the function to put it behind the authorizer.",
            "Nothing to do while the reason holds.",
            "Nothing to do while the reason holds.",
        ),
    },
    check=rest_unauthenticated,
)

RULES = (API_TIMEOUT, REST_UNAUTHENTICATED)

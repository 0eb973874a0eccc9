"""Rules about API Gateway in front of the functions (seed challenge 4: the wallet attack)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from .. import limits
from ..cfn import refs
from .fixes import fix
from .model import ERROR, WARNING, Context, Finding, Template, finding, fn_label, literal_int, literal_true, props


def _api_limits(ctx: Context) -> Iterator[tuple[Template, str, str, float, list[refs.Ref]]]:
    """(template, integration id, API kind, limit in seconds, functions it invokes) per API Gateway integration."""
    for tpl, lid, method in ctx.index.of_type("AWS::ApiGateway::Method"):
        integration = props(method).get("Integration")
        if isinstance(integration, dict) and integration.get("Type") in ("AWS_PROXY", "AWS"):
            limit = _limit(integration.get("TimeoutInMillis"), limits.REST_API_MAX_INTEGRATION_TIMEOUT_S)
            yield tpl, lid, "REST API", limit, refs.functions(integration.get("Uri"), tpl)
    for tpl, lid, integration in ctx.index.of_type("AWS::ApiGatewayV2::Integration"):
        p = props(integration)
        if p.get("IntegrationType") in ("AWS_PROXY", "AWS"):
            websocket = any(props(t.resources.get(a)).get("ProtocolType") == "WEBSOCKET" for t, a in refs.targets(p.get("ApiId"), tpl))
            kind, default = (
                ("WebSocket API", limits.WEBSOCKET_API_MAX_INTEGRATION_TIMEOUT_S)
                if websocket
                else ("HTTP API", limits.HTTP_API_MAX_INTEGRATION_TIMEOUT_S)
            )
            yield tpl, lid, kind, _limit(p.get("TimeoutInMillis"), default), refs.functions(p.get("IntegrationUri"), tpl)
    bodies = (("AWS::ApiGateway::RestApi", "REST API", limits.REST_API_MAX_INTEGRATION_TIMEOUT_S),)
    bodies += (("AWS::ApiGatewayV2::Api", "HTTP API", limits.HTTP_API_MAX_INTEGRATION_TIMEOUT_S),)
    for api_type, kind, default in bodies:
        for tpl, lid, api in ctx.index.of_type(api_type):
            for integration in _body_integrations(props(api).get("Body")):
                limit = _limit(integration.get("timeoutInMillis"), default)
                yield tpl, lid, kind, limit, refs.functions(integration.get("uri"), tpl)


def _body_integrations(body: Any) -> Iterator[dict[str, Any]]:
    """Lambda integrations of an OpenAPI body (``x-amazon-apigateway-integration``), as SAM and imported APIs write them."""
    paths = body.get("paths") if isinstance(body, dict) else None
    for operations in (paths if isinstance(paths, dict) else {}).values():
        for op in (operations if isinstance(operations, dict) else {}).values():
            integration = op.get("x-amazon-apigateway-integration") if isinstance(op, dict) else None
            if isinstance(integration, dict) and str(integration.get("type", "")).lower() in ("aws_proxy", "aws"):
                yield integration


def _protocol(api: dict[str, Any]) -> str:
    """An ApiGatewayV2 API's protocol; one imported from an OpenAPI body (SAM's HttpApi) is always HTTP."""
    p = props(api)
    return str(p.get("ProtocolType") or ("HTTP" if "Body" in p or "BodyS3Location" in p else ""))


def _limit(millis: Any, default: int) -> float:
    value = literal_int(millis)
    return value / 1000 if value else float(default)


def api_timeout(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: API Gateway gives up at 29 s (REST) or 30 s (HTTP API); a longer function keeps billing after the 504."""
    reported: set[tuple[int, str]] = set()
    for api_tpl, api_id, kind, limit, fns in _api_limits(ctx):
        for fn_tpl, fn_id in fns:
            fn = fn_tpl.resources[fn_id]
            timeout = literal_int(props(fn).get("Timeout"))
            key = (id(fn_tpl), fn_id)
            if timeout is None or timeout < limit or key in reported:
                continue
            reported.add(key)
            shown = f"{limit:g}"
            where = api_id if api_tpl is fn_tpl else f"{api_id} in stack {api_tpl.name}"
            if timeout > limit:
                yield finding(
                    "api-timeout",
                    ERROR,
                    fn_tpl,
                    fn_id,
                    "Properties.Timeout",
                    f"Function {fn_label(fn, fn_id)} may run {timeout} s but its {kind} integration ({where}) gives up after {shown} s: "
                    "callers get a 504 while the function keeps running and billing.",
                    fix("api-timeout", fn_tpl, limit=shown),
                )
            else:
                yield finding(
                    "api-timeout",
                    WARNING,
                    fn_tpl,
                    fn_id,
                    "Properties.Timeout",
                    f"Function {fn_label(fn, fn_id)} has a {timeout} s timeout, equal to its {kind} integration limit ({where}): "
                    "a request that uses it all still gets a 504.",
                    fix("api-timeout", fn_tpl, limit=shown),
                )


def _both(mapping: Any, rate: str, burst: str) -> bool:
    return isinstance(mapping, dict) and mapping.get(rate) is not None and mapping.get(burst) is not None


def _method_settings_throttled(settings: Any) -> bool:
    return isinstance(settings, list) and any(_both(s, "ThrottlingRateLimit", "ThrottlingBurstLimit") for s in settings)


def _rest_throttled(ctx: Context, api: refs.Ref) -> bool:
    for tpl, _lid, stage in ctx.index.of_type("AWS::ApiGateway::Stage"):
        p = props(stage)
        if refs.points_to(p.get("RestApiId"), tpl, api) and _method_settings_throttled(p.get("MethodSettings")):
            return True
    for tpl, _lid, deployment in ctx.index.of_type("AWS::ApiGateway::Deployment"):
        p = props(deployment)
        described = p.get("StageDescription")
        if refs.points_to(p.get("RestApiId"), tpl, api) and (
            _both(described, "ThrottlingRateLimit", "ThrottlingBurstLimit")
            or (isinstance(described, dict) and _method_settings_throttled(described.get("MethodSettings")))
        ):
            return True
    if not _all_keyed(ctx, api):
        return False  # a usage plan throttles only requests that carry one of its API keys
    for tpl, _lid, plan in ctx.index.of_type("AWS::ApiGateway::UsagePlan"):
        p = props(plan)
        stages = p.get("ApiStages")
        throttled = _both(p.get("Throttle"), "RateLimit", "BurstLimit") and isinstance(stages, list)
        if throttled and any(isinstance(s, dict) and refs.points_to(s.get("ApiId"), tpl, api) for s in stages):
            return True
    return False


class Method(NamedTuple):
    """One REST method: an AWS::ApiGateway::Method resource or an operation of the API's OpenAPI ``Body`` (SAM writes those)."""

    tpl: Template
    logical_id: str
    where: str
    verb: str
    keyed: bool  # requires an API key
    authorized: bool  # has an authorizer (IAM, Cognito, Lambda)


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
            yield Method(
                tpl,
                api_id,
                f"Properties.Body.paths.{path}.{verb}",
                f"{shown} {path}",
                bool(required & key_schemes),
                bool(required - key_schemes),
            )


def methods(ctx: Context, api: refs.Ref) -> Iterator[Method]:
    """The REST API's methods other than OPTIONS (CORS preflight is answered without a key or an authorizer)."""
    yield from _body_methods(api[0], api[1], props(api[0].resources.get(api[1])).get("Body"))
    for tpl, lid, method in ctx.index.of_type("AWS::ApiGateway::Method"):
        p = props(method)
        verb = str(p.get("HttpMethod", "")).upper()
        if verb != "OPTIONS" and refs.points_to(p.get("RestApiId"), tpl, api):
            auth = str(p.get("AuthorizationType", "NONE")).upper()
            yield Method(tpl, lid, "Properties.AuthorizationType", f"{verb} {lid}", literal_true(p.get("ApiKeyRequired")), auth != "NONE")


def _all_keyed(ctx: Context, api: refs.Ref) -> bool:
    found = list(methods(ctx, api))
    return bool(found) and all(m.keyed for m in found)


def _v2_throttled(ctx: Context, api: refs.Ref) -> bool:
    for tpl, _lid, stage in ctx.index.of_type("AWS::ApiGatewayV2::Stage"):
        p = props(stage)
        if refs.points_to(p.get("ApiId"), tpl, api) and _both(p.get("DefaultRouteSettings"), "ThrottlingRateLimit", "ThrottlingBurstLimit"):
            return True
    return False


def api_throttling(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: without throttling a flood of requests reaches the functions at the account's 10,000 rps."""
    rps = f"{limits.API_ACCOUNT_THROTTLE_RPS:,}"
    for tpl, lid, _api in ctx.index.of_type("AWS::ApiGateway::RestApi"):
        if not _rest_throttled(ctx, (tpl, lid)):
            yield finding(
                "api-throttling",
                ERROR,
                tpl,
                lid,
                "",
                f"REST API {lid} has no throttling (no stage method setting; a usage plan throttle counts only when every "
                f"method requires an API key): a flood reaches the functions at up to the account's {rps} requests per second.",
                fix("api-throttling.rest", tpl),
            )
    for tpl, lid, api in ctx.index.of_type("AWS::ApiGatewayV2::Api"):
        if _protocol(api) != "HTTP" or _v2_throttled(ctx, (tpl, lid)):
            continue
        yield finding(
            "api-throttling",
            ERROR,
            tpl,
            lid,
            "",
            f"HTTP API {lid} has no stage default-route throttling: a flood reaches the functions at up to the account's {rps} "
            "requests per second.",
            fix("api-throttling.http", tpl),
        )


def websocket_throttling(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: every WebSocket message invokes a function; without stage throttling a client floods them."""
    rps = f"{limits.API_ACCOUNT_THROTTLE_RPS:,}"
    for tpl, lid, api in ctx.index.of_type("AWS::ApiGatewayV2::Api"):
        if props(api).get("ProtocolType") == "WEBSOCKET" and not _v2_throttled(ctx, (tpl, lid)):
            yield finding(
                "websocket-throttling",
                ERROR,
                tpl,
                lid,
                "",
                f"WebSocket API {lid} has no stage default-route throttling: connected clients can send messages, each one a "
                f"function invocation, at up to the account's {rps} per second.",
                fix("websocket-throttling", tpl),
            )


def rest_unauthenticated(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a method with neither an API key nor an authorizer is open to anyone who finds the URL."""
    for api_tpl, api_id, _api in ctx.index.of_type("AWS::ApiGateway::RestApi"):
        for m in methods(ctx, (api_tpl, api_id)):
            if m.keyed or m.authorized:
                continue
            yield finding(
                "rest-unauthenticated",
                WARNING,
                m.tpl,
                m.logical_id,
                m.where,
                f"REST API {api_id}: method {m.verb} requires neither an API key nor an authorizer: anyone who finds the URL "
                "can call it (fine for a public API, say so with an exemption).",
                fix("rest-unauthenticated", m.tpl),
                group=f"api:{api_id}",
                subject=f"method {m.verb} requires",
            )

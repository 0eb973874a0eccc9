"""Rules about API Gateway in front of the functions (seed challenge 4: the wallet attack)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import limits
from . import refs
from .model import ERROR, WARNING, Context, Finding, Template, finding, fn_label, literal_int, props


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
                    f"Set the function's timeout to less than {shown} s, or move long work behind a queue.",
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
                    f"Set the function's timeout below {shown} s.",
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
    for tpl, _lid, plan in ctx.index.of_type("AWS::ApiGateway::UsagePlan"):
        p = props(plan)
        stages = p.get("ApiStages")
        throttled = _both(p.get("Throttle"), "RateLimit", "BurstLimit") and isinstance(stages, list)
        if throttled and any(isinstance(s, dict) and refs.points_to(s.get("ApiId"), tpl, api) for s in stages):
            return True
    return False


def _http_throttled(ctx: Context, api: refs.Ref) -> bool:
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
                f"REST API {lid} has no throttling (no stage method setting, no usage plan throttle): "
                f"a flood reaches the functions at up to the account's {rps} requests per second.",
                "Throttle the stage (MethodSettings ThrottlingRateLimit and ThrottlingBurstLimit for /*) "
                "or attach a usage plan with a throttle.",
            )
    for tpl, lid, api in ctx.index.of_type("AWS::ApiGatewayV2::Api"):
        if props(api).get("ProtocolType") != "HTTP" or _http_throttled(ctx, (tpl, lid)):
            continue
        yield finding(
            "api-throttling",
            ERROR,
            tpl,
            lid,
            "",
            f"HTTP API {lid} has no stage default-route throttling: a flood reaches the functions at up to the account's {rps} "
            "requests per second.",
            "Set DefaultRouteSettings ThrottlingRateLimit and ThrottlingBurstLimit on the HTTP API's stage.",
        )

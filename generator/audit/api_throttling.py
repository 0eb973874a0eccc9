"""Throttling of every live API Gateway stage, on every value a deploy can give it (seed challenge 4: the wallet attack).

Which stages are live and which throttles cover a whole stage: ``generator/cfn/stages.py``. A stage passes when
every possible throttle has a rate and a burst above 0; a 0, a negative or a missing value in one branch fails and
the message names the branch; a value the template cannot pin down (a parameter without ``AllowedValues`` or a
``MinValue`` above 0) is "cannot be proven", with the fix that bounds it. A REST API whose every method requires an
API key may instead be throttled by a usage plan that names the stage (requests without a key never reach it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..answers import limits
from ..cfn import refs, stages
from ..cfn.numbers import number
from ..cfn.stages import Stage, Throttle
from ..cfn.values import ABSENT, Unknown, items, possible, why
from .api import all_keyed
from .model import ERROR, Context, Finding, props
from .rule import Fix, Rule

RPS = f"{limits.API_ACCOUNT_THROTTLE_RPS:,}"


def bound_below(value: Unknown) -> float | None:
    """The MinValue of the Number parameter an Unknown stands for, if it has one."""
    if value.kind != "parameter" or value.target is None:
        return None
    tpl, name = value.target
    spec = tpl.section("Parameters").get(name)
    if not isinstance(spec, dict) or spec.get("Type") != "Number":
        return None
    return number(spec.get("MinValue"))


def _judge(name: str, value: Any) -> tuple[str | None, str | None]:
    """(why it fails, why it cannot be proven) for one rate or burst value; (None, None) when it throttles."""
    if value is ABSENT:
        return f"no {name}", None
    if isinstance(value, Unknown):
        low = bound_below(value)
        if low is not None and low > 0:
            return None, None
        if value.kind == "parameter":
            return None, f"{name} is {value.detail}, which the deployer may set to 0"
        return None, f"{name} cannot be read ({value.detail})"
    found = number(value)
    if found is None or found <= 0:
        return f"{name} {value}", None
    return None, None


def _problems(throttles: list[Throttle]) -> tuple[list[str], list[str]]:
    """What fails and what cannot be proven, each with the branch or parameter that leads to it."""
    failed: list[str] = []
    unproven: list[str] = []
    for t in throttles:
        if t.rate is ABSENT and t.burst is ABSENT:
            text = stages.NONE + why(t.because)
            if text not in failed:
                failed.append(text)
            continue
        for name, value in ((stages.RATE, t.rate), (stages.BURST, t.burst)):
            fails, unknown = _judge(name, value)
            for text, bucket in ((fails, failed), (unknown, unproven)):
                if text is not None and text + why(t.because) not in bucket:
                    bucket.append(text + why(t.because))
    return failed, unproven


def _plans(ctx: Context, api: refs.Ref) -> list[tuple[str, list[str] | None, list[Throttle]]]:
    """Each usage plan on the API: its logical id, the stage names it lists (None: one cannot be read) and its throttles."""
    out = []
    for tpl, lid, plan in ctx.index.of_type("AWS::ApiGateway::UsagePlan"):
        p = props(plan)
        stages_listed = [e.value for _i, e in items(p.get("ApiStages"), tpl) if isinstance(e.value, dict)]
        entries = [s for s in stages_listed if refs.points_to(s.get("ApiId"), tpl, api)]
        if not entries:
            continue
        values = [v.value for s in entries for v in possible(s.get("Stage"), tpl)]
        names: list[str] | None = [name for v in values for name in _stage_names(v)]
        if any(not _stage_names(v) for v in values):
            names = None  # a stage it names cannot be read: it may be any of them
        found = possible(p.get("Throttle"), tpl)
        throttles = [
            Throttle(v.value.get("RateLimit", ABSENT), v.value.get("BurstLimit", ABSENT), v.because, f"UsagePlan {lid}")
            if isinstance(v.value, dict)
            else Throttle(v.value, v.value, v.because, f"UsagePlan {lid}")
            for v in found
        ]
        out.append((lid, names, throttles))
    return out


def _stage_names(value: Any) -> list[str]:
    """The stage names a usage plan's Stage names: a literal, or a Ref to an AWS::ApiGateway::Stage (its StageName)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Unknown) and value.kind == "reference" and value.target is not None:
        tpl, lid = value.target
        resource = tpl.resources.get(lid)
        if isinstance(resource, dict) and resource.get("Type") == stages.REST_STAGE:
            return [v.value for v in possible(props(resource).get("StageName"), tpl) if isinstance(v.value, str)]
    return []


def _planned(stage: Stage, plans: list[tuple[str, list[str] | None, list[Throttle]]]) -> tuple[bool, list[str]]:
    """Whether the usage plans cover this stage of an API whose every method needs a key: at least one plan names it
    and every plan that does throttles (the keys of an unthrottled plan call it at any rate); else why not."""
    naming = [(lid, t) for lid, names, t in plans if not stage.origin or names is None or stage.name in names]
    bad = []
    for lid, throttles in naming:
        fails, unknown = _problems(throttles)
        if fails or unknown:
            said = "; ".join(f.replace(stages.NONE, "no throttle") for f in [*fails, *unknown])
            bad.append(f"usage plan {lid} lets its keys call it with {said}")
    return bool(naming) and not bad, bad


def _stage_text(stage: Stage) -> str:
    return f"stage {stage.name} of {stage.origin}" if stage.origin else "no stage in the audited templates"


FLOOD = f"a flood reaches the functions at up to the account's {RPS} requests per second"
MESSAGES = f"connected clients send messages, each one a function invocation, at up to the account's {RPS} per second"


def _verdict(
    kind: str, lid: str, found: list[Stage], plans: list[tuple[str, list[str] | None, list[Throttle]]], flood: str = FLOOD
) -> tuple[str, str] | None:
    """(message, fix variant) for an API whose stages are not all proven throttled, else None."""
    failed: list[str] = []
    unproven: list[str] = []
    for stage in found:
        fails, unknown = _problems(stage.throttles)
        if plans and (fails or unknown):
            covered, why_not = _planned(stage, plans)
            if covered:
                continue
            fails = [*fails, *why_not]
        if fails:
            failed.append(f"{_stage_text(stage)}: {'; '.join(fails)}")
        if unknown:
            unproven.append(f"{_stage_text(stage)}: {'; '.join(unknown)}")
    if failed:
        more = f" Also cannot be proven: {'; '.join(unproven)}." if unproven else ""
        return f"{kind} {lid} has a live stage without throttling, so {flood}: {'; '.join(failed)}.{more}", ""
    if unproven:
        return f"{kind} {lid}: throttling cannot be proven, and without it {flood}: {'; '.join(unproven)}.", "unproven"
    return None


def api_throttling(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: without throttling on every live stage a flood reaches the functions at the account's 10,000 rps."""
    for tpl, lid, _api in ctx.index.of_type(stages.REST_API):
        api = (tpl, lid)
        found = stages.rest_stages(ctx.index, api) or [stages.no_stage(api)]
        plans = _plans(ctx, api) if all_keyed(ctx, api) else []
        verdict = _verdict("REST API", lid, found, plans)
        if verdict is not None:
            message, variant = verdict
            yield API_THROTTLING.finding(ERROR, tpl, lid, "", message, variant=variant or "rest")
    for tpl, lid, api_res in ctx.index.of_type(stages.V2_API):
        kinds = stages.protocols(tpl, api_res)
        if all(k.value == "WEBSOCKET" for k in kinds):
            continue
        found = stages.v2_stages(ctx.index, (tpl, lid)) or [stages.no_stage((tpl, lid))]
        verdict = _verdict("HTTP API", lid, found, [])
        if verdict is not None:
            message, variant = verdict
            message += _protocol_note(kinds)
            yield API_THROTTLING.finding(ERROR, tpl, lid, "", message, variant=variant or "http")


def _protocol_note(kinds: list) -> str:
    """When the protocol itself depends on a branch or cannot be read: say when it is HTTP (judged as HTTP when unknown)."""
    unknown = [k.value.detail for k in kinds if isinstance(k.value, Unknown)]
    if unknown:
        return f" Its ProtocolType cannot be read ({unknown[0]}): judged as an HTTP API."
    branches = [why(k.because) for k in kinds if k.value == "HTTP" and k.because]
    return f" It is an HTTP API{' or'.join(branches)}." if branches else ""


def websocket_throttling(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: every WebSocket message invokes a function; without stage throttling a client floods them."""
    for tpl, lid, api_res in ctx.index.of_type(stages.V2_API):
        kinds = stages.protocols(tpl, api_res)
        if not kinds or not all(k.value == "WEBSOCKET" for k in kinds):
            continue
        found = stages.v2_stages(ctx.index, (tpl, lid)) or [stages.no_stage((tpl, lid))]
        verdict = _verdict("WebSocket API", lid, found, [], MESSAGES)
        if verdict is not None:
            message, variant = verdict
            yield WEBSOCKET_THROTTLING.finding(ERROR, tpl, lid, "", message, variant=variant)


UNPROVEN = Fix(
    "Give the parameter AllowedValues that are all above 0, or Type: Number with MinValue: 1 (in `resources:`), or write the "
    "throttle as a number (custom.restStageThrottling of the rails plugin, or DefaultRouteSettings under `resources.extensions`).",
    "Give the parameter AllowedValues that are all above 0, or Type: Number with MinValue: 1, in template.yaml; or write the throttle as a number.",
    "Give the parameter AllowedValues that are all above 0, or Type: Number with MinValue: 1; or write the throttle as a number.",
)

API_THROTTLING = Rule(
    id="api-throttling",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="every live stage of a REST or HTTP API is throttled, in every branch (error)",
    help="Without throttling a flood reaches the functions at the account's 10,000 requests per second. Every live stage counts "
    "(a throttled stage beside an open one protects nothing), every method (one throttled method is not a throttled stage) "
    "and every value a deploy can give the rate and burst. A usage plan throttles only requests with its API key, so it "
    "counts only when every method requires one.",
    checks="every live stage (a `Deployment`'s `StageName`, each `Stage`, an HTTP API's quick-create `$default`, throttled through "
    "`ApiGatewayManagedOverrides`) has a stage-wide throttle, rate and burst above 0 on every `Fn::If` branch and parameter value: "
    "REST: the deployment's `StageDescription` or a `MethodSettings` entry for `ResourcePath: /*` and `HttpMethod: *` (a "
    "method's own entry does not count), or, when every method (OPTIONS "
    "excepted) requires an API key, the usage plans that name the stage, each with a throttle; HTTP API (also one imported from an OpenAPI `Body`, as SAM's `HttpApi`, or whose "
    "`ProtocolType` is spelled through `Fn::Sub`/`Fn::If`): the stage's `DefaultRouteSettings`. A stage, deployment or overrides resource under a resource `Condition` counts only where it exists. A rate or burst that is "
    "a parameter without `AllowedValues` or a `MinValue` above 0 cannot be proven (its own finding, with the fix that bounds it)",
    levels="error",
    fixes={
        "rest": Fix(
            "Set `custom.restStageThrottling: {{rateLimit: N, burstLimit: N}}` (slsguard's rails plugin writes it into the "
            "deployment's stage), or `provider.apiGateway.usagePlan.throttle` (rateLimit, burstLimit) with `apiKeys` and every "
            "http event `private: true`.",
            "Set `MethodSettings: [{{ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: N, ThrottlingBurstLimit: N}}]` "
            "on the AWS::Serverless::Api (or under `Globals: Api:`) in template.yaml.",
            "Set ThrottlingRateLimit and ThrottlingBurstLimit (above 0) in the Deployment's StageDescription, or a MethodSettings "
            "entry with ResourcePath /* and HttpMethod * on every AWS::ApiGateway::Stage.",
        ),
        "http": Fix(
            "Add `resources.extensions.HttpApiStage.Properties.DefaultRouteSettings` (ThrottlingRateLimit, ThrottlingBurstLimit) "
            "in serverless.yml: `provider.httpApi` has no throttling setting of its own.",
            "Set `DefaultRouteSettings: {{ThrottlingRateLimit: N, ThrottlingBurstLimit: N}}` on the AWS::Serverless::HttpApi "
            "(or under `Globals: HttpApi:`) in template.yaml.",
            "Set DefaultRouteSettings ThrottlingRateLimit and ThrottlingBurstLimit (above 0) on every AWS::ApiGatewayV2::Stage; "
            "for a quick-created API, on an AWS::ApiGatewayV2::ApiGatewayManagedOverrides.",
        ),
        "unproven": UNPROVEN,
    },
    check=api_throttling,
)

WEBSOCKET_THROTTLING = Rule(
    id="websocket-throttling",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="every WebSocket API stage has default-route throttling, in every branch (error)",
    help="Each WebSocket message invokes a function; without stage throttling connected clients set the bill.",
    checks="every live stage of a WebSocket API has `DefaultRouteSettings` with rate and burst above 0, on every branch and "
    "parameter value",
    levels="error",
    fixes={
        "": Fix(
            "Add `resources.extensions.WebsocketsDeploymentStage.Properties.DefaultRouteSettings` (ThrottlingRateLimit, "
            "ThrottlingBurstLimit) in serverless.yml.",
            "Set `DefaultRouteSettings` (ThrottlingRateLimit, ThrottlingBurstLimit) on the WebSocket API's "
            "AWS::ApiGatewayV2::Stage in template.yaml.",
            "Set DefaultRouteSettings ThrottlingRateLimit and ThrottlingBurstLimit on the WebSocket API's AWS::ApiGatewayV2::Stage.",
        ),
        "unproven": UNPROVEN,
    },
    check=websocket_throttling,
)

RULES = (API_THROTTLING, WEBSOCKET_THROTTLING)

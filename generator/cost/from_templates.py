"""Build the cost model from compiled templates, as the audit loads them (root and nested stacks).

Only CloudFormation types and references are read, never logical-id conventions: functions, their triggers
(API Gateway integrations, event source mappings, Events rules, Lambda permissions), stage throttles
(Deployment StageDescription, Stage MethodSettings, usage plans, HTTP API DefaultRouteSettings) and web ACLs.
"""

from __future__ import annotations

import re
from typing import Any

from ..audit.model import Index, literal_int
from ..cfn import refs
from ..cfn.template import Template, props, rtype
from . import assumptions as A
from .model import API, OTHER, QUEUE, SCHEDULE, Api, Function, Service, Trigger, WebAcl, key

FUNCTION = "AWS::Lambda::Function"
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
Ref = refs.Ref


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def schedule_rate(expression: Any) -> float | None:
    """Invocations per second of a ScheduleExpression: rate(N unit), or at most once a minute for cron()."""
    if not isinstance(expression, str):
        return None
    match = _RATE.match(expression.strip())
    if match:
        return 1 / (int(match.group(1)) * _UNIT_S[match.group(2).rstrip("s")])
    return A.CRON_RATE_PER_S if expression.strip().startswith("cron(") else None


def _rid(ref: Ref) -> tuple[int, str]:
    return id(ref[0]), ref[1]


def _function(tpl: Template, lid: str, resource: dict[str, Any]) -> Function:
    p = props(resource)
    arch = p.get("Architectures")
    snap = p.get("SnapStart")
    tracing = p.get("TracingConfig")
    return Function(
        stack=tpl.name,
        logical_id=lid,
        memory_mb=literal_int(p.get("MemorySize")) or 128,
        timeout_s=literal_int(p.get("Timeout")) or 3,
        architecture="arm64" if isinstance(arch, list) and "arm64" in arch else "x86_64",
        reserved=literal_int(p.get("ReservedConcurrentExecutions")),
        snapstart=isinstance(snap, dict) and snap.get("ApplyOn") == "PublishedVersions",
        tracing=isinstance(tracing, dict) and tracing.get("Mode") == "Active",
    )


def _stage_settings(settings: Any) -> float | None:
    """The stage-wide rate of a MethodSettings list (resource path /*, method *)."""
    if not isinstance(settings, list):
        return None
    rates = [
        _number(s.get("ThrottlingRateLimit"))
        for s in settings
        if isinstance(s, dict) and s.get("ResourcePath", "/*") == "/*" and s.get("HttpMethod", "*") == "*"
    ]
    found = [r for r in rates if r is not None]
    return min(found) if found else None


def _rest_api(index: Index, api: Ref) -> Api:
    stages: list[float | None] = []
    tracing = access = False
    for tpl, _lid, res in index.of_type("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage"):
        p = props(res)
        if not refs.points_to(p.get("RestApiId"), tpl, api):
            continue
        stage = p.get("StageDescription") if rtype(res) == "AWS::ApiGateway::Deployment" else p
        if not isinstance(stage, dict):
            if p.get("StageName"):  # a deployment that creates a stage with no settings: unthrottled
                stages.append(None)
            continue
        rates = [r for r in (_number(stage.get("ThrottlingRateLimit")), _stage_settings(stage.get("MethodSettings"))) if r is not None]
        stages.append(min(rates) if rates else None)
        tracing = tracing or stage.get("TracingEnabled") is True
        access = access or isinstance(stage.get("AccessLogSetting"), dict)
    rate: float | None = sum(r for r in stages if r is not None) if stages and all(r is not None for r in stages) else None
    if rate is None:
        rate = _usage_plan_rate(index, api)
    return Api(api[0].name, api[1], "rest", rate, tracing, access)


def _usage_plan_rate(index: Index, api: Ref) -> float | None:
    """Usage plans throttle per API key: the plan's rate times its keys."""
    total = None
    for tpl, lid, plan in index.of_type("AWS::ApiGateway::UsagePlan"):
        p = props(plan)
        stages = p.get("ApiStages")
        rate = _number(p.get("Throttle", {}).get("RateLimit")) if isinstance(p.get("Throttle"), dict) else None
        if rate is None or not isinstance(stages, list):
            continue
        if any(isinstance(s, dict) and refs.points_to(s.get("ApiId"), tpl, api) for s in stages):
            keys = sum(
                1
                for t, _l, k in index.of_type("AWS::ApiGateway::UsagePlanKey")
                if refs.points_to(props(k).get("UsagePlanId"), t, (tpl, lid))
            )
            total = (total or 0.0) + rate * max(keys, 1)
    return total


def _http_api(index: Index, api: Ref) -> Api:
    stages: list[float | None] = []
    access = False
    for tpl, _lid, res in index.of_type("AWS::ApiGatewayV2::Stage"):
        p = props(res)
        if refs.points_to(p.get("ApiId"), tpl, api):
            settings = p.get("DefaultRouteSettings")
            stages.append(_number(settings.get("ThrottlingRateLimit")) if isinstance(settings, dict) else None)
            access = access or isinstance(p.get("AccessLogSettings"), dict)
    rate = sum(r for r in stages if r is not None) if stages and all(r is not None for r in stages) else None
    return Api(api[0].name, api[1], "http", rate, False, access)


class _Builder:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.functions: dict[tuple[int, str], Function] = {}
        self.apis: dict[tuple[int, str], Api] = {}
        for tpl, lid, res in index.of_type(FUNCTION):
            self.functions[(id(tpl), lid)] = _function(tpl, lid, res)
        for tpl, lid, _res in index.of_type("AWS::ApiGateway::RestApi"):
            self.apis[(id(tpl), lid)] = _rest_api(index, (tpl, lid))
        for tpl, lid, res in index.of_type("AWS::ApiGatewayV2::Api"):
            if props(res).get("ProtocolType") == "HTTP":
                self.apis[(id(tpl), lid)] = _http_api(index, (tpl, lid))

    def add(self, fn_ref: Ref, trigger: Trigger) -> None:
        fn = self.functions.get(_rid(fn_ref))
        if fn is None or any(t.kind == trigger.kind and t.source == trigger.source for t in fn.triggers):
            return
        fn.triggers.append(trigger)

    def api_of(self, value: Any, tpl: Template) -> Api | None:
        for ref in refs.targets(value, tpl):
            if _rid(ref) in self.apis:
                return self.apis[_rid(ref)]
        return None

    def link_api(self, api: Api, fn_ref: Ref) -> None:
        fn = self.functions.get(_rid(fn_ref))
        if fn is None:
            return
        fn_key = key(fn.stack, fn.logical_id)
        if fn_key not in api.functions:
            api.functions.append(fn_key)
        self.add(fn_ref, Trigger(API, key(api.stack, api.logical_id)))

    def integrations(self) -> None:
        for tpl, _lid, method in self.index.of_type("AWS::ApiGateway::Method"):
            p = props(method)
            integration = p.get("Integration")
            api = self.api_of(p.get("RestApiId"), tpl)
            if api is not None and isinstance(integration, dict) and integration.get("Type") in ("AWS_PROXY", "AWS"):
                for fn in refs.functions(integration.get("Uri"), tpl):
                    self.link_api(api, fn)
        for tpl, _lid, integration in self.index.of_type("AWS::ApiGatewayV2::Integration"):
            p = props(integration)
            api = self.api_of(p.get("ApiId"), tpl)
            for fn in refs.functions(p.get("IntegrationUri"), tpl):
                if api is not None:
                    self.link_api(api, fn)
                else:  # a WebSocket API: priced per message and minute, not modelled: uncapped
                    self.add(fn, Trigger(OTHER, "WebSocket API"))

    def mappings(self) -> None:
        for tpl, _lid, mapping in self.index.of_type("AWS::Lambda::EventSourceMapping"):
            p = props(mapping)
            sources = list(refs.targets(p.get("EventSourceArn"), tpl))
            arn = p.get("EventSourceArn")
            sqs = any(rtype(t.resources.get(lid)) == "AWS::SQS::Queue" for t, lid in sources) or (isinstance(arn, str) and ":sqs:" in arn)
            source = key(sources[0][0].name, sources[0][1]) if sources else str(arn)
            scaling = p.get("ScalingConfig")
            maximum = literal_int(scaling.get("MaximumConcurrency")) if isinstance(scaling, dict) else None
            batch = literal_int(p.get("BatchSize")) or A.DEFAULT_BATCH_SIZE
            trigger = Trigger(QUEUE, source, maximum, None, batch) if sqs else Trigger(OTHER, f"event source {source}")
            for fn in refs.functions(p.get("FunctionName"), tpl):
                self.add(fn, trigger)

    def rules(self) -> None:
        for tpl, lid, rule in self.index.of_type("AWS::Events::Rule"):
            p = props(rule)
            rate = schedule_rate(p.get("ScheduleExpression"))
            trigger = Trigger(SCHEDULE, key(tpl.name, lid), None, rate) if rate else Trigger(OTHER, f"events rule {key(tpl.name, lid)}")
            for target in p.get("Targets") or []:
                if isinstance(target, dict):
                    for fn in refs.functions(target.get("Arn"), tpl):
                        self.add(fn, trigger)

    def permissions(self) -> None:
        for tpl, _lid, permission in self.index.of_type("AWS::Lambda::Permission"):
            p = props(permission)
            principal = p.get("Principal") if isinstance(p.get("Principal"), str) else "another principal"
            for fn_ref in refs.functions(p.get("FunctionName"), tpl):
                fn = self.functions.get(_rid(fn_ref))
                if fn is None:
                    continue
                sources = list(refs.targets(p.get("SourceArn"), tpl))
                api = next((self.apis[_rid(s)] for s in sources if _rid(s) in self.apis), None)
                if api is not None:
                    self.link_api(api, fn_ref)
                    continue
                rule_ids = {key(s[0].name, s[1]) for s in sources if rtype(s[0].resources.get(s[1])) == "AWS::Events::Rule"}
                known = principal.startswith("apigateway.") and any(t.kind == API for t in fn.triggers)
                if known or (rule_ids and any(t.source in rule_ids for t in fn.triggers)):
                    continue
                self.add(fn_ref, Trigger(OTHER, f"invoke permission for {principal}"))

    def provisioned(self) -> None:
        for tpl, lid, res in self.index.of_type("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            config = props(res).get("ProvisionedConcurrencyConfig")
            count = literal_int(config.get("ProvisionedConcurrentExecutions")) if isinstance(config, dict) else None
            fn_ref = refs.function_of((tpl, lid)) if count else None
            fn = self.functions.get(_rid(fn_ref)) if fn_ref else None
            if fn is not None and count:
                fn.provisioned += count

    def web_acls(self) -> list[WebAcl]:
        acls: dict[tuple[int, str], WebAcl] = {}
        for tpl, lid, res in self.index.of_type("AWS::WAFv2::WebACL"):
            rules = props(res).get("Rules")
            acls[(id(tpl), lid)] = WebAcl(tpl.name, lid, len(rules) if isinstance(rules, list) else 0)
        for tpl, _lid, res in self.index.of_type("AWS::WAFv2::WebACLAssociation"):
            p = props(res)
            acl = next((acls[_rid(r)] for r in refs.targets(p.get("WebACLArn"), tpl) if _rid(r) in acls), None)
            targets = list(refs.targets(p.get("ResourceArn"), tpl))
            for t, stage_id in targets:  # a Stage resource names its REST API
                if rtype(t.resources.get(stage_id)) == "AWS::ApiGateway::Stage":
                    targets.extend(refs.targets(props(t.resources[stage_id]).get("RestApiId"), t))
            api = next((self.apis[_rid(r)] for r in targets if _rid(r) in self.apis), None)
            if acl is not None and api is not None:
                acl_key = key(acl.stack, acl.logical_id)
                if acl_key not in api.web_acls:
                    api.web_acls.append(acl_key)
        return list(acls.values())


def build(index: Index, account_concurrency: int) -> Service:
    """The service the templates describe."""
    b = _Builder(index)
    b.integrations()
    b.mappings()
    b.rules()
    b.permissions()
    b.provisioned()
    acls = b.web_acls()
    return Service(list(b.functions.values()), list(b.apis.values()), acls, account_concurrency)

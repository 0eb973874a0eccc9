"""Build the cost model from compiled templates, as the audit loads them (root and nested stacks).

Only CloudFormation types and references are read, never logical-id conventions: functions, their triggers
(API Gateway integrations, event source mappings, Events rules, Lambda permissions), stage throttles
(Deployment StageDescription, Stage MethodSettings, usage plans, HTTP API DefaultRouteSettings) and web ACLs.
"""

from __future__ import annotations

import re
from typing import Any

from ..answers import limits
from ..cfn import invokers as inv
from ..cfn import refs
from ..cfn.index import Index
from ..cfn.invokers import Invoker
from ..cfn.template import Template, props, rtype
from ..cfn.values import ABSENT, Possible, possible, shallow
from . import apis
from . import assumptions as A
from .largest import largest, pick
from .model import API, AUTHORIZER, OTHER, QUEUE, SCHEDULE, Api, Function, Service, Trigger, WebAcl, key

FUNCTION = "AWS::Lambda::Function"
MAX_POLLERS = 1000  # ScalingConfig.MaximumConcurrency accepts 2..1000 (Lambda EventSourceMapping docs)
MAX_BATCH = 10_000  # SQS BatchSize accepts up to 10,000 (with a batching window)
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
Ref = refs.Ref


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


def _function(tpl: Template, lid: str, resource: dict[str, Any], flags: list[dict[str, str]], account: int) -> Function:
    """A function as billed: memory, timeout and reserved concurrency at the largest value a deploy can give them."""
    p = props(resource)
    chosen: list[str] = []

    def read(name: str, aws_max: float, absent: float | None) -> float | None:
        picked = largest(tpl, p.get(name), _label(tpl, lid), name, aws_max, absent)
        if picked.unbounded:
            flags.append({"stack": tpl.name, "logical_id": lid, "reason": picked.unbounded})
        if picked.because:
            chosen.append(f"{name} {'none' if picked.value is None else f'{picked.value:g}'}: {picked.because}")
        return picked.value

    memory = read("MemorySize", limits.LAMBDA_MAX_MEMORY_MB, limits.LAMBDA_MIN_MEMORY_MB)
    timeout = read("Timeout", limits.LAMBDA_MAX_TIMEOUT_S, limits.LAMBDA_DEFAULT_TIMEOUT_S)
    reserved = read("ReservedConcurrentExecutions", account - limits.LAMBDA_UNRESERVED_MINIMUM, None)  # the most AWS lets one reserve
    return Function(
        stack=tpl.name,
        logical_id=lid,
        memory_mb=int(memory or limits.LAMBDA_MIN_MEMORY_MB),
        timeout_s=max(int(timeout or limits.LAMBDA_DEFAULT_TIMEOUT_S), 1),
        # The dearer choice where a branch decides: x86_64 unless every branch is arm64; SnapStart and tracing if any branch has them.
        architecture="arm64" if all(isinstance(a, list) and "arm64" in a for a in _values(p.get("Architectures"), tpl)) else "x86_64",
        reserved=None if reserved is None else int(reserved),
        snapstart=any(_at(s, "ApplyOn") == "PublishedVersions" for s in _values(p.get("SnapStart"), tpl)),
        tracing=any(_at(t, "Mode") == "Active" for t in _values(p.get("TracingConfig"), tpl)),
        chosen=chosen,
    )


def _values(raw: Any, tpl: Template) -> list[Any]:
    """Every value a deploy can give a property (ABSENT where it may be missing)."""
    return [p.value for p in possible(raw, tpl)]


def _at(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _label(tpl: Template, lid: str) -> str:
    return lid if tpl.name == "root" else f"{tpl.name}/{lid}"


# The order a function's invokers are read in (a permission is judged against the triggers found before it), and
# the method that reads each; SNS and S3 invoke through the permission they need, which is read instead.
ORDER = {inv.METHOD: 0, inv.V2_INTEGRATION: 0, inv.MAPPING: 1, inv.RULE: 2, inv.SCHEDULE: 2, inv.URL: 3, inv.PERMISSION: 4}
ORDER_HANDLERS = {
    inv.METHOD: "_api",
    inv.V2_INTEGRATION: "_api",
    inv.MAPPING: "_mapping",
    inv.RULE: "_schedule",
    inv.SCHEDULE: "_schedule",
    inv.URL: "_url",
    inv.PERMISSION: "_permission",
}


class _Builder:
    def __init__(self, index: Index, account_concurrency: int) -> None:
        self.index = index
        self.functions: dict[tuple[int, str], Function] = {}
        self.apis: dict[tuple[int, str], Api] = {}
        self.flags: list[dict[str, str]] = []
        self.located: dict[tuple[int, str], tuple[Template, str]] = {}
        for tpl, lid, res in index.of_type(FUNCTION):
            self.functions[(id(tpl), lid)] = _function(tpl, lid, res, self.flags, account_concurrency)
            self.located[(id(tpl), lid)] = (tpl, lid)
        for tpl, lid, _res in index.of_type("AWS::ApiGateway::RestApi"):
            self.apis[(id(tpl), lid)] = apis.rest_api(index, tpl, lid, self.flags)
        for tpl, lid, res in index.of_type("AWS::ApiGatewayV2::Api"):
            if apis.is_http(tpl, res):
                self.apis[(id(tpl), lid)] = apis.http_api(index, tpl, lid, self.flags)

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
        if fn is None or any(t.kind == AUTHORIZER for t in fn.triggers):  # an authorizer's permission names the API too
            return
        fn_key = key(fn.stack, fn.logical_id)
        if fn_key not in api.functions:
            api.functions.append(fn_key)
        self.add(fn_ref, Trigger(API, key(api.stack, api.logical_id)))

    def authorizers(self) -> None:
        """Lambda authorizers (REST TOKEN/REQUEST, HTTP API REQUEST): invoked on every request of their API."""
        for tpl, _lid, res in self.index.of_type("AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer"):
            p = props(res)
            api = self.api_of(p.get("RestApiId" if rtype(res) == "AWS::ApiGateway::Authorizer" else "ApiId"), tpl)
            for fn_ref in refs.functions(p.get("AuthorizerUri"), tpl) if api is not None else []:
                self.add(fn_ref, Trigger(AUTHORIZER, key(api.stack, api.logical_id)))

    def triggers(self) -> None:
        """Each function's triggers from the shared walk of what invokes it: APIs first, then queues, schedules, permissions."""
        for fn_key, found in inv.invokers(self.index).items():
            if fn_key not in self.located:
                continue
            fn_ref = self.located[fn_key]
            for invoker in sorted(found, key=lambda i: ORDER.get(i.type, len(ORDER))):
                handle = getattr(self, ORDER_HANDLERS.get(invoker.type, ""), None)
                if handle is not None:
                    handle(fn_ref, invoker)

    def _api(self, fn_ref: Ref, i: Invoker) -> None:
        api = self.api_of(i.part.get("RestApiId" if i.type == inv.METHOD else "ApiId"), i.tpl)
        if api is not None:
            self.link_api(api, fn_ref)
        elif i.type == inv.V2_INTEGRATION:  # a WebSocket API: priced per message and minute, not modelled: uncapped
            self.add(fn_ref, Trigger(OTHER, "WebSocket API"))

    def _mapping(self, fn_ref: Ref, i: Invoker) -> None:
        p, tpl = i.part, i.tpl
        sources = list(refs.targets(p.get("EventSourceArn"), tpl))
        arn = p.get("EventSourceArn")
        sqs = any(rtype(t.resources.get(lid)) == "AWS::SQS::Queue" for t, lid in sources) or (isinstance(arn, str) and ":sqs:" in arn)
        source = key(sources[0][0].name, sources[0][1]) if sources else str(arn)
        scaling = p.get("ScalingConfig")
        label = _label(tpl, i.logical_id)
        caps = [
            Possible(v.value.get("MaximumConcurrency", ABSENT) if isinstance(v.value, dict) else v.value, v.because)
            for v in possible(scaling, tpl)
        ]
        cap = pick(caps, label, "MaximumConcurrency", MAX_POLLERS, None)
        batch = largest(tpl, p.get("BatchSize"), label, "BatchSize", MAX_BATCH, A.DEFAULT_BATCH_SIZE)
        self.flags.extend({"stack": tpl.name, "logical_id": i.logical_id, "reason": c.unbounded} for c in (cap, batch) if c.unbounded)
        maximum = None if cap.value is None else int(cap.value)
        trigger = Trigger(QUEUE, source, maximum, None, int(batch.value or A.DEFAULT_BATCH_SIZE))
        self.add(fn_ref, trigger if sqs else Trigger(OTHER, f"event source {source}"))

    def _schedule(self, fn_ref: Ref, i: Invoker) -> None:
        p = props(i.tpl.resources.get(i.logical_id))
        rates = [schedule_rate(v) for v in _values(p.get("ScheduleExpression"), i.tpl)]
        rate = None if None in rates else max(rates, default=None)  # the fastest schedule; a branch without one is uncapped
        if i.type == inv.RULE and any(v is not ABSENT for v in _values(p.get("EventPattern"), i.tpl)):
            rate = None
        where = key(i.tpl.name, i.logical_id)
        self.add(fn_ref, Trigger(SCHEDULE, where, None, rate) if rate else Trigger(OTHER, f"events rule {where}"))

    def _url(self, fn_ref: Ref, i: Invoker) -> None:
        self.add(fn_ref, Trigger(OTHER, f"function URL {key(i.tpl.name, i.logical_id)}"))

    def _permission(self, fn_ref: Ref, i: Invoker) -> None:
        p, tpl = i.part, i.tpl
        fn = self.functions[_rid(fn_ref)]
        principals = [v if isinstance(v, str) else "another principal" for v in _values(p.get("Principal"), tpl)]
        principal = " or ".join(dict.fromkeys(principals)) or "another principal"
        sources = list(refs.targets(p.get("SourceArn"), tpl))
        api = next((self.apis[_rid(s)] for s in sources if _rid(s) in self.apis), None)
        if api is not None:
            self.link_api(api, fn_ref)
            return
        rule_ids = {key(s[0].name, s[1]) for s in sources if rtype(s[0].resources.get(s[1])) == "AWS::Events::Rule"}
        known = all(v.startswith("apigateway.") for v in principals) and any(t.kind == API for t in fn.triggers)
        if known or (rule_ids and any(t.source in rule_ids for t in fn.triggers)):
            return
        url = "InvokeFunctionUrl" in str(p.get("Action"))  # the permission a function URL needs: the URL is the trigger
        if url and any(t.source.startswith("function URL") for t in fn.triggers):
            return
        self.add(fn_ref, Trigger(OTHER, f"invoke permission for {principal}"))

    def provisioned(self) -> None:
        for tpl, lid, res in self.index.of_type("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            configs = [c.value for c in shallow(props(res).get("ProvisionedConcurrencyConfig"), tpl) if isinstance(c.value, dict)]
            label, most = _label(tpl, lid), limits.LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY
            picked = [
                largest(tpl, c.get("ProvisionedConcurrentExecutions"), label, "ProvisionedConcurrentExecutions", most, 0) for c in configs
            ]
            count = int(max((c.value or 0 for c in picked), default=0))
            fn_ref = refs.function_of((tpl, lid)) if count else None
            fn = self.functions.get(_rid(fn_ref)) if fn_ref else None
            if fn is not None and count:
                fn.provisioned += count

    def web_acls(self) -> list[WebAcl]:
        acls: dict[tuple[int, str], WebAcl] = {}
        for tpl, lid, res in self.index.of_type("AWS::WAFv2::WebACL"):
            rules = max((len(r.value) for r in shallow(props(res).get("Rules"), tpl) if isinstance(r.value, list)), default=0)
            acls[(id(tpl), lid)] = WebAcl(tpl.name, lid, rules)
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
    b = _Builder(index, account_concurrency)
    b.authorizers()
    b.triggers()
    b.provisioned()
    acls = b.web_acls()
    return Service(list(b.functions.values()), list(b.apis.values()), acls, account_concurrency, b.flags)

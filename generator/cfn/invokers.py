"""What invokes each Lambda function, walked once per set of templates and shared.

The audit's reserved-concurrency rule (is only a capped queue or a schedule invoking it?), its
async-failure-destination rule (is anything invoking it asynchronously?) and ``slsguard cost`` (what caps its
rate?) all ask the same question. ``invokers(index)`` answers it once and keeps the answer in
``index.derived``: for each function, every resource that invokes it, in a fixed order of resource types
(EventBridge rules, schedules, SNS subscriptions and topics, S3 notifications, permissions, event source mappings,
function URLs, API Gateway integrations), each with the part of the resource that names the function. Lists and
mappings behind ``Fn::If`` are read in every branch (``generator/cfn/values.py``): a target or an integration that
exists in one branch invokes the function in that branch.

A function is found by reference (through nested stacks, aliases and versions, ``refs.functions``) or by a
literal name or ARN that names a function in the templates.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from . import refs
from .template import Template, props
from .values import items, possible, shallow

Key = tuple[int, str]  # (id of the template, logical id of the function)

RULE = "AWS::Events::Rule"
SCHEDULE = "AWS::Scheduler::Schedule"
SNS_SUBSCRIPTION = "AWS::SNS::Subscription"
SNS_TOPIC = "AWS::SNS::Topic"
BUCKET = "AWS::S3::Bucket"
PERMISSION = "AWS::Lambda::Permission"
MAPPING = "AWS::Lambda::EventSourceMapping"
URL = "AWS::Lambda::Url"
METHOD = "AWS::ApiGateway::Method"
V2_INTEGRATION = "AWS::ApiGatewayV2::Integration"
LAMBDA_INTEGRATIONS = ("AWS_PROXY", "AWS")  # integration types that invoke a Lambda function


class Functions(Protocol):
    """What the walk reads: resources by type, functions by literal name, and a place to keep the answer (the audit's Index)."""

    derived: dict[str, Any]

    def of_type(self, *types: str) -> list[tuple[Template, str, dict[str, Any]]]: ...

    def function_by_name(self, name: str) -> tuple[Template, str, dict[str, Any]] | None: ...


class Invoker(NamedTuple):
    """One resource that invokes a function: its type, where it is, and the part of it that names the function
    (a rule's target, a topic's subscription, a bucket's notification, a permission's or mapping's properties)."""

    type: str
    tpl: Template
    logical_id: str
    part: dict[str, Any]


def key(tpl: Template, logical_id: str) -> Key:
    """How ``invokers`` keys a function."""
    return id(tpl), logical_id


def named(index: Functions, value: Any, tpl: Template) -> list[Key]:
    """The functions an expression names: by reference (through nested stacks, aliases, versions) or literal name or ARN."""
    if isinstance(value, str):
        found = index.function_by_name(value.rsplit(":function:", 1)[-1].split(":", 1)[0])
        return [key(found[0], found[1])] if found else []
    return [key(t, lid) for t, lid in refs.functions(value, tpl)]


def _mappings(value: Any, tpl: Template) -> list[dict[str, Any]]:
    """Every mapping a value may be (an ``Fn::If`` around it resolved; a branch that is not a mapping dropped)."""
    return [p.value for p in shallow(value, tpl) if isinstance(p.value, dict)]


def _elements(value: Any, tpl: Template) -> list[dict[str, Any]]:
    """Every mapping a list-valued property may hold, in any branch (the list or its elements behind ``Fn::If``)."""
    return [p.value for _i, p in items(value, tpl) if isinstance(p.value, dict)]


def _any(value: Any, tpl: Template, accepted: tuple[str, ...]) -> bool:
    """Whether some value a deploy can give is one of ``accepted`` (case-insensitive)."""
    return any(isinstance(p.value, str) and p.value.upper() in accepted for p in possible(value, tpl))


def _walk(index: Functions) -> dict[Key, list[Invoker]]:
    out: dict[Key, list[Invoker]] = {}

    def add(value: Any, tpl: Template, rtype: str, lid: str, part: dict[str, Any]) -> None:
        for fn in named(index, value, tpl):
            if not any(i.tpl is tpl and i.logical_id == lid and i.part is part for i in out.get(fn, ())):
                out.setdefault(fn, []).append(Invoker(rtype, tpl, lid, part))

    for tpl, lid, res in index.of_type(RULE):
        for target in _elements(props(res).get("Targets"), tpl):
            add(target.get("Arn"), tpl, RULE, lid, target)
    for tpl, lid, res in index.of_type(SCHEDULE):
        for target in _mappings(props(res).get("Target"), tpl):
            add(target.get("Arn"), tpl, SCHEDULE, lid, target)
    for tpl, lid, res in index.of_type(SNS_SUBSCRIPTION):
        p = props(res)
        if _any(p.get("Protocol"), tpl, ("LAMBDA",)):
            add(p.get("Endpoint"), tpl, SNS_SUBSCRIPTION, lid, p)
    for tpl, lid, res in index.of_type(SNS_TOPIC):
        for sub in _elements(props(res).get("Subscription"), tpl):
            if _any(sub.get("Protocol"), tpl, ("LAMBDA",)):
                add(sub.get("Endpoint"), tpl, SNS_TOPIC, lid, sub)
    for tpl, lid, res in index.of_type(BUCKET):
        for config in _mappings(props(res).get("NotificationConfiguration"), tpl):
            for entry in _elements(config.get("LambdaConfigurations"), tpl):
                add(entry.get("Function"), tpl, BUCKET, lid, entry)
    for rtype, name in ((PERMISSION, "FunctionName"), (MAPPING, "FunctionName"), (URL, "TargetFunctionArn")):
        for tpl, lid, res in index.of_type(rtype):
            p = props(res)
            add(p.get(name), tpl, rtype, lid, p)
    for tpl, lid, res in index.of_type(METHOD):
        p = props(res)
        for integration in _mappings(p.get("Integration"), tpl):
            if _any(integration.get("Type"), tpl, LAMBDA_INTEGRATIONS):
                for fn in refs.functions(integration.get("Uri"), tpl):  # an integration URI is never a bare function name
                    out.setdefault(key(*fn), []).append(Invoker(METHOD, tpl, lid, p))
    for tpl, lid, res in index.of_type(V2_INTEGRATION):
        p = props(res)
        if _any(p.get("IntegrationType"), tpl, LAMBDA_INTEGRATIONS):
            for fn in refs.functions(p.get("IntegrationUri"), tpl):
                out.setdefault(key(*fn), []).append(Invoker(V2_INTEGRATION, tpl, lid, p))
    return out


def invokers(index: Functions) -> dict[Key, list[Invoker]]:
    """Every function's invokers, walked on first use and kept in ``index.derived`` for the rest of the run."""
    found = index.derived.get("invokers")
    if found is None:
        found = index.derived["invokers"] = _walk(index)
    return found

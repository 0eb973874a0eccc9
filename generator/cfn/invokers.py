"""What invokes each Lambda function, walked once per set of templates and shared.

The audit's reserved-concurrency rule (is only a capped queue or a schedule invoking it?), its
async-failure-destination rule (is anything invoking it asynchronously?) and ``slsguard cost`` (what caps its
rate?) all ask the same question. ``invokers(index)`` answers it once and keeps the answer in
``index.derived``: for each function, every resource that invokes it, in a fixed order of resource types
(EventBridge rules, schedules, SNS subscriptions and topics, S3 notifications, permissions, event source mappings,
function URLs, API Gateway integrations), each with the part of the resource that names the function.

A function is found by reference (through nested stacks, aliases and versions, ``refs.functions``) or by a
literal name or ARN that names a function in the templates.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from . import refs
from .template import Template, props

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


def _integration(p: dict[str, Any], uri: str) -> bool:
    return str(p.get("IntegrationType" if uri == "IntegrationUri" else "Type", "")).upper() in ("AWS_PROXY", "AWS")


def _walk(index: Functions) -> dict[Key, list[Invoker]]:
    out: dict[Key, list[Invoker]] = {}

    def add(value: Any, tpl: Template, rtype: str, lid: str, part: dict[str, Any]) -> None:
        for fn in named(index, value, tpl):
            out.setdefault(fn, []).append(Invoker(rtype, tpl, lid, part))

    for tpl, lid, res in index.of_type(RULE):
        for target in props(res).get("Targets") or []:
            if isinstance(target, dict):
                add(target.get("Arn"), tpl, RULE, lid, target)
    for tpl, lid, res in index.of_type(SCHEDULE):
        target = props(res).get("Target")
        if isinstance(target, dict):
            add(target.get("Arn"), tpl, SCHEDULE, lid, target)
    for tpl, lid, res in index.of_type(SNS_SUBSCRIPTION):
        p = props(res)
        if p.get("Protocol") == "lambda":
            add(p.get("Endpoint"), tpl, SNS_SUBSCRIPTION, lid, p)
    for tpl, lid, res in index.of_type(SNS_TOPIC):
        for sub in props(res).get("Subscription") or []:
            if isinstance(sub, dict) and sub.get("Protocol") == "lambda":
                add(sub.get("Endpoint"), tpl, SNS_TOPIC, lid, sub)
    for tpl, lid, res in index.of_type(BUCKET):
        config = props(res).get("NotificationConfiguration")
        for entry in config.get("LambdaConfigurations") or [] if isinstance(config, dict) else []:
            if isinstance(entry, dict):
                add(entry.get("Function"), tpl, BUCKET, lid, entry)
    for rtype, name in ((PERMISSION, "FunctionName"), (MAPPING, "FunctionName"), (URL, "TargetFunctionArn")):
        for tpl, lid, res in index.of_type(rtype):
            p = props(res)
            add(p.get(name), tpl, rtype, lid, p)
    for rtype, uri in ((METHOD, "Uri"), (V2_INTEGRATION, "IntegrationUri")):
        for tpl, lid, res in index.of_type(rtype):
            p = props(res)
            integration = p.get("Integration") if rtype == METHOD else p
            if isinstance(integration, dict) and _integration(integration, uri):
                for fn in refs.functions(integration.get(uri), tpl):  # an integration URI is never a bare function name
                    out.setdefault(key(*fn), []).append(Invoker(rtype, tpl, lid, p))
    return out


def invokers(index: Functions) -> dict[Key, list[Invoker]]:
    """Every function's invokers, walked on first use and kept in ``index.derived`` for the rest of the run."""
    found = index.derived.get("invokers")
    if found is None:
        found = index.derived["invokers"] = _walk(index)
    return found

"""Rules that hold every function to the rails, on any compiled template (seed challenges 1 and 2).

The generated project's rails plugin adds these to every function at package time; a function added
by hand to a project without the plugin, or a template built elsewhere, is caught here. Which rail
satisfies which rule is the rails table's ``audit`` column (``.serverless_plugins/rails/table.js``);
a test holds that every rule here is named there. SQS consumers are queues.py's: no rail writes them.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any

from ..cfn import invokers as inv
from ..cfn import refs
from . import warmer
from .model import ERROR, FUNCTION, Context, Finding, Index, Template, as_list, fn_label, props, rtype
from .rule import Fix, Rule

ALARM = "AWS::CloudWatch::Alarm"
INVOKE = "lambda:invokefunction"  # IAM action names match case-insensitively, with * and ? wildcards
# Services that invoke Lambda asynchronously through a resource-based permission (Principal <service>.amazonaws.com).
# The framework's own custom-resource function (existing S3 buckets, Cognito pools, event buses): deploy-time only.
FRAMEWORK_FUNCTION_PREFIX = "CustomDashresource"
ASYNC_PRINCIPALS = ("events", "sns", "s3", "ses", "iot", "logs", "codecommit", "config", "cloudwatch")

_SUB_VAR = re.compile(r"\$\{[^}]*\}")

Key = tuple[int, str]  # (id of the template, logical id): one function, wherever it lives


def _key(tpl: Template, lid: str) -> Key:
    return id(tpl), lid


def _warmers(index: Index) -> set[Key]:
    return {_key(w.tpl, w.logical_id) for w in warmer.find(index)}


_named = inv.named  # by reference or literal name/ARN, as the shared walk reads invokers


# --- 2 observability: every function has an errors alarm ---------------------------------------


def _alarm_metrics(alarm: dict[str, Any]) -> Iterator[dict[str, Any]]:
    p = props(alarm)
    yield p
    for query in p.get("Metrics") or []:
        stat = query.get("MetricStat") if isinstance(query, dict) else None
        metric = stat.get("Metric") if isinstance(stat, dict) else None
        if isinstance(metric, dict):
            yield metric


def errors_alarm(ctx: Context) -> Iterator[Finding]:
    """Challenge 2: a function nobody alarms on fails silently; the warmer (a lost ping costs nothing) and the framework's
    custom-resource function (it runs only during a deployment, which reports its failure) excepted."""
    if ctx.unresolved:
        return  # its alarm may be in the nested stack nobody could read (nested-unaudited warns about that)
    covered: set[Key] = set()
    for tpl, _lid, alarm in ctx.index.of_type(ALARM):
        for metric in _alarm_metrics(alarm):
            if metric.get("Namespace") != "AWS/Lambda" or metric.get("MetricName") != "Errors":
                continue
            for dim in metric.get("Dimensions") or []:
                if isinstance(dim, dict) and dim.get("Name") == "FunctionName":
                    covered.update(_named(ctx.index, dim.get("Value"), tpl))
    skip = _warmers(ctx.index)
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        if _key(tpl, lid) in covered or _key(tpl, lid) in skip or lid.startswith(FRAMEWORK_FUNCTION_PREFIX):
            continue
        yield ERRORS_ALARM.finding(
            ERROR,
            tpl,
            lid,
            "",
            f"Function {fn_label(fn, lid)} has no AWS/Lambda Errors alarm on its FunctionName: when it fails, nobody is told.",
            function=lid,
        )


# --- 1 cold start: the warmer may invoke what it pings ---------------------------------------


def _role_statements(ctx: Context, role: tuple[Template, str]) -> Iterator[tuple[Template, dict[str, Any]]]:
    """Every statement of a role's inline policies and of the AWS::IAM::Policy resources attached to it."""
    rtpl, rlid = role
    documents = [(rtpl, p.get("PolicyDocument")) for p in props(rtpl.resources[rlid]).get("Policies") or [] if isinstance(p, dict)]
    for tpl, _lid, policy in ctx.index.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        p = props(policy)
        attached = p.get("Roles") or []
        if any(refs.points_to(r, tpl, role) for r in attached if not isinstance(r, str)):
            documents.append((tpl, p.get("PolicyDocument")))
    for tpl, doc in documents:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict) and statement.get("Effect") == "Allow":
                yield tpl, statement


def _function_pattern(resource: Any) -> str | None:
    """The function-name part of a literal or ``Fn::Sub`` ARN, each ``${...}`` as a wildcard."""
    if isinstance(resource, dict) and len(resource) == 1 and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        resource = sub[0] if isinstance(sub, list) and sub else sub
        resource = _SUB_VAR.sub("*", resource) if isinstance(resource, str) else None
    if not isinstance(resource, str) or ":function:" not in resource:
        return None
    return resource.rsplit(":function:", 1)[1].split(":", 1)[0]


def _allows_invoke(ctx: Context, statements: list[tuple[Template, dict[str, Any]]], target: Key, name: str) -> bool:
    for tpl, statement in statements:
        actions = [a.lower() for a in as_list(statement.get("Action")) if isinstance(a, str)]
        if not any(fnmatch.fnmatchcase(INVOKE, action) for action in actions):
            continue
        for resource in as_list(statement.get("Resource")):
            if resource == "*" or target in _named(ctx.index, resource, tpl):
                return True
            pattern = _function_pattern(resource)
            if pattern is not None and fnmatch.fnmatchcase(name, pattern):
                return True
    return False


def warmer_permission(ctx: Context) -> Iterator[Finding]:
    """Challenge 1: a warmer whose role may not invoke a target is refused on every ping, and nothing reports it."""
    for w in warmer.find(ctx.index):
        role = next(iter(refs.targets(props(w.tpl.resources[w.logical_id]).get("Role"), w.tpl)), None)
        if w.targets is None or role is None or rtype(role[0].resources.get(role[1])) != "AWS::IAM::Role":
            continue  # unreadable targets are warmer-concurrency's warning; an external role cannot be read
        statements = list(_role_statements(ctx, role))
        for target in w.targets:
            found = ctx.index.function_by_name(target.function_name)
            if found is None:
                continue
            tpl, lid, fn = found
            if _allows_invoke(ctx, statements, _key(tpl, lid), target.function_name):
                continue
            yield WARMER_PERMISSION.finding(
                ERROR,
                role[0],
                role[1],
                "Properties.Policies",
                f"Warmer {w.name} pings {fn_label(fn, lid)}, but its role {role[1]} may not lambda:InvokeFunction it: every ping "
                "is refused and that function stays cold.",
                function=lid,
            )


# --- 2 observability: asynchronous invocations keep their failures ----------------------------


# What an asynchronous invoker is called in a message, by resource type (the shared walk: generator/cfn/invokers.py).
ASYNC_TYPES = {
    inv.RULE: "EventBridge rule",
    inv.SCHEDULE: "EventBridge schedule",
    inv.SNS_SUBSCRIPTION: "SNS subscription",
    inv.SNS_TOPIC: "SNS topic",
    inv.BUCKET: "S3 bucket",
}


def _async_callers(ctx: Context) -> dict[Key, str]:
    """Functions invoked asynchronously, each with what invokes it (the first found)."""
    callers: dict[Key, str] = {}
    for fn, found in inv.invokers(ctx.index).items():
        for i in found:
            if i.type in ASYNC_TYPES:
                callers.setdefault(fn, f"{ASYNC_TYPES[i.type]} {i.logical_id}")
            elif i.type == inv.PERMISSION:
                principal = json.dumps(i.part.get("Principal"))
                service = next((s for s in ASYNC_PRINCIPALS if f'"{s}.' in principal), None)
                if service is not None:
                    callers.setdefault(fn, f"{service} (permission {i.logical_id})")
    return callers


def _on_failure(ctx: Context) -> set[Key]:
    """Functions with an EventInvokeConfig OnFailure destination."""
    out: set[Key] = set()
    for tpl, _lid, config in ctx.index.of_type("AWS::Lambda::EventInvokeConfig"):
        p = props(config)
        destination = p.get("DestinationConfig")
        on_failure = destination.get("OnFailure") if isinstance(destination, dict) else None
        if isinstance(on_failure, dict) and on_failure.get("Destination"):
            out.update(_named(ctx.index, p.get("FunctionName"), tpl))
    return out


def async_failure_destination(ctx: Context) -> Iterator[Finding]:
    """Challenge 2: an asynchronous event that fails its retries is dropped silently without a DLQ or OnFailure destination."""
    if ctx.unresolved:
        return  # its EventInvokeConfig may be in the nested stack nobody could read
    callers = _async_callers(ctx)
    handled = _on_failure(ctx) | _warmers(ctx.index)  # a lost warm-up ping costs nothing
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        key = _key(tpl, lid)
        dead_letter = props(fn).get("DeadLetterConfig")
        if key not in callers or key in handled or (isinstance(dead_letter, dict) and dead_letter.get("TargetArn")):
            continue
        yield ASYNC_FAILURE_DESTINATION.finding(
            ERROR,
            tpl,
            lid,
            "Properties.DeadLetterConfig",
            f"Function {fn_label(fn, lid)} is invoked asynchronously (by {callers[key]}) with no DeadLetterConfig and no "
            "EventInvokeConfig OnFailure destination: an event that fails its retries is lost silently.",
        )


ERRORS_ALARM = Rule(
    id="errors-alarm",
    challenge="2 observability",
    severity=ERROR,
    summary="every function but the warmer has an AWS/Lambda Errors alarm (error)",
    help="A function that fails with no Errors alarm on it fails silently: nobody is told until a user complains.",
    checks="every function has an `AWS/Lambda` `Errors` alarm whose `FunctionName` dimension names it (by `Ref`, through nested stacks, or literally; metric-math alarms count); the warmer (a lost ping costs nothing) and the framework's `CustomDashresource...` function (deploy-time only) are excepted; skipped while a nested stack is unaudited (its alarm may be there)",
    levels="error",
    fixes={
        "": Fix(
            "Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`, `custom.rails.alarmTopic` set; a generated project has it): it alarms on every function, also those added by hand or with `slsguard add`. Without it, add an AWS::CloudWatch::Alarm on AWS/Lambda Errors with Dimensions FunctionName: {{Ref: {function}}} under `resources:`.",
            "Add an AWS::CloudWatch::Alarm (Namespace AWS/Lambda, MetricName Errors, Dimensions FunctionName: !Ref {function}, AlarmActions: a topic) to template.yaml.",
            "Add an AWS::CloudWatch::Alarm on MetricName Errors (Namespace AWS/Lambda) with Dimensions FunctionName: {{Ref: {function}}} and an AlarmActions topic.",
        )
    },
    check=errors_alarm,
)

WARMER_PERMISSION = Rule(
    id="warmer-permission",
    challenge="1 cold start",
    severity=ERROR,
    summary="the warmer's role may invoke every function it pings (error)",
    help="A ping the warmer's role may not send is refused by IAM every round: the function is never warmed and nothing reports it.",
    checks="the warmer's role (inline policies and attached `AWS::IAM::Policy`) allows `lambda:InvokeFunction` (wildcards honoured) on every function it pings (targets from its code artifact), by reference, `*`, or a literal / `Fn::Sub` ARN",
    levels="error",
    fixes={
        "": Fix(
            "Set `custom.rails.warmerRole` (the rails plugin gives that role lambda:InvokeFunction on exactly the functions the warmer pings, also those added with `slsguard add`), or allow it on `Fn::GetAtt: [{function}, Arn]` in the role named by `custom.warmup.<warmer>.role`.",
            "Allow `lambda:InvokeFunction` on `!GetAtt {function}.Arn` in the warmer's role in template.yaml (e.g. the `LambdaInvokePolicy: {{FunctionName: !Ref {function}}}` policy template).",
            "Allow lambda:InvokeFunction on {{Fn::GetAtt: [{function}, Arn]}} in the warmer's role.",
        )
    },
    check=warmer_permission,
)

ASYNC_FAILURE_DESTINATION = Rule(
    id="async-failure-destination",
    challenge="2 observability",
    severity=ERROR,
    summary="an asynchronously invoked function has a DeadLetterConfig or an OnFailure destination (error)",
    help="After its retries an asynchronous event that failed is dropped unless a dead-letter queue or OnFailure destination keeps it.",
    checks="a function invoked asynchronously (an EventBridge rule or schedule target, an SNS subscription, an S3 notification, or a `Lambda::Permission` for events, sns, s3, ses, iot, logs, ...) has `DeadLetterConfig.TargetArn` or an `EventInvokeConfig` with `OnFailure`; synchronous-only functions and the warmer are not asked; skipped while a nested stack is unaudited",
    levels="error",
    fixes={
        "": Fix(
            "Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`): it gives every asynchronous function a failure queue with an alarm. Without it, set `destinations: {{onFailure: <queue ARN>}}` on the function in serverless.yml and alarm on the queue.",
            "Set `DeadLetterQueue: {{Type: SQS, TargetArn: ...}}` or `EventInvokeConfig: {{DestinationConfig: {{OnFailure: ...}}}}` on the function in template.yaml, with an alarm on that queue.",
            "Set DeadLetterConfig.TargetArn to an SQS queue, or add an AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure, with an alarm on it.",
        )
    },
    check=async_failure_destination,
)
RULES = (ERRORS_ALARM, WARMER_PERMISSION, ASYNC_FAILURE_DESTINATION)

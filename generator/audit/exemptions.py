"""Explicit exemptions: ``Metadata: {slsguard: {exempt: {<rule-id>: "<reason>"}}}`` on a resource, or on a
template for the whole stack (and the stacks nested below it). The reason is required; an exempted
finding stays in the report, marked with it, and no longer fails the audit.

An exemption reaches the findings a user would name it by:

- on a resource: that resource's findings;
- on a Lambda function: also the findings of what belongs to it (``BELONGS``: its URL, permissions, event
  source mappings, log group, alarms, and the REST methods and routes that invoke it), so exempting the
  function ``getOrder`` from ``rest-unauthenticated`` covers ``GET /orders/{id}``;
- on an API (``AWS::ApiGateway::RestApi``, ``AWS::ApiGatewayV2::Api``): also its methods, routes and
  stages, so one exemption covers a public API however many methods it has;
- on a template: every finding of that stack and the stacks below it.

An exemption that covers no finding is reported (rule ``exemption``, a warning naming where it was written
and where that rule does report something), never ignored: it is a typo, the wrong name, or stale.

In a Serverless Framework project the plugin bridge writes ``custom.slsguard.exempt`` into this
same metadata (and where it was written as ``Metadata.slsguard.exemptFrom``), so the compiled
templates alone decide the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from ..cfn import refs
from .model import ERROR, FUNCTION, WARNING, Context, Finding, Template, finding, props, rtype

RULE = "exemption"
OWNERS = frozenset({FUNCTION, "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"})
# Resources that belong to the function or API they reference: an exemption on that function or API covers them.
# IAM roles and policies are left out on purpose: one role often serves many functions.
BELONGS = frozenset(
    {
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Authorizer",
        "AWS::Lambda::Url",
        "AWS::Lambda::Permission",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::Alias",
        "AWS::Lambda::Version",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::Events::Rule",
        "AWS::WAFv2::WebACLAssociation",
    }
)
LAMBDA_LOG_PREFIX = "/aws/lambda/"
SHOWN = 5  # places named in an unmatched exemption's message
Holder = tuple[Template, str | None]  # (template, logical id of the resource, or None for the template itself)


def _entries(holder: Any) -> Any:
    meta = holder.get("Metadata") if isinstance(holder, dict) else None
    mark = meta.get("slsguard") if isinstance(meta, dict) else None
    return mark.get("exempt") if isinstance(mark, dict) else None


def _reason(holder: Any, rule: str) -> str | None:
    entries = _entries(holder)
    reason = entries.get(rule) if isinstance(entries, dict) else None
    return reason.strip() if isinstance(reason, str) and reason.strip() else None


def _node(value: Any, path: str) -> Any:
    """The deepest mapping ``path`` (dot-separated, keys may hold dots: OpenAPI paths) reaches below ``value``."""
    node = value
    while path and isinstance(node, dict):
        key = max((k for k in node if isinstance(k, str) and (path == k or path.startswith(k + "."))), key=len, default=None)
        if key is None or not isinstance(node[key], dict):
            break
        node, path = node[key], path[len(key) + 1 :]
    return node


def function_names(templates: Iterable[Template]) -> dict[str, refs.Ref]:
    """Every function by its literal FunctionName (a log group names its function only that way)."""
    out: dict[str, refs.Ref] = {}
    for tpl in templates:
        for lid, res in tpl.resources.items():
            name = props(res).get("FunctionName") if rtype(res) == FUNCTION else None
            if isinstance(name, str):
                out.setdefault(name, (tpl, lid))
    return out


def _function_of_log_group(resource: Any, names: dict[str, refs.Ref]) -> refs.Ref | None:
    name = props(resource).get("LogGroupName")
    return names.get(name[len(LAMBDA_LOG_PREFIX) :]) if isinstance(name, str) and name.startswith(LAMBDA_LOG_PREFIX) else None


def owners(tpl: Template, logical_id: str, path: str, names: dict[str, refs.Ref]) -> list[refs.Ref]:
    """The functions and APIs a finding on this resource (at ``path``) belongs to, the resource itself included
    (``names``: ``function_names`` of the audited templates)."""
    resource = tpl.resources.get(logical_id)
    kind = rtype(resource)
    found: list[refs.Ref] = []
    if kind in OWNERS:
        found.append((tpl, logical_id))
        prefix = f"Resources.{logical_id}."
        scope = _node(resource, path[len(prefix) :]) if path.startswith(prefix + "Properties.Body.") else None  # one OpenAPI operation
    elif kind in BELONGS:
        scope = props(resource)
        by_name = _function_of_log_group(resource, names) if kind == "AWS::Logs::LogGroup" else None
        if by_name is not None:
            found.append(by_name)
    else:
        return found
    for ref in refs.targets(scope, tpl) if scope is not None else ():
        target = refs.function_of(ref) or ref
        if rtype(target[0].resources.get(target[1])) in OWNERS and not any(target[0] is t and target[1] == i for t, i in found):
            found.append(target)
    return found


def _covering(f: Finding, tpl: Template, names: dict[str, refs.Ref] | None) -> Iterator[Holder]:
    """Where an exemption covering this finding may be written, nearest first (its owners only when some function or
    API has an exemption, ``names`` given: finding them follows references)."""
    if f.logical_id is not None:
        yield tpl, f.logical_id
        for owner in owners(tpl, f.logical_id, f.path, names) if names is not None else ():
            if owner != (tpl, f.logical_id):
                yield owner
    scope: Template | None = tpl
    while scope is not None:
        yield scope, None
        scope = scope.parent


def _holder_body(holder: Holder) -> Any:
    tpl, lid = holder
    return tpl.body if lid is None else tpl.resources.get(lid)


def apply(findings: Iterable[Finding], templates: dict[str, Template]) -> list[Finding]:
    """Mark findings exempted by their resource's, their function's or API's, or an enclosing template's metadata;
    then report every exemption that covered nothing."""
    every = list(templates.values())
    findings = list(findings)
    written = [(t, lid) for t in every for lid, body in [(None, t.body), *t.resources.items()] if _entries(body) is not None]
    if not written:
        return findings  # no exemption anywhere: nothing to mark, nothing unmatched
    names = function_names(every) if any(lid is not None and rtype(t.resources.get(lid)) in OWNERS for t, lid in written) else None
    used: set[tuple[int, str | None, str]] = set()
    out: list[Finding] = []
    for f in findings:
        tpl = templates.get(f.stack)
        reason = None
        if f.rule != RULE and tpl is not None:
            for holder in _covering(f, tpl, names):  # the nearest reason wins; every one that covers it is used
                found = _reason(_holder_body(holder), f.rule)
                if found:
                    used.add((id(holder[0]), holder[1], f.rule))
                    reason = reason or found
        out.append(replace(f, exempt=reason) if reason else f)
    broken = {(f.stack, f.path) for f in findings if f.rule == RULE}
    out.extend(_unmatched(every, used, broken, out))
    return out


def _label(tpl: Template, lid: str | None) -> str:
    if lid is None:
        return f"stack {tpl.name}"
    resource = tpl.resources.get(lid)
    name = props(resource).get("FunctionName") if rtype(resource) == FUNCTION else None
    kind = {FUNCTION: "function", "AWS::ApiGateway::RestApi": "REST API", "AWS::ApiGatewayV2::Api": "API"}.get(rtype(resource), "resource")
    return f"{kind} {name} ({lid})" if isinstance(name, str) else f"{kind} {lid}"


def _where_reported(rule: str, findings: list[Finding], templates: list[Template]) -> str:
    """Where ``rule`` does report something: the names an exemption of it could have meant."""
    by_name = {t.name: t for t in templates}
    names = function_names(templates)
    places: list[str] = []
    for f in findings:
        tpl = by_name.get(f.stack)
        if f.rule != rule or f.exempt is not None or tpl is None:
            continue
        named = owners(tpl, f.logical_id, f.path, names) if f.logical_id else []
        for label in [_label(t, i) for t, i in named] or [_label(tpl, f.logical_id)]:
            if label not in places:
                places.append(label)
    if not places:
        return f"{rule} reports nothing in these templates: remove the exemption"
    more = f", and {len(places) - SHOWN} more" if len(places) > SHOWN else ""
    return f"{rule} is reported for {', '.join(places[:SHOWN])}{more}: name one of them, or remove the exemption"


def _unmatched(
    templates: list[Template], used: set[tuple[int, str | None, str]], broken: set[tuple[str, str]], findings: list[Finding]
) -> Iterator[Finding]:
    fix = "Write the exemption on the function, API or resource the finding names (custom.slsguard.exempt.<name> in serverless.yml), or remove it."
    for tpl in templates:
        holders: list[tuple[str | None, Any]] = [(None, tpl.body), *tpl.resources.items()]
        for lid, body in holders:
            entries = _entries(body)
            if not isinstance(entries, dict):
                continue
            written = _written(body)
            for rule in entries:
                where = f"Metadata.slsguard.exempt.{rule}"
                path = f"Resources.{lid}.{where}" if lid else where
                if (tpl.name, path) in broken or not _reason(body, rule) or (id(tpl), lid, rule) in used:
                    continue
                origin = f" (written as {written[rule]} in serverless.yml)" if isinstance(written.get(rule), str) else ""
                message = (
                    f"Exemption of {_label(tpl, lid)} from {rule}{origin} matches no finding: {_where_reported(rule, findings, templates)}."
                )
                yield finding(RULE, WARNING, tpl, lid, where, message, fix)


def _written(holder: Any) -> dict[str, Any]:
    """Where the plugin bridge read each exemption (``custom.slsguard.exempt.<name>.<rule>``), when it wrote them."""
    meta = holder.get("Metadata") if isinstance(holder, dict) else None
    mark = meta.get("slsguard") if isinstance(meta, dict) else None
    value = mark.get("exemptFrom") if isinstance(mark, dict) else None
    return value if isinstance(value, dict) else {}


def check(ctx: Context, known: frozenset[str]) -> Iterator[Finding]:
    """Every exemption must name a real rule and give a reason; otherwise it is an error itself."""
    fix = 'Write `Metadata: {slsguard: {exempt: {<rule-id>: "<why this is safe>"}}}` with a rule id from `slsguard audit --help`.'
    for tpl in ctx.index.templates:
        holders = [(None, "Metadata.slsguard.exempt", tpl.body)]
        holders += [(lid, "Metadata.slsguard.exempt", res) for lid, res in tpl.resources.items()]
        for lid, where, holder in holders:
            entries = _entries(holder)
            if entries is None:
                continue
            place = f"resource {lid}" if lid else f"stack {tpl.name}"
            if not isinstance(entries, dict):
                yield finding(RULE, ERROR, tpl, lid, where, f"Exemptions of {place} must map rule ids to reasons.", fix)
                continue
            for rule, reason in entries.items():
                if rule not in known or rule == RULE:
                    yield finding(RULE, ERROR, tpl, lid, f"{where}.{rule}", f"Exemption of {place} names unknown rule {rule!r}.", fix)
                elif not (isinstance(reason, str) and reason.strip()):
                    yield finding(RULE, ERROR, tpl, lid, f"{where}.{rule}", f"Exemption of {place} from {rule} gives no reason.", fix)

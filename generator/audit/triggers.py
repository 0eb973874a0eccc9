"""What invokes each function: event source mappings, schedules, and everything else (APIs, URLs, buckets, topics).

The reserved-concurrency rule reads it: a function that only a capped SQS event source or a schedule
invokes cannot be flooded from outside, so a missing reservation matters less there.
"""

from __future__ import annotations

from typing import Any

from ..cfn import refs
from .model import Index, Template, literal_int, props, rtype

CAPPED_QUEUE = "capped-queue"  # an SQS event source mapping with ScalingConfig.MaximumConcurrency
SCHEDULE = "schedule"  # an EventBridge rule with a ScheduleExpression and no event pattern, or an EventBridge Scheduler schedule
OTHER = "other"
Key = tuple[int, str]  # (id of the template, logical id of the function)


def _key(ref: refs.Ref) -> Key:
    return id(ref[0]), ref[1]


def _is_sqs(arn: Any, tpl: Template) -> bool:
    if isinstance(arn, str):
        return ":sqs:" in arn
    return any(rtype(t.resources.get(lid)) == "AWS::SQS::Queue" for t, lid in refs.targets(arn, tpl))


def _mapping_kind(mapping: dict[str, Any], tpl: Template) -> str:
    p = props(mapping)
    scaling = p.get("ScalingConfig")
    capped = isinstance(scaling, dict) and literal_int(scaling.get("MaximumConcurrency")) is not None
    return CAPPED_QUEUE if capped and _is_sqs(p.get("EventSourceArn"), tpl) else OTHER


def _rule_kind(rule: Any) -> str:
    p = props(rule)
    return SCHEDULE if p.get("ScheduleExpression") and not p.get("EventPattern") else OTHER


def triggers(index: Index) -> dict[Key, set[str]]:
    """Kinds of trigger per function; a function nobody in the templates invokes has no entry."""
    out: dict[Key, set[str]] = {}

    def add(value: Any, tpl: Template, kind: str) -> None:
        for fn in refs.functions(value, tpl):
            out.setdefault(_key(fn), set()).add(kind)

    for tpl, _lid, mapping in index.of_type("AWS::Lambda::EventSourceMapping"):
        add(props(mapping).get("FunctionName"), tpl, _mapping_kind(mapping, tpl))
    for tpl, _lid, rule in index.of_type("AWS::Events::Rule"):
        for target in props(rule).get("Targets") or []:
            if isinstance(target, dict):
                add(target.get("Arn"), tpl, _rule_kind(rule))
    for tpl, _lid, schedule in index.of_type("AWS::Scheduler::Schedule"):
        target = props(schedule).get("Target")
        if isinstance(target, dict):
            add(target.get("Arn"), tpl, SCHEDULE)
    for tpl, _lid, permission in index.of_type("AWS::Lambda::Permission"):
        p = props(permission)
        kind = OTHER
        if p.get("Principal") == "events.amazonaws.com":
            rules = [t.resources.get(r) for t, r in refs.targets(p.get("SourceArn"), tpl)]
            kind = SCHEDULE if rules and all(_rule_kind(r) == SCHEDULE for r in rules) else OTHER
        add(p.get("FunctionName"), tpl, kind)
    for tpl, _lid, url in index.of_type("AWS::Lambda::Url"):
        add(props(url).get("TargetFunctionArn"), tpl, OTHER)
    return out


def key(tpl: Template, logical_id: str) -> Key:
    """The key ``triggers`` uses for a function."""
    return id(tpl), logical_id

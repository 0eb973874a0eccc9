"""What kind of trigger invokes each function: capped SQS event sources, schedules, and everything else.

The reserved-concurrency rule reads it: a function that only a capped SQS event source or a schedule
invokes cannot be flooded from outside, so a missing reservation matters less there. The walk itself
(which resources invoke which function) is done once per audit and shared: ``generator/cfn/invokers.py``.
"""

from __future__ import annotations

from typing import Any

from ..cfn import invokers as inv
from ..cfn import refs
from ..cfn.invokers import Invoker
from ..cfn.values import ABSENT, possible
from .model import Index, Template, literal_int, props, rtype

CAPPED_QUEUE = "capped-queue"  # an SQS event source mapping with ScalingConfig.MaximumConcurrency
SCHEDULE = "schedule"  # an EventBridge rule with a ScheduleExpression and no event pattern, or an EventBridge Scheduler schedule
OTHER = "other"
Key = inv.Key


def _is_sqs(arn: Any, tpl: Template) -> bool:
    if isinstance(arn, str):
        return ":sqs:" in arn
    return any(rtype(t.resources.get(lid)) == "AWS::SQS::Queue" for t, lid in refs.targets(arn, tpl))


def _rule_kind(rule: Any, tpl: Template) -> str:
    """A schedule when every branch has a ScheduleExpression and none an EventPattern."""
    p = props(rule)
    expressions = [v.value for v in possible(p.get("ScheduleExpression"), tpl)]
    patterns = [v.value for v in possible(p.get("EventPattern"), tpl)]
    scheduled = all(isinstance(e, str) and e for e in expressions) and all(v is ABSENT for v in patterns)
    return SCHEDULE if scheduled else OTHER


def kind(invoker: Invoker) -> str:
    """The kind of one invoker: a capped SQS mapping, a schedule, or anything else."""
    tpl, p = invoker.tpl, invoker.part
    if invoker.type == inv.MAPPING:
        scalings = [v.value for v in possible(p.get("ScalingConfig"), tpl)]  # capped only when capped in every branch
        capped = all(isinstance(v, dict) and literal_int(v.get("MaximumConcurrency")) is not None for v in scalings)
        return CAPPED_QUEUE if capped and _is_sqs(p.get("EventSourceArn"), tpl) else OTHER
    if invoker.type == inv.RULE:
        return _rule_kind(tpl.resources.get(invoker.logical_id), tpl)
    if invoker.type == inv.SCHEDULE:
        return SCHEDULE
    if invoker.type == inv.PERMISSION and all(v.value == "events.amazonaws.com" for v in possible(p.get("Principal"), tpl)):
        rules = [(t, t.resources.get(r)) for t, r in refs.targets(p.get("SourceArn"), tpl)]
        return SCHEDULE if rules and all(_rule_kind(r, t) == SCHEDULE for t, r in rules) else OTHER
    return OTHER


def triggers(index: Index) -> dict[Key, set[str]]:
    """Kinds of trigger per function; a function nobody in the templates invokes has no entry."""
    return {fn: {kind(i) for i in found} for fn, found in inv.invokers(index).items()}


def key(tpl: Template, logical_id: str) -> Key:
    """The key ``triggers`` uses for a function."""
    return inv.key(tpl, logical_id)

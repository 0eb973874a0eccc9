"""Rules about SQS consumers, on any compiled template (seed challenge 4): a queue that hides a message long enough
for its consumer to finish, and pollers that fit the consumer's reserved concurrency.

The template's worker and ``slsguard add NAME --trigger sqs`` write both settings; no rail adds them at package time,
so a queue written by hand is caught here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..answers import limits
from ..cfn import invokers as inv
from ..cfn import refs
from .model import ERROR, FUNCTION, Context, Finding, Template, fn_label, literal_int, props, rtype
from .rule import Fix, Rule

QUEUE = "AWS::SQS::Queue"


def _sqs_mappings(
    ctx: Context,
) -> Iterator[tuple[Template, str, dict[str, Any], tuple[Template, str], tuple[Template, str, dict[str, Any]]]]:
    """Each event source mapping from an in-template SQS queue: the mapping, its queue and its function (read from the
    shared walk of what invokes each function)."""
    invoked = inv.invokers(ctx.index)
    for ftpl, flid, fn in ctx.index.of_type(FUNCTION):
        for i in invoked.get(inv.key(ftpl, flid), ()):
            if i.type != inv.MAPPING:
                continue
            targets = refs.targets(i.part.get("EventSourceArn"), i.tpl)
            queue = next((r for r in targets if rtype(r[0].resources.get(r[1])) == QUEUE), None)
            if queue is not None:
                yield i.tpl, i.logical_id, i.tpl.resources[i.logical_id], queue, (ftpl, flid, fn)


def queue_visibility(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a queue that shows a message again while its consumer still runs pays for every batch twice."""
    for _tpl, _lid, _mapping, (qtpl, qlid), (_ftpl, flid, fn) in _sqs_mappings(ctx):
        timeout = literal_int(props(fn).get("Timeout"))
        timeout = limits.LAMBDA_DEFAULT_TIMEOUT_S if timeout is None and "Timeout" not in props(fn) else timeout
        visibility = props(qtpl.resources[qlid]).get("VisibilityTimeout", limits.SQS_DEFAULT_VISIBILITY_TIMEOUT_S)
        visibility = literal_int(visibility)
        if timeout is None or visibility is None or visibility >= limits.SQS_VISIBILITY_TIMEOUT_FACTOR * timeout:
            continue
        yield QUEUE_VISIBILITY.finding(
            ERROR,
            qtpl,
            qlid,
            "Properties.VisibilityTimeout",
            f"Queue {qlid} hides a received message for {visibility} s, less than {limits.SQS_VISIBILITY_TIMEOUT_FACTOR} x the {timeout} s timeout of "
            f"its consumer {fn_label(fn, flid)}: a batch still running or being retried is delivered again.",
            seconds=limits.SQS_VISIBILITY_TIMEOUT_FACTOR * timeout,
            factor=limits.SQS_VISIBILITY_TIMEOUT_FACTOR,
        )


def sqs_max_concurrency(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: more pollers than the consumer may run means throttled batches bouncing back to the queue."""
    for tpl, lid, mapping, _queue, (_ftpl, flid, fn) in _sqs_mappings(ctx):
        scaling = props(mapping).get("ScalingConfig")
        maximum = literal_int(scaling.get("MaximumConcurrency")) if isinstance(scaling, dict) else None
        reserved = literal_int(props(fn).get("ReservedConcurrentExecutions"))
        if maximum is None or reserved is None or maximum <= reserved:
            continue
        yield SQS_MAX_CONCURRENCY.finding(
            ERROR,
            tpl,
            lid,
            "Properties.ScalingConfig.MaximumConcurrency",
            f"Event source {lid} may run {maximum} copies of {fn_label(fn, flid)} at once, but it reserves only {reserved}: "
            "the extra batches are throttled and return to the queue, towards its dead-letter queue.",
            reserved=reserved,
        )


QUEUE_VISIBILITY = Rule(
    id="queue-visibility",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="an SQS queue's VisibilityTimeout is at least 6 x its consumer's timeout (error)",
    help="A batch still being processed when the visibility timeout ends is delivered again: processed twice and billed twice.",
    checks="an SQS queue feeding a function through an event source mapping has `VisibilityTimeout` (SQS default 30 s) at least 6 x that function's `Timeout` (Lambda default 3 s)",
    levels="error",
    fixes={
        "": Fix(
            "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `timeout:`) on the queue under `resources:` in serverless.yml; `slsguard add NAME --trigger sqs` writes its queue that way.",
            "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `Timeout`) on the AWS::SQS::Queue in template.yaml.",
            "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's Timeout) on the AWS::SQS::Queue.",
        )
    },
    check=queue_visibility,
)

SQS_MAX_CONCURRENCY = Rule(
    id="sqs-max-concurrency",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="an SQS event source's MaximumConcurrency is at most its consumer's reserved concurrency (error)",
    help="Pollers above the reserved concurrency are throttled and their batches go back to the queue, towards the dead-letter queue.",
    checks="an SQS event source mapping's `ScalingConfig.MaximumConcurrency` is at most its function's `ReservedConcurrentExecutions`",
    levels="error",
    fixes={
        "": Fix(
            "Set the sqs event's `maximumConcurrency:` to at most {reserved} (the function's `reservedConcurrency:`) in serverless.yml, or raise that; `slsguard add NAME --trigger sqs` writes the two equal.",
            "Set the SQS event's `ScalingConfig: {{MaximumConcurrency: N}}` to at most {reserved} (the function's `ReservedConcurrentExecutions`) in template.yaml, or raise that.",
            "Set `ScalingConfig.MaximumConcurrency` on the AWS::Lambda::EventSourceMapping to at most {reserved} (the function's ReservedConcurrentExecutions), or raise that.",
        )
    },
    check=sqs_max_concurrency,
)

RULES = (QUEUE_VISIBILITY, SQS_MAX_CONCURRENCY)

"""The text ``slsguard add`` inserts into serverless.yml: the function's four keys and, for SQS, its queue pair.

Only what a user would write by hand: handler, events, timeout, reservedConcurrency (and the optional
``slsguard:`` block). Alarms, roles, failure queues and warm-up come from the project's rails plugin.
"""

from __future__ import annotations

import json

from ..answers import limits
from .checks import DEFAULT_SCHEDULE, HANDLER_METHODS, Request

QUEUE_TYPE = "AWS::SQS::Queue"
MAX_RECEIVE_COUNT = 5  # deliveries before a message moves to the dead-letter queue (the template's worker uses 5)
QUEUE_RETENTION_S = 4 * 24 * 3600  # SQS default, 4 days
DEAD_LETTER_RETENTION_S = 14 * 24 * 3600  # SQS maximum, 14 days: time to inspect and redrive
BATCH_SIZE = 10
SSE_SQS_SKIP = (
    "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); this check recognises only KMS keys, "
    "which AWS services such as SNS cannot publish through when AWS-managed."
)


def camel(name: str) -> str:
    """``send_report`` -> ``SendReport``: the prefix of the queue pair's logical ids."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def queue_ids(req: Request) -> list[str]:
    """Logical ids of the resources the function needs in resources.Resources."""
    return [f"{camel(req.name)}Queue", f"{camel(req.name)}DeadLetterQueue"] if req.trigger == "sqs" else []


def _lines(pairs: list[tuple[int, str]], indent: int, step: int) -> str:
    return "".join(f"{' ' * (indent + depth * step)}{text}\n" for depth, text in pairs)


def _event(req: Request, api: str, reserved: int) -> list[tuple[int, str]]:
    """The event's lines by level: 0 the list item, 1 the keys under its trigger, 2 one level deeper."""
    if req.trigger == "schedule":
        expr = req.schedule or DEFAULT_SCHEDULE
        return [(0, f"- schedule: {expr if expr.startswith('rate(') else json.dumps(expr)}")]
    if req.trigger == "http" and api == "rest":
        # Only the methods the written handler serves; who may call them (an authorizer, or the API key with
        # auth=api-key) is the rails' auth rail, the same for every function.
        return [line for m in HANDLER_METHODS for line in [(0, "- http:"), (1, f"path: {req.route}"), (1, f"method: {m.lower()}")]]
    if req.trigger == "http":
        return [line for m in HANDLER_METHODS for line in [(0, "- httpApi:"), (1, f"path: {req.route}"), (1, f"method: {m}")]]
    queue = queue_ids(req)[0]
    out = [(0, "- sqs:"), (1, "arn:"), (2, f"Fn::GetAtt: [{queue}, Arn]"), (1, f"batchSize: {BATCH_SIZE}")]
    out.append((1, "functionResponseType: ReportBatchItemFailures"))
    if reserved >= 2:  # never more pollers than the function may run
        out.append((1, f"maximumConcurrency: {reserved}"))
    return out


def function_block(req: Request, package: str, api: str, timeout: int, reserved: int, indent: int, step: int) -> str:
    """The function's entry under ``functions:``."""
    pairs = [
        (0, f"{req.name}:"),
        (1, f"handler: {package}/{req.name}.handler"),
        (1, f"timeout: {timeout}"),
        (1, f"reservedConcurrency: {reserved}"),
        (1, "events:"),
    ]
    out = _lines(pairs, indent, step)
    dash = indent + 2 * step  # list items one step under `events:`; the trigger's key two columns right of its dash
    for level, text in _event(req, api, reserved):
        out += " " * (dash + (2 + level * step if level else 0)) + text + "\n"
    if req.database:
        out += _lines([(1, "slsguard:"), (2, "database: true")], indent, step)
    return out


def queue_pair(req: Request, timeout: int, indent: int, step: int) -> str:
    """The function's queue (SSE-SQS, redrive to its DLQ, visibility 6 x timeout) and its dead-letter queue (14 days)."""
    queue, dead = queue_ids(req)
    skip = [(2, "checkov:"), (3, "skip:"), (4, "- id: CKV_AWS_27"), (5, f"comment: {json.dumps(SSE_SQS_SKIP)}")]
    pairs = [
        (0, f"{queue}:"),
        (1, f"Type: {QUEUE_TYPE}"),
        (1, "Metadata:"),
        *skip,
        (1, "Properties:"),
        (2, f"VisibilityTimeout: {timeout * limits.SQS_VISIBILITY_TIMEOUT_FACTOR}"),
        (2, f"MessageRetentionPeriod: {QUEUE_RETENTION_S}"),
        (2, "SqsManagedSseEnabled: true"),
        (2, "RedrivePolicy:"),
        (3, "deadLetterTargetArn:"),
        (4, f"Fn::GetAtt: [{dead}, Arn]"),
        (3, f"maxReceiveCount: {MAX_RECEIVE_COUNT}"),
        (0, f"{dead}:"),
        (1, f"Type: {QUEUE_TYPE}"),
        (1, "Metadata:"),
        *skip,
        (1, "Properties:"),
        (2, f"MessageRetentionPeriod: {DEAD_LETTER_RETENTION_S}"),
        (2, "SqsManagedSseEnabled: true"),
    ]
    text = _lines(pairs, indent, step)
    # `- id:` list items: their continuation lines line up under `id`.
    return text.replace(f"{' ' * (indent + 5 * step)}comment:", f"{' ' * (indent + 4 * step + 2)}comment:")

"""SQS records for guard.sqs_handler: each message's id, correlation ID and body, read without trusting their shape.

A record from SQS always has a messageId and a string body; a crafted invocation may not. Whatever a record
holds, only that message fails (or is skipped, when it has no id to report back): never the whole batch.
"""

from __future__ import annotations

from .apigw import CORRELATION_HEADER, CORRELATION_ID_RE, parse_json

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def message_correlation_id(record: Mapping[str, Any], message_id: str) -> str:
    """An SQS message's correlation ID: its x-correlation-id (or correlation_id) attribute, else its message ID."""
    given = record.get("messageAttributes")
    if isinstance(given, dict):
        attributes = {str(k).lower(): v for k, v in given.items()}
        for name in (CORRELATION_HEADER, "correlation_id"):
            attribute = attributes.get(name)
            value = attribute.get("stringValue") if isinstance(attribute, dict) else None
            if isinstance(value, str) and CORRELATION_ID_RE.fullmatch(value):
                return value
    return message_id


def process_one(process: Callable[[Any, Mapping[str, Any]], None], record: Mapping[str, Any], message_id: str, logger: Any) -> bool:
    """Run ``process`` on one message; False when it must go back to the queue. DeadlineExceeded passes through."""
    text = record.get("body")
    try:
        if not isinstance(text, str):
            raise ValueError("it is not a string")
        body = parse_json(text)
    except ValueError as err:
        logger.error("message body is not usable", extra={"message_id": message_id, "reason": str(err)[:300]})
        return False
    try:
        process(body, record)
    except Exception:
        logger.exception("message failed", extra={"message_id": message_id})
        return False
    return True


def message_id_of(record: Any) -> str | None:
    """The record's messageId: without one, a record cannot be reported back (not an SQS record)."""
    message_id = record.get("messageId") if isinstance(record, dict) else None
    return message_id if isinstance(message_id, str) and message_id else None
